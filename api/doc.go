// Package api is gatherd's HTTP API, served by every node: versioned CRUD of inputs, the cluster's status and
// assignment, node drain and leave, health and Prometheus metrics. Reads are answered from the local replica;
// writes are validated here, then applied on the leader or forwarded to it (forward.go is the only place that
// talks to another node). It must never change state except through a raft command.
package api
