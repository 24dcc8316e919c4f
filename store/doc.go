// Package store is gatherd's replicated state: the raft FSM holding the desired state of the cluster (input
// specs, the node registry and the assignment of inputs to nodes) and the typed commands that change it.
// Apply is deterministic: it never reads a clock, draws a random number or does I/O, so every node that applies
// the same log holds the same state. A command type it does not know, written by a newer binary, is skipped
// when flagged skippable and otherwise halts the store (Store.Fatal): it never applies a log differently from
// the other replicas. It never holds per-gather status or metrics.
package store
