// Package testcluster starts real gatherd nodes (memberlist, raft, worker and HTTP API over loopback sockets,
// data in temporary dirs) inside one test process, and kills, stops, restarts, adds and partitions them.
// Its wait helpers poll with a deadline and say what they waited for. It is for tests only.
package testcluster
