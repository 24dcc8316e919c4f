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
	registry := n.registry()
	for i, m := range planned {
		reason := n.moveReason(m)
		byReason[reason]++
		why := reasons[m.Input]
		if why == "" {
			why = n.moveCause(m, reason, registry)
		}
		moves[i] = store.Move{Input: m.Input, Node: m.To, Reason: why}
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

// capacityWeight turns the capacity a node advertises into its placement weight: 0 (not advertised) is 1.
func capacityWeight(c float64) float64 {
	if c == 0 {
		return 1
	}
	return c
}

// Causes a move records in the store (Move.Reason, then Assignment.Reason), for operators asking why an input
// runs where it does. They refine the metric reasons: a planned move is a drain, a leave or a join.
const (
	causeNew        = "new"   // it had no owner
	causeCrash      = "crash" // its owner died or is gone
	causeDrain      = "drain" // its owner is being drained
	causeLeave      = "leave" // its owner is stopping or was told to leave
	causeJoin       = "join"  // a node joined (or came back, or was undrained) and takes its share
	causeNoEligible = "no eligible node"
)

// moveCause says why m happens, for the store.
func (n *Node) moveCause(m sharding.Move, reason string, registry map[string]store.Node) string {
	switch reason {
	case reasonNew:
		return causeNew
	case reasonFailed:
		return causeCrash
	case reasonNoOwners:
		return causeNoEligible
	}
	switch r := registry[m.From]; {
	case r.State == store.NodeDraining:
		return causeDrain
	case r.State == store.NodeLeft:
		return causeLeave
	}
	if from, ok := n.members.get(m.From); ok && from.Meta.Stopping {
		return causeLeave
	}
	return causeJoin
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
			meta.NotReady = false // the leader hears itself
		}
		if meta.Stopping || meta.NotReady || !inRaft[m.ID] {
			continue
		}
		if r, ok := registry[m.ID]; ok && r.State != store.NodeAlive {
			continue
		}
		if meta.Capacity < 0 {
			continue // --capacity 0: the node takes no inputs
		}
		nodes = append(nodes, sharding.Node{ID: m.ID, Weight: capacityWeight(meta.Capacity)})
		if meta.Allow != nil {
			policies[m.ID] = *meta.Allow
		}
	}
	return nodes, policies, recheck
}
