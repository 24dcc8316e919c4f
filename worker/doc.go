// Package worker runs the metrics inputs that the raft leader assigned to this
// node: it owns the kill-map (input ID -> stop handle of the goroutine that
// gathers it), the pure reconcile diff and the per-input gather loop that
// fires on cluster-wide, phase-aligned slots bounded by a handoff Window.
//
// It must never run an input that is not in the last applied desired set,
// never run two gathers of one input at once, and never let a plugin's panic,
// error or hang take down the node or stall reconciliation of other inputs.
package worker
