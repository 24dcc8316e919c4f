package cluster

import (
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/raft"

	"github.com/gatherd/gatherd/store"
)

// MemberStatus is one node as this node sees it.
type MemberStatus struct {
	ID       string `json:"id"`
	Status   string `json:"status"`      // gossip: alive, dead, left
	State    string `json:"state"`       // registry: alive, draining, left
	Voter    bool   `json:"voter"`       // a raft voter
	Raft     string `json:"raft"`        // voter, nonvoter or none
	APIAddr  string `json:"api_addr"`    // API URL
	RaftAddr string `json:"raft_addr"`   // raft host:port
	Gossip   string `json:"gossip_addr"` // gossip host:port
	Stopping bool   `json:"stopping,omitempty"`
}

// Status is the node's view of the cluster, as GET /v1/status returns it.
type Status struct {
	NodeID       string         `json:"node_id"`
	LeaderID     string         `json:"leader_id"`
	RaftState    string         `json:"raft_state"`
	Term         uint64         `json:"term"`
	Members      []MemberStatus `json:"members"`
	Inputs       int            `json:"inputs"`
	AppliedIndex uint64         `json:"applied_index"`
	CommitIndex  uint64         `json:"commit_index"`
	Generation   uint64         `json:"generation"`
	Fenced       bool           `json:"fenced"`
	Running      int            `json:"running"`
}

// Status returns the node's view of the cluster.
func (n *Node) Status() Status {
	_, lid := n.raft.LeaderWithID()
	st := Status{
		NodeID:       n.cfg.NodeID,
		LeaderID:     string(lid),
		RaftState:    n.raft.State().String(),
		AppliedIndex: n.raft.AppliedIndex(),
		CommitIndex:  n.raft.CommitIndex(),
		Fenced:       n.fenced.Load(),
		Running:      n.worker.Running(),
		Term:         n.raft.CurrentTerm(),
	}
	n.store.Read(func(s *store.State) {
		st.Inputs = len(s.Inputs)
		st.Generation = s.Generation
	})
	st.Members = n.memberStatuses()
	return st
}

func (n *Node) memberStatuses() []MemberStatus {
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
	var out []MemberStatus
	add := func(ms MemberStatus) {
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
		add(MemberStatus{ID: m.ID, Status: m.Status, APIAddr: m.Meta.API, RaftAddr: m.Meta.Raft, Gossip: m.Addr, Stopping: m.Meta.Stopping})
	}
	// Raft servers gossip has never heard of this run still belong to the cluster.
	for id := range suffrage {
		if !seen[id] {
			add(MemberStatus{ID: id, Status: StatusDead})
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
	if n.raft.AppliedIndex() < n.raft.CommitIndex() {
		return false, "store not caught up with the leader"
	}
	if n.fenced.Load() {
		return false, "fenced: no recent leader contact"
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

func sortMembers(ms []MemberStatus) {
	slices.SortFunc(ms, func(a, b MemberStatus) int { return strings.Compare(a.ID, b.ID) })
}
