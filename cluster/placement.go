package cluster

import (
	"errors"
	"time"

	"github.com/gatherd/gatherd/policy"
	"github.com/gatherd/gatherd/sharding"
	"github.com/gatherd/gatherd/store"
)

// Reasons a move is counted under in metrics.
const (
	reasonNew      = "new"        // an input without an owner got one
	reasonFailed   = "failed"     // its owner is dead or gone: moved at once
	reasonPlanned  = "planned"    // its owner is alive (join, drain, leave, stop): moved with a handoff
	reasonNoOwners = "unassigned" // no node is eligible
)

// place computes a new assignment from the store and gossip, and writes the moves, only the moves, through
// raft as one generation (leader only). It returns how soon to try again, or 0.
func (n *Node) place() time.Duration {
	now := time.Now()
	nodes, policies, recheck := n.eligibleNodes(now)
	var (
		inputs  []*store.Input
		prev    = sharding.Assignment{}
		refused = map[string]string{} // input -> the reason recorded for it being unassigned
		gen     uint64
	)
	n.store.Read(func(st *store.State) {
		inputs = make([]*store.Input, 0, len(st.Inputs))
		for _, in := range st.Inputs {
			inputs = append(inputs, in) // specs are replaced, never modified, so the pointer stays valid
		}
		for id, a := range st.Assignments {
			if a.Node != "" {
				prev[id] = a.Node
			} else {
				refused[id] = a.Reason
			}
		}
		gen = st.Generation
		n.needs.prune(func(id string) bool { _, ok := st.Inputs[id]; return ok })
	})
	var planned []sharding.Move
	reasons := map[string]string{}
	for _, g := range n.groupByPolicy(inputs, nodes, policies) {
		if g.reason == "" {
			planned = append(planned, sharding.Place(g.inputs, g.nodes, prev).Moves...)
			continue
		}
		for _, in := range g.inputs {
			if prev[in.ID] != "" || refused[in.ID] != g.reason {
				planned = append(planned, sharding.Move{Input: in.ID, From: prev[in.ID]})
				reasons[in.ID] = g.reason
			}
		}
	}
	if len(planned) == 0 {
		return recheck
	}
	moves := make([]store.Move, len(planned))
	byReason := map[string]int{}
	failedFrom := map[string]bool{}
	for i, m := range planned {
		reason := n.moveReason(m)
		byReason[reason]++
		moves[i] = store.Move{Input: m.Input, Node: m.To, Reason: reasons[m.Input]}
		switch reason {
		case reasonPlanned:
			moves[i].Since = now.Add(n.cfg.HandoffDelay)
		case reasonFailed:
			failedFrom[m.From] = true
		}
	}
	cmd := &store.Command{Op: store.OpAssign, Assign: &store.Assign{Generation: gen + 1, Moves: moves}}
	if _, err := n.Apply(cmd); err != nil {
		if errors.Is(err, store.ErrStaleGeneration) {
			return n.cfg.Timing.PlacementDebounce
		}
		n.log.Warn().Err(err).Int("moves", len(moves)).Msg("placement not written")
		return time.Second
	}
	committed := time.Now()
	for reason, c := range byReason {
		n.metrics.moves.WithLabelValues(reason).Add(float64(c))
	}
	for from := range failedFrom {
		if m, ok := n.members.get(from); ok && m.Status != StatusAlive {
			n.metrics.failover.Observe(committed.Sub(m.Since).Seconds())
		}
	}
	n.log.Info().Uint64("generation", gen+1).Int("moves", len(moves)).Interface("reasons", byReason).
		Int("nodes", len(nodes)).Msg("placement written")
	return recheck
}

func (n *Node) moveReason(m sharding.Move) string {
	switch {
	case m.To == "":
		return reasonNoOwners
	case m.From == "":
		return reasonNew
	}
	if from, ok := n.members.get(m.From); ok && from.Status == StatusAlive {
		return reasonPlanned
	}
	return reasonFailed
}

// eligibleNodes returns the nodes that may own inputs: alive in gossip (or dead for less than DeadNodeGrace),
// not stopping, not fenced (they hear the leader and have caught up), not drained or left, and in the raft
// configuration, so they can see their assignment. The
// duration says when a grace period ends and placement must run again (0: none pending).
func (n *Node) eligibleNodes(now time.Time) ([]sharding.Node, map[string]policy.Policy, time.Duration) {
	inRaft := map[string]bool{}
	if f := n.raft.GetConfiguration(); f.Error() == nil {
		for _, s := range f.Configuration().Servers {
			inRaft[string(s.ID)] = true
		}
	}
	registry := n.registry()
	var recheck time.Duration
	var nodes []sharding.Node
	policies := map[string]policy.Policy{}
	for _, m := range n.members.list() {
		if m.Status != StatusAlive {
			left := n.cfg.DeadNodeGrace - now.Sub(m.Since)
			if m.Status != StatusDead || left <= 0 {
				continue
			}
			if recheck == 0 || left < recheck {
				recheck = left
			}
		}
		meta := m.Meta
		if m.ID == n.cfg.NodeID {
			n.metaMu.Lock()
			meta = n.meta
			n.metaMu.Unlock()
			meta.Fenced = false // the leader hears itself
		}
		if meta.Stopping || meta.Fenced || !inRaft[m.ID] {
			continue
		}
		if r, ok := registry[m.ID]; ok && r.State != store.NodeAlive {
			continue
		}
		nodes = append(nodes, sharding.Node{ID: m.ID, Weight: 1})
		if meta.Allow != nil {
			policies[m.ID] = *meta.Allow
		}
	}
	return nodes, policies, recheck
}
