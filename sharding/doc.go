// Package sharding decides which cluster node runs each metrics-collection
// input: weighted rendezvous hashing gives every input a stable preference
// order over nodes, and a bounded-load pass keeps every node within one input
// of its weighted fair share while moving as few inputs as possible.
//
// It is pure placement logic and must never start goroutines, read clocks,
// do I/O or use randomness: the raft leader relies on Place returning the
// same Plan for the same arguments, whatever the order of slices or maps.
package sharding
