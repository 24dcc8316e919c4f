package api

import (
	"runtime/debug"
	"sync"
)

// version is set at link time (make build: -X github.com/gatherd/gatherd/api.version=$(git describe)).
var version string

// Version is this binary's version as GET /v1/nodes shows it: the one set at link time, else the main module's
// version, or, for a build that stamped its checkout, its commit (with "+dirty" when the tree had changes);
// "devel" when the build recorded none of these.
var Version = sync.OnceValue(func() string {
	if version != "" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	var rev, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	switch {
	case bi.Main.Version != "" && bi.Main.Version != "(devel)":
		return bi.Main.Version
	case rev != "":
		return rev[:min(12, len(rev))] + dirty
	}
	return "devel"
})
