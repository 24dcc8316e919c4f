package cluster

import (
	"context"
	"slices"
	"time"

	"github.com/hashicorp/raft"
)

// bootstrapLoop bootstraps raft once BootstrapExpect nodes without raft state have met in gossip. Every such
// node computes the same sorted server list from what it sees, so they bootstrap one configuration. It never
// bootstraps on a timeout, and a node that already holds raft state never bootstraps again.
func (n *Node) bootstrapLoop(ctx context.Context) {
	if n.meta.HasState || n.cfg.BootstrapExpect == 0 {
		return
	}
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		if done := n.tryBootstrap(); done {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// tryBootstrap reports whether bootstrapping is settled: done here, or done elsewhere.
func (n *Node) tryBootstrap() bool {
	if _, id := n.raft.LeaderWithID(); id != "" {
		return true
	}
	var fresh []Member
	for _, m := range n.members.list() {
		if m.Status != StatusAlive {
			continue
		}
		if m.Meta.HasState {
			// Someone already formed the cluster: its leader will add this node.
			n.log.Info().Str("peer", m.ID).Msg("cluster already bootstrapped; waiting to be added")
			return true
		}
		// Join-only nodes (bootstrap-expect 0) never become first voters, however their IDs sort.
		if m.Meta.Raft != "" && m.Meta.Bootstrap {
			fresh = append(fresh, m)
		}
	}
	if len(fresh) < n.cfg.BootstrapExpect {
		return false
	}
	// members.list is sorted by ID, so every node picks the same first BootstrapExpect nodes.
	chosen := fresh[:n.cfg.BootstrapExpect]
	if !slices.ContainsFunc(chosen, func(m Member) bool { return m.ID == n.cfg.NodeID }) {
		return false
	}
	var servers []raft.Server
	for _, m := range chosen {
		servers = append(servers, raft.Server{Suffrage: raft.Voter, ID: raft.ServerID(m.ID), Address: raft.ServerAddress(m.Meta.Raft)})
	}
	if err := n.raft.BootstrapCluster(raft.Configuration{Servers: servers}).Error(); err != nil && err != raft.ErrCantBootstrap {
		n.log.Error().Err(err).Msg("bootstrap failed")
		return false
	}
	ids := make([]string, len(chosen))
	for i, m := range chosen {
		ids[i] = m.ID
	}
	n.log.Info().Strs("servers", ids).Msg("bootstrapped raft")
	n.updateMeta(func(m *Meta) { m.HasState = true })
	return true
}
