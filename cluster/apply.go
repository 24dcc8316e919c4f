package cluster

import (
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/raft"

	"github.com/gatherd/gatherd/store"
)

// Errors of the write path. They are the store's, so that the API maps them without importing cluster.
var (
	ErrNotLeader   = store.ErrNotLeader
	ErrNoLeader    = store.ErrNoLeader
	ErrUnknownNode = store.ErrUnknownNode
)

// applyTimeout bounds how long a write waits for raft to commit it.
const applyTimeout = 10 * time.Second

// Apply writes a command through raft and waits until this node has applied it. Only the leader may call
// it; elsewhere it returns ErrNotLeader. A command the FSM rejects returns the FSM's error.
func (n *Node) Apply(cmd *store.Command) (*store.Result, error) {
	if n.raft.State() != raft.Leader {
		return nil, ErrNotLeader
	}
	b, err := cmd.Encode()
	if err != nil {
		return nil, fmt.Errorf("encode command: %w", err)
	}
	f := n.raft.Apply(b, applyTimeout)
	if err := f.Error(); err != nil {
		switch {
		case errors.Is(err, raft.ErrNotLeader), errors.Is(err, raft.ErrLeadershipTransferInProgress),
			errors.Is(err, raft.ErrEnqueueTimeout):
			return nil, ErrNotLeader // refused before it entered the log: not applied anywhere
		case errors.Is(err, raft.ErrLeadershipLost):
			return nil, store.ErrLeadershipLost
		}
		return nil, fmt.Errorf("raft apply: %w", err)
	}
	res, _ := f.Response().(*store.Result)
	if res == nil {
		return nil, errors.New("raft apply: no result from the store")
	}
	return res, res.Err
}

// Barrier returns once this node, the leader, has applied every entry committed before the call (a barrier
// entry commits with a quorum, so it also proves the leadership). A plan read from the store after it sees
// every write acknowledged so far, also by a previous leader.
func (n *Node) Barrier() error {
	if err := n.raft.Barrier(applyTimeout).Error(); err != nil {
		if errors.Is(err, raft.ErrLeadershipLost) || errors.Is(err, raft.ErrNotLeader) || errors.Is(err, raft.ErrLeadershipTransferInProgress) {
			return ErrNotLeader
		}
		return fmt.Errorf("raft barrier: %w", err)
	}
	return nil
}

// IsLeader reports whether this node is the raft leader now.
func (n *Node) IsLeader() bool { return n.raft.State() == raft.Leader }

// VerifyLeader confirms with a quorum that this node is still the leader, for consistent reads, and waits
// until its store has applied every entry committed before its term (readTerm). A quorum's heartbeat alone is
// not enough: a new leader learns that the previous leader's last entries were committed only when an entry of
// its own term commits, and a read answered before it applied them missed writes already acknowledged (the
// linearizability checker found such reads right after a leader kill). Consul waits the same way
// (readyForConsistentReads). The wait lasts one commit round after an election; the poll is that short too.
func (n *Node) VerifyLeader() error {
	if err := n.raft.VerifyLeader().Error(); err != nil {
		return ErrNotLeader
	}
	deadline := time.Now().Add(applyTimeout)
	for n.readTerm.Load() != n.raft.CurrentTerm() {
		if n.raft.State() != raft.Leader || time.Now().After(deadline) {
			return ErrNotLeader
		}
		time.Sleep(2 * time.Millisecond)
	}
	return nil
}

// Leader returns the current leader's ID and API URL, or ErrNoLeader.
func (n *Node) Leader() (id, api string, err error) {
	_, lid := n.raft.LeaderWithID()
	if lid == "" {
		return "", "", ErrNoLeader
	}
	id = string(lid)
	if id == n.cfg.NodeID {
		return id, n.meta.API, nil
	}
	m, ok := n.members.get(id)
	if !ok || m.Meta.API == "" {
		return id, "", fmt.Errorf("leader %s has no known API address: %w", id, ErrNoLeader)
	}
	return id, m.Meta.API, nil
}

// MemberAPI returns the API base URL of node id while gossip says it is alive.
func (n *Node) MemberAPI(id string) (string, bool) {
	if id == n.cfg.NodeID {
		return n.meta.API, n.meta.API != ""
	}
	m, ok := n.members.get(id)
	if !ok || m.Status != StatusAlive || m.Meta.API == "" {
		return "", false
	}
	return m.Meta.API, true
}

// KnowsNode reports whether id is a node of this cluster (in gossip, raft or the registry).
func (n *Node) KnowsNode(id string) bool {
	if _, ok := n.members.get(id); ok {
		return true
	}
	if _, ok := n.registry()[id]; ok {
		return true
	}
	if f := n.raft.GetConfiguration(); f.Error() == nil {
		for _, s := range f.Configuration().Servers {
			if string(s.ID) == id {
				return true
			}
		}
	}
	return false
}

// SetNodeState writes a node's registry state (leader only): draining keeps inputs off it, alive undoes a
// drain, left removes it from the cluster once its inputs have moved.
func (n *Node) SetNodeState(id string, state store.NodeState) error {
	if !n.KnowsNode(id) {
		return fmt.Errorf("node %q: %w", id, ErrUnknownNode)
	}
	var boot int64
	if state == store.NodeLeft {
		if m, ok := n.members.get(id); ok {
			boot = m.Meta.Boot
		}
		if id == n.cfg.NodeID {
			boot = n.meta.Boot
		}
	}
	return n.applyNodeState(id, state, boot)
}

func (n *Node) setNodeState(id string, state store.NodeState, boot int64) {
	n.logErr(n.applyNodeState(id, state, boot), "set node state "+string(state), id)
}

// applyNodeState writes a registry state and wakes the leader loop's membership pass, which acts on it (a node
// marked left leaves raft) at once rather than at the next periodic pass.
func (n *Node) applyNodeState(id string, state store.NodeState, boot int64) error {
	_, err := n.Apply(&store.Command{Op: store.OpSetNode, Node: &store.Node{ID: id, State: state, Boot: boot}})
	if err == nil {
		n.members.signal()
	}
	return err
}
