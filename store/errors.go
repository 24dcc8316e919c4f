package store

import "errors"

// Errors of the write path that the API answers with a status of their own: raft writes go through the
// leader, and a registry write names a node the cluster must know.
var (
	ErrNotLeader   = errors.New("this node is not the leader")
	ErrNoLeader    = errors.New("no leader: the cluster has no quorum or is electing")
	ErrUnknownNode = errors.New("unknown node")
)
