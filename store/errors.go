package store

import "errors"

// Errors of the write path that the API answers with a status of their own: raft writes go through the
// leader, and a registry write names a node the cluster must know.
var (
	ErrNotLeader   = errors.New("this node is not the leader")
	ErrNoLeader    = errors.New("no leader: the cluster has no quorum or is electing")
	ErrUnknownNode = errors.New("unknown node")
	// ErrLeadershipLost: the leader lost its leadership after the write entered its log, so the write may or
	// may not be committed. Unlike ErrNotLeader (refused before it entered any log), a write with this outcome
	// is not sent again: it could undo a write made in between.
	ErrLeadershipLost = errors.New("leadership lost while the write was in flight: it may or may not have been applied")
)
