package cluster

import (
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/raft"

	"github.com/gatherd/gatherd/store"
	"github.com/gatherd/gatherd/wire"
)

// Status returns the node's view of the cluster.
func (n *Node) Status() wire.Status {
	_, lid := n.raft.LeaderWithID()
	st := wire.Status{
		NodeID:       n.cfg.NodeID,
		LeaderID:     string(lid),
		RaftState:    n.raft.State().String(),
		AppliedIndex: n.raft.AppliedIndex(),
		CommitIndex:  n.raft.CommitIndex(),
		Fenced:       n.fenced.Load(),
		Running:      n.worker.Running(),
		Term:         n.raft.CurrentTerm(),
	}
	if err := n.disk.Err(); err != nil {
		st.DiskError = err.Error()
	}
	n.store.Read(func(s *store.State) {
		st.Inputs = len(s.Inputs)
		st.Generation = s.Generation
	})
	st.Members = n.memberStatuses()
	return st
}

func (n *Node) memberStatuses() []wire.Member {
	suffrage := map[string]raft.ServerSuffrage{}
	raftAddr := map[string]string{}
	if f := n.raft.GetConfiguration(); f.Error() == nil {
		for _, s := range f.Configuration().Servers {
			suffrage[string(s.ID)] = s.Suffrage
			raftAddr[string(s.ID)] = string(s.Address)
		}
	}
	registry := n.registry()
	seen := map[string]bool{}
	var out []wire.Member
	add := func(ms wire.Member) {
		seen[ms.ID] = true
		if r, ok := registry[ms.ID]; ok {
			ms.State = string(r.State)
		} else {
			ms.State = string(store.NodeAlive)
		}
		ms.Raft = "none"
		if s, ok := suffrage[ms.ID]; ok {
			ms.Voter = s == raft.Voter
			ms.Raft = map[raft.ServerSuffrage]string{raft.Voter: "voter", raft.Nonvoter: "nonvoter", raft.Staging: "staging"}[s]
		}
		if ms.RaftAddr == "" {
			ms.RaftAddr = raftAddr[ms.ID]
		}
		out = append(out, ms)
	}
	for _, m := range n.members.list() {
		add(wire.Member{ID: m.ID, Status: m.Status, APIAddr: m.Meta.API, RaftAddr: m.Meta.Raft, GossipAddr: m.Addr, Stopping: m.Meta.Stopping})
	}
	// Raft servers gossip has never heard of this run still belong to the cluster.
	for id := range suffrage {
		if !seen[id] {
			add(wire.Member{ID: id, Status: StatusDead})
		}
	}
	sortMembers(out)
	return out
}

// Ready reports whether the node is a member of a cluster with a known leader, caught up and not fenced,
// with the reason when it is not.
func (n *Node) Ready() (bool, string) {
	if _, id := n.raft.LeaderWithID(); id == "" {
		return false, "no leader known"
	}
	if err := n.disk.Err(); err != nil {
		return false, err.Error()
	}
	if n.raft.AppliedIndex() < n.raft.CommitIndex() {
		return false, "store not caught up with the leader"
	}
	if n.fenced.Load() {
		return false, "fenced: no recent leader contact, or replication not yet proven since it came back"
	}
	return true, ""
}

// LastContact returns when this node last heard from the leader (now, on the leader).
func (n *Node) LastContact() time.Time {
	if n.IsLeader() {
		return time.Now()
	}
	return n.raft.LastContact()
}

func sortMembers(ms []wire.Member) {
	slices.SortFunc(ms, func(a, b wire.Member) int { return strings.Compare(a.ID, b.ID) })
}
