module github.com/influxdata/toml

// gatherd's copy of github.com/influxdata/toml with one change, see gatherd_patch.go. The go version is what
// the go command assumes for the upstream module, which has no go.mod.
go 1.16

require github.com/naoina/go-stringutil v0.1.0
