package cluster

import (
	"errors"
	"slices"
	"strings"
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
	reasonCancel   = "cancelled"  // back to the node still gathering it before a handoff's stamp: moved at once
)

// place computes a new assignment from the store and gossip, and writes the moves, only the moves, through
// raft as one generation (leader only). It returns how soon to try again, or 0.
func (n *Node) place() time.Duration {
	n.placeMu.Lock()
	defer n.placeMu.Unlock()
	p := n.computePlacement(time.Now(), false)
	if len(p.moves) > 0 {
		if err := n.writePlacement(p); err != nil {
			if errors.Is(err, store.ErrStaleGeneration) {
				return n.cfg.Timing.PlacementDebounce
			}
			n.log.Warn().Err(err).Int("moves", len(p.moves)).Msg("placement not written")
			return time.Second
		}
	}
	n.lastEligible = p.eligible
	return p.recheck
}

// placement is one computed placement: the moves to write and what the leader counts and reports about them.
type placement struct {
	at         time.Time // when it was computed
	gen        uint64    // the generation it was computed from; it writes gen+1
	moves      []store.Move
	byReason   map[string]int  // metric reason -> moves
	failedFrom map[string]bool // owners whose inputs moved because they failed
	// before and after are the measured load of each eligible node, when costs are known (Balance).
	before, after map[string]float64
	rebalanced    int // moves that even out load, inputs whose owner stays alive and eligible
	nodes         int
	eligible      map[string]bool // the nodes it placed on
	recheck       time.Duration
}

// rebalanceShare is the move budget: one generation moves at most this share of inputs to even out load.
const rebalanceShare = 0.05

// computePlacement plans the next generation. Once costs are measured it balances them (sharding.Balance);
// until then it balances counts (sharding.Place). Moves that only even out load happen at most once per
// Timing.Rebalance, within the move budget, unless force (an operator's rebalance) says now. Call with placeMu.
func (n *Node) computePlacement(now time.Time, force bool) placement {
	nodes, policies, recheck := n.eligibleNodes(now)
	var (
		inputs  []*store.Input
		prev    sharding.Assignment
		refused = map[string]string{}       // input -> the reason recorded for it being unassigned
		weights map[string]float64          // input -> cost, once costs are measured
		pending map[string]store.Assignment // input -> its planned handoff still ahead
	)
	p := placement{at: now, byReason: map[string]int{}, failedFrom: map[string]bool{}, nodes: len(nodes),
		recheck: recheck, eligible: map[string]bool{}}
	joined := map[string]bool{} // nodes eligible now and not at the last placement: they take their share at once
	for _, nd := range nodes {
		p.eligible[nd.ID] = true
		if n.lastEligible != nil && !n.lastEligible[nd.ID] {
			joined[nd.ID] = true
		}
	}
	n.store.Read(func(st *store.State) {
		inputs = make([]*store.Input, 0, len(st.Inputs))
		prev = make(sharding.Assignment, len(st.Assignments)) // sized: growing it to 100,000 entries was about a seventh of the pass
		for _, in := range st.Inputs {
			inputs = append(inputs, in) // specs are replaced, never modified, so the pointer stays valid
		}
		for id, a := range st.Assignments {
			if a.Node != "" {
				prev[id] = a.Node
			} else {
				refused[id] = a.Reason
			}
			if a.Prev != "" && a.Since.After(now.Add(handoffMargin)) {
				if pending == nil {
					pending = map[string]store.Assignment{}
				}
				pending[id] = a
			}
		}
		if cost, ok := st.CostModel(); ok {
			weights = make(map[string]float64, len(st.Inputs))
			for id, in := range st.Inputs {
				weights[id] = cost(in)
			}
		}
		p.gen = st.Generation
		n.needs.prune(len(st.Inputs), func(id string) bool { _, ok := st.Inputs[id]; return ok })
	})
	mayRebalance := force || now.Sub(n.lastRebalance) >= n.cfg.Timing.Rebalance
	var planned []sharding.Move
	reasons := map[string]string{}
	evened := map[string]bool{} // inputs moved to even out load
	for _, g := range n.groupByPolicy(inputs, nodes, policies) {
		switch {
		case g.reason != "":
			for _, in := range g.inputs {
				if prev[in.ID] != "" || refused[in.ID] != g.reason {
					planned = append(planned, sharding.Move{Input: in.ID, From: prev[in.ID]})
					reasons[in.ID] = g.reason
				}
			}
		case weights == nil:
			planned = append(planned, sharding.Place(g.inputs, g.nodes, prev).Moves...)
		default:
			for i := range g.inputs {
				g.inputs[i].Weight = weights[g.inputs[i].ID]
			}
			opt := sharding.BalanceOptions{Force: force}
			switch {
			case slices.ContainsFunc(g.nodes, func(nd sharding.Node) bool { return joined[nd.ID] }):
				// A node joined: its share moves to it now, not in waves 30 s apart, and only to it, so that a
				// join moves about as few inputs as count placement would; the rest waits for a rebalance.
				opt.MaxMoves, opt.Into = len(g.inputs), joined
			case mayRebalance:
				opt.MaxMoves = max(1, int(rebalanceShare*float64(len(g.inputs))))
			}
			bp := sharding.Balance(g.inputs, g.nodes, prev, opt)
			p.before, p.after = addLoads(p.before, bp.Before), addLoads(p.after, bp.After)
			eligible := map[string]bool{}
			for _, nd := range g.nodes {
				eligible[nd.ID] = true
			}
			for _, m := range bp.Moves {
				if eligible[m.From] {
					evened[m.Input] = true
				}
			}
			p.rebalanced += bp.Rebalanced
			planned = append(planned, bp.Moves...)
		}
	}
	kinds := make([]string, len(planned)) // gossip may change meanwhile: decide each move's kind once
	for i, m := range planned {
		kinds[i] = n.moveReason(m)
	}
	planned, kinds, cutovers := n.settleHandoffs(planned, kinds, pending, &p)
	if len(planned) == 0 && len(cutovers) == 0 {
		return p
	}
	p.moves = make([]store.Move, len(planned), len(planned)+len(cutovers))
	registry := n.registry()
	nplanned := 0
	for i, m := range planned {
		reason := kinds[i]
		p.byReason[reason]++
		why := reasons[m.Input]
		switch {
		case why != "":
		case evened[m.Input] && joined[m.To]:
			why = causeJoin
		case evened[m.Input]:
			why = causeRebalance
		default:
			why = n.moveCause(m, reason, registry)
		}
		p.moves[i] = store.Move{Input: m.Input, Node: m.To, Reason: why}
		switch reason {
		case reasonPlanned:
			nplanned++
		case reasonFailed:
			p.failedFrom[m.From] = true
		}
	}
	at := now.Add(n.handoffDelay(nplanned))
	for i := range planned {
		switch kinds[i] {
		case reasonPlanned:
			p.moves[i].Since = at
		case reasonFailed:
			// Stamped with the decision, in the past by the time it is applied: the new owner may gather a
			// slot due since then that it was still building (worker: floor), where the old owner is dead.
			p.moves[i].Since = now
		}
	}
	p.moves = append(p.moves, cutovers...)
	return p
}

// handoffMargin is how far ahead a planned handoff's stamp must still be for the leader to treat it as under
// way: every node applies a generation within it, so the node gathering the input until the stamp still is
// when a change of plan reaches it.
const handoffMargin = 500 * time.Millisecond

// settleHandoffs adjusts planned moves, and their kinds, to the handoffs still under way (pending: Prev gathers
// the input until Since, then Node). A planned move back to Prev cancels the handoff (kind reasonCancel): Prev
// never stopped, so it keeps the input at once (a move without a stamp) instead of handing it to Node at a
// stamp and taking it back at another, which left the slots between to a Node still building it. A planned
// move anywhere else waits until the handoff is done: a stamped move hands over from the current owner (Node),
// who does not gather before Since, while Prev would stop at once. A handoff whose Prev died is cut over to
// Node now (cutovers): nobody gathers before Since otherwise. It sets p.recheck so that waiting moves are
// planned again once their handoff is done.
func (n *Node) settleHandoffs(planned []sharding.Move, kinds []string, pending map[string]store.Assignment, p *placement) (keptMoves []sharding.Move, keptKinds []string, cutovers []store.Move) {
	if len(pending) == 0 {
		return planned, kinds, nil
	}
	moved := make(map[string]bool, len(planned))
	for i, m := range planned {
		moved[m.Input] = true
		a, ok := pending[m.Input]
		switch {
		case !ok || kinds[i] != reasonPlanned:
		case m.To == a.Prev:
			kinds[i] = reasonCancel
		default:
			if wait := a.Since.Sub(p.at) + n.cfg.Timing.PlacementDebounce; p.recheck == 0 || wait < p.recheck {
				p.recheck = wait
			}
			continue
		}
		keptMoves, keptKinds = append(keptMoves, m), append(keptKinds, kinds[i])
	}
	for id, a := range pending {
		if moved[id] {
			continue
		}
		if m, ok := n.members.get(a.Prev); ok && m.Status == StatusAlive {
			continue
		}
		cutovers = append(cutovers, store.Move{Input: id, Node: a.Node, Reason: a.Reason})
	}
	slices.SortFunc(cutovers, func(x, y store.Move) int { return strings.Compare(x.Input, y.Input) })
	return keptMoves, keptKinds, cutovers
}

// handoffDelay is how far ahead a planned move is stamped: HandoffDelay, plus a second per plannedStartRate
// inputs moved at once, so that the new owners can build and start thousands of inputs before the stamped
// time instead of missing their first slots while the old owners already stopped.
func (n *Node) handoffDelay(planned int) time.Duration {
	const plannedStartRate = 2000 // inputs per second a node builds and starts, with room to spare
	return n.cfg.HandoffDelay + time.Duration(planned)*time.Second/plannedStartRate
}

func addLoads(sum, add map[string]float64) map[string]float64 {
	if sum == nil {
		sum = map[string]float64{}
	}
	for id, v := range add {
		sum[id] += v
	}
	return sum
}

// writePlacement writes p as generation p.gen+1 and accounts for it. Call with placeMu.
func (n *Node) writePlacement(p placement) error {
	cmd := &store.Command{Op: store.OpAssign, Assign: &store.Assign{Generation: p.gen + 1, Moves: p.moves}}
	applied := time.Now()
	if _, err := n.Apply(cmd); err != nil {
		return err
	}
	committed := time.Now()
	if p.rebalanced > 0 {
		n.lastRebalance = p.at // not the commit time: the next periodic pass, Rebalance later, must not skip
	}
	for reason, c := range p.byReason {
		n.metrics.moves.WithLabelValues(reason).Add(float64(c))
	}
	var sinceFailed time.Duration // from gossip's verdict on a failed owner to the commit of its inputs' moves
	for from := range p.failedFrom {
		if m, ok := n.members.get(from); ok && m.Status != StatusAlive {
			n.metrics.failover.Observe(committed.Sub(m.Since).Seconds())
			sinceFailed = max(sinceFailed, committed.Sub(m.Since))
		}
	}
	// How long computing and committing took, to tell a slow failover's parts apart.
	ev := n.log.Info().Uint64("generation", p.gen+1).Int("moves", len(p.moves)).Interface("reasons", p.byReason).
		Int("rebalanced", p.rebalanced).Int("nodes", p.nodes).Dur("computed_in", applied.Sub(p.at)).
		Dur("committed_in", committed.Sub(applied))
	if sinceFailed > 0 {
		ev = ev.Dur("since_failed", sinceFailed)
	}
	ev.Msg("placement written")
	return nil
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
	causeNew        = "new"       // it had no owner
	causeCrash      = "crash"     // its owner died or is gone
	causeDrain      = "drain"     // its owner is being drained
	causeLeave      = "leave"     // its owner is stopping or was told to leave
	causeJoin       = "join"      // a node joined (or came back, or was undrained) and takes its share
	causeRebalance  = "rebalance" // measured load was uneven: it moved to a less loaded node
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
