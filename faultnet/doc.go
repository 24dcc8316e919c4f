// Package faultnet cuts the network between gatherd nodes inside one process, so that tests can partition real
// memberlist and raft traffic over loopback sockets. Production nodes run without it (a nil *Rules allows
// everything); it must never be needed for a node to work.
package faultnet
