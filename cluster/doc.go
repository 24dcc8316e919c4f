// Package cluster makes a gatherd node: memberlist gossip, a raft replica of the store, bootstrap by expected
// count, the leader loop that reconciles gossip membership into the raft configuration and places inputs, the
// fence that stops a node cut off from its leader, and the loop that hands the node's share to its worker.
// Everything placed is computed by the pure sharding package; the node only feeds it and writes its answer.
//
// Where things live: leader.go starts and revokes the leader loop (establish, revoke as its mirror);
// placement.go is the leader's placement pass and raftmembership.go its reconciliation of gossip into raft
// voters; gossipmembers.go is every node's table of gossip members; fence.go is the lease a follower keeps
// with its leader; local.go turns the store into the worker's desired set; trust.go enforces the operator's
// policy on inputs.
//
// A planned move (a node joins, is drained, stops or is told to leave) is exact, no slot missed or doubled,
// and crosses five places:
//   - placement.go: the leader decides the move and stamps its effective time, Since = now + HandoffDelay, into
//     the raft command (no clock is read inside Apply). A crash move has no Since: it takes effect at once.
//   - store/fsm.go: applying the command records the new owner with Since and, for a planned move, the
//     previous owner as Prev, on every replica alike.
//   - local.go: on each node, desired gives the new owner the input with a window starting at Since, and the
//     previous owner the same input with a window ending at Since (its timer drops it then).
//   - worker/worker.go: each side gathers only the slots inside its window, so the old owner stops before the
//     stamped slot and the new owner starts at it.
//   - node.go: Stop marks the node stopping in gossip, which makes the leader plan moves off it, and waits
//     (awaitHandoff) until no input is on it, handoffs included, before it leaves.
package cluster
