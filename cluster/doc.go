// Package cluster makes a gatherd node: memberlist gossip, a raft replica of the store, bootstrap by expected
// count, the leader loop that reconciles gossip membership into the raft configuration and places inputs, the
// fence that stops a node cut off from its leader, and the loop that hands the node's share to its worker.
// Leader duties live in leader.go; everything placed is computed by the pure sharding package.
package cluster
