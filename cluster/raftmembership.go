package cluster

import (
	"slices"
	"time"

	"github.com/hashicorp/raft"

	"github.com/gatherd/gatherd/store"
)

// reconcileMembership brings the raft configuration in line with gossip and the registry (leader only):
//   - an alive node missing from raft is added as a non-voter (or its address is corrected);
//   - non-voters are promoted while voters are below the target, keeping the voter count odd;
//   - a voter dead for longer than DeadVoterGrace is demoted and a healthy non-voter promoted, one per pass,
//     so the quorum never shrinks by more than one at a time;
//   - a node the registry marks left is removed from raft once it is gone from gossip;
//   - a left node that rejoins with a newer process is marked alive again.
//
// It returns how soon a dead voter's grace period ends (0: none pending), so the leader can look again then.
func (n *Node) reconcileMembership() time.Duration {
	future := n.raft.GetConfiguration()
	if err := future.Error(); err != nil {
		n.log.Warn().Err(err).Msg("read raft configuration")
		return time.Second
	}
	servers := map[string]raft.Server{}
	for _, s := range future.Configuration().Servers {
		servers[string(s.ID)] = s
	}
	registry := n.registry()
	now := time.Now()

	for _, m := range n.members.list() {
		reg, known := registry[m.ID]
		if known && reg.State == store.NodeLeft {
			if m.Status == StatusAlive && m.Meta.Boot > reg.Boot {
				n.setNodeState(m.ID, store.NodeAlive, 0)
				continue
			}
			if _, in := servers[m.ID]; in && m.Status != StatusAlive {
				n.removeServer(m.ID)
				delete(servers, m.ID)
			}
			continue
		}
		if m.Status != StatusAlive || m.Meta.Raft == "" {
			continue
		}
		s, in := servers[m.ID]
		switch {
		case !in:
			n.addNonvoter(m)
			servers[m.ID] = raft.Server{ID: raft.ServerID(m.ID), Address: raft.ServerAddress(m.Meta.Raft), Suffrage: raft.Nonvoter}
		case string(s.Address) != m.Meta.Raft:
			n.log.Info().Str("peer", m.ID).Str("from", string(s.Address)).Str("to", m.Meta.Raft).Msg("raft address changed")
			if s.Suffrage == raft.Voter {
				n.logErr(n.raft.AddVoter(s.ID, raft.ServerAddress(m.Meta.Raft), 0, 0).Error(), "update voter address", m.ID)
			} else {
				n.logErr(n.raft.AddNonvoter(s.ID, raft.ServerAddress(m.Meta.Raft), 0, 0).Error(), "update non-voter address", m.ID)
			}
		}
	}
	reap := n.reapGoneNonvoters(servers, registry, now)
	// Registry-left nodes gossip has forgotten entirely still leave raft.
	for id := range servers {
		if reg, ok := registry[id]; ok && reg.State == store.NodeLeft {
			if m, seen := n.members.get(id); !seen || m.Status != StatusAlive {
				n.removeServer(id)
				delete(servers, id)
			}
		}
	}
	return earliest(reap, n.balanceVoters(servers, now))
}

// reapGoneNonvoters marks left, as `gatherd leave` would, every raft non-voter that has been dead or gone from
// gossip for DeadNodeReap: a worker whose container was removed never returns under its ID, and the leader
// would dial it forever. Reaping is undone by the node itself: one that does return is marked alive again
// above. Draining nodes are left alone, as their registry state records an operator's intent that reaping
// would lose. The next pass removes the reaped from raft. It returns how soon a reap is due (0: none pending).
func (n *Node) reapGoneNonvoters(servers map[string]raft.Server, registry map[string]store.Node, now time.Time) (next time.Duration) {
	if n.cfg.DeadNodeReap < 0 {
		return 0
	}
	for id, s := range servers {
		if s.Suffrage == raft.Voter || id == n.cfg.NodeID {
			continue
		}
		if reg, ok := registry[id]; ok && reg.State != store.NodeAlive {
			continue
		}
		m, seen := n.members.get(id)
		if seen && m.Status == StatusAlive {
			continue
		}
		since := n.leaderSince // gone from gossip entirely: count from when this leader took over
		if seen {
			since = m.Since
		}
		if left := n.cfg.DeadNodeReap - now.Sub(since); left > 0 {
			next = earliest(next, left)
			continue
		}
		n.log.Info().Str("peer", id).Dur("gone", now.Sub(since)).Msg("forgetting a non-voter gone longer than the reap time")
		// Boot 0: unlike `leave`, which binds the process it was given to, reaping binds none, so any process of
		// the node that shows up alive again (a worker that was only partitioned included) is taken back, and
		// none of them shuts itself down on reading it.
		n.setNodeState(id, store.NodeLeft, 0) // wakes the pass that removes it from raft
	}
	return next
}

// earliest returns the smaller of two recheck delays, where 0 means none.
func earliest(a, b time.Duration) time.Duration {
	if a == 0 || (b != 0 && b < a) {
		return b
	}
	return a
}

func (n *Node) balanceVoters(servers map[string]raft.Server, now time.Time) (recheck time.Duration) {
	var healthyVoters, deadVoters, candidates []string
	for id, s := range servers {
		m, ok := n.members.get(id)
		alive := ok && m.Status == StatusAlive
		// A stopping node is no candidate for a vote, but a stopping voter is not dead yet either: it is most
		// likely restarting (SIGTERM from `docker restart` or a rolling upgrade). Its grace period starts when it
		// has left gossip, as for a crash; replacing it at once would move votes onto ephemeral workers.
		healthy := alive && !m.Meta.Stopping
		if id == n.cfg.NodeID {
			alive, healthy = true, true
		}
		switch {
		case s.Suffrage == raft.Voter && alive:
			healthyVoters = append(healthyVoters, id)
		case s.Suffrage == raft.Voter:
			// A voter gossip never reported is counted dead from the time this leader took over.
			since := n.leaderSince
			if ok {
				since = m.Since
			}
			if left := n.cfg.DeadVoterGrace - now.Sub(since); left > 0 {
				if recheck == 0 || left < recheck {
					recheck = left
				}
			} else {
				deadVoters = append(deadVoters, id)
			}
		case healthy:
			candidates = append(candidates, id)
		}
	}
	slices.Sort(candidates)
	slices.Sort(deadVoters)
	voters := countVoters(servers) // dead voters included: they still count toward the quorum
	target := min(n.cfg.Voters, len(healthyVoters)+len(candidates))
	if target%2 == 0 {
		target-- // an even voter count adds a voter without adding a tolerated failure
	}
	if len(deadVoters) > 0 && len(candidates) > 0 {
		dead, next := deadVoters[0], candidates[0]
		n.log.Info().Str("dead", dead).Str("replacement", next).Msg("replacing a dead voter")
		if n.logErr(n.raft.DemoteVoter(raft.ServerID(dead), 0, 0).Error(), "demote dead voter", dead) {
			n.promote(servers[next])
		}
		return time.Second // look again for the next dead voter, one at a time
	}
	for _, id := range candidates {
		if voters >= target {
			break
		}
		if n.promote(servers[id]) {
			voters++
		}
	}
	return recheck
}

func countVoters(servers map[string]raft.Server) int {
	c := 0
	for _, s := range servers {
		if s.Suffrage == raft.Voter {
			c++
		}
	}
	return c
}

func (n *Node) promote(s raft.Server) bool {
	n.log.Info().Str("peer", string(s.ID)).Msg("promoting to voter")
	return n.logErr(n.raft.AddVoter(s.ID, s.Address, 0, 0).Error(), "promote to voter", string(s.ID))
}

func (n *Node) addNonvoter(m Member) {
	n.log.Info().Str("peer", m.ID).Str("raft", m.Meta.Raft).Msg("adding node to raft as non-voter")
	n.logErr(n.raft.AddNonvoter(raft.ServerID(m.ID), raft.ServerAddress(m.Meta.Raft), 0, 0).Error(), "add non-voter", m.ID)
}

func (n *Node) removeServer(id string) {
	if id == n.cfg.NodeID {
		return // the leader leaves by handing leadership on first; the next leader removes it
	}
	n.log.Info().Str("peer", id).Msg("removing node from raft")
	n.logErr(n.raft.RemoveServer(raft.ServerID(id), 0, 0).Error(), "remove from raft", id)
}

func (n *Node) logErr(err error, what, peer string) bool {
	if err != nil {
		n.log.Warn().Err(err).Str("peer", peer).Msg(what + " failed")
		return false
	}
	return true
}

// registry returns a copy of the node registry.
func (n *Node) registry() map[string]store.Node {
	out := map[string]store.Node{}
	n.store.Read(func(st *store.State) {
		for id, r := range st.Nodes {
			out[id] = r
		}
	})
	return out
}
