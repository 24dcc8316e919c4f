package cluster

import (
	"context"
	"encoding/json"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/hashicorp/memberlist"

	"github.com/gatherd/gatherd/store"
	"github.com/gatherd/gatherd/wire"
)

// Measured costs travel in two steps. Every node sends the leader the smoothed gather time of each input it
// runs, as a gossip message over memberlist's TCP stream (encrypted with the gossip key like the rest of
// gossip, no new port, no token); the leader writes the costs that changed by more than costChange into the
// store through raft. The store, not the leader's memory, is what placement and the API read: a new leader
// balances by the same numbers at once, instead of balancing counts until reports arrive, which would move
// thousands of inputs back and forth.

// msgCosts is the first byte of a gossip message carrying a costReport.
const msgCosts byte = 'c'

// costChange is how much a cost must change, as a fraction and by at least costFloor seconds, before the
// leader writes it again: measurements wander by a few percent, sub-millisecond checks by more, and a write per
// wander would fill the raft log without changing any placement.
const (
	costChange = 0.25
	costFloor  = 0.001
	costMax    = 86400.0 // a report above a day per gather is garbage
)

// costChunk bounds the costs in one raft entry, so that a first report of 30,000 inputs does not make an entry
// that delays heartbeats behind it.
const costChunk = 5000

type costReport struct {
	Node  string             `json:"node"`
	Costs map[string]float64 `json:"costs"` // input ID -> smoothed seconds of one gather
}

// costBook holds the last report of every node, as the node that received it (the leader) heard it.
type costBook struct {
	mu      sync.Mutex
	reports map[string]heardCosts
}

type heardCosts struct {
	at    time.Time
	costs map[string]float64
}

func (b *costBook) put(node string, costs map[string]float64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.reports == nil {
		b.reports = map[string]heardCosts{}
	}
	b.reports[node] = heardCosts{at: time.Now(), costs: costs}
}

// fresh returns the reports heard since, dropping older ones: a node that stopped reporting (drained, gone,
// nothing measured) must not have its last numbers written when inputs come back to it.
func (b *costBook) fresh(since time.Time) map[string]map[string]float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := map[string]map[string]float64{}
	for node, r := range b.reports {
		if r.at.Before(since) {
			delete(b.reports, node)
			continue
		}
		out[node] = r.costs
	}
	return out
}

// reset forgets every report: a new leader's book starts from reports made to it.
func (b *costBook) reset() {
	b.mu.Lock()
	b.reports = nil
	b.mu.Unlock()
}

// receiveMsg is memberlist's delegate callback for messages sent to this node.
func (n *Node) receiveMsg(b []byte) {
	if len(b) == 0 || b[0] != msgCosts {
		return
	}
	var r costReport
	if err := json.Unmarshal(b[1:], &r); err != nil || !store.ValidID(r.Node) {
		n.log.Debug().Err(err).Msg("cost report dropped")
		return
	}
	n.costs.put(r.Node, r.Costs)
}

// ownCosts are the smoothed gather times of the inputs this node runs, in seconds.
func (n *Node) ownCosts() map[string]float64 {
	out := map[string]float64{}
	for _, st := range n.worker.Local() {
		if st.State == "running" && st.Cost > 0 {
			out[st.ID] = st.Cost.Seconds()
		}
	}
	return out
}

// reportCosts sends this node's costs to the leader every Timing.CostReport.
func (n *Node) reportCosts(ctx context.Context) {
	t := time.NewTicker(n.cfg.Timing.CostReport)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		costs := n.ownCosts()
		if len(costs) == 0 {
			continue
		}
		_, leader := n.raft.LeaderWithID()
		if string(leader) == n.cfg.NodeID {
			n.costs.put(n.cfg.NodeID, costs)
			continue
		}
		to := n.gossipNode(string(leader))
		if to == nil {
			continue
		}
		b, err := json.Marshal(costReport{Node: n.cfg.NodeID, Costs: costs})
		if err != nil {
			continue
		}
		if err := n.ml.SendReliable(to, append([]byte{msgCosts}, b...)); err != nil {
			n.log.Debug().Err(err).Str("leader", string(leader)).Msg("cost report not sent")
		}
	}
}

// gossipNode returns memberlist's view of a live member, or nil.
func (n *Node) gossipNode(id string) *memberlist.Node {
	if id == "" {
		return nil
	}
	for _, m := range n.ml.Members() {
		if m.Name == id {
			return m
		}
	}
	return nil
}

// writeCosts records in the store, leader only, the reported costs that changed by more than costChange, for
// inputs the reporting node still owns (a report from before a move is about the old owner's runs).
func (n *Node) writeCosts() {
	reports := n.costs.fresh(time.Now().Add(-3 * n.cfg.Timing.CostReport))
	changed := store.Costs{}
	n.store.Read(func(st *store.State) {
		for node, costs := range reports {
			for id, c := range costs {
				if a, ok := st.Assignments[id]; !ok || a.Node != node || !(c > 0 && c < costMax) {
					continue
				}
				if old := st.Costs[id]; old == 0 || (math.Abs(c/old-1) > costChange && math.Abs(c-old) > costFloor) {
					changed[id] = roundSignificant(c, 3)
				}
			}
		}
	})
	for len(changed) > 0 {
		chunk := store.Costs{}
		for id, c := range changed {
			chunk[id] = c
			delete(changed, id)
			if len(chunk) == costChunk {
				break
			}
		}
		if _, err := n.Apply(&store.Command{Op: store.OpSetCosts, Costs: chunk}); err != nil {
			n.log.Debug().Err(err).Msg("costs not written")
			return
		}
	}
}

// roundSignificant keeps d significant digits of x (> 0), so that entries stay short.
func roundSignificant(x float64, d int) float64 {
	p := math.Pow(10, float64(d)-math.Ceil(math.Log10(x)))
	return math.Round(x*p) / p
}

// Rebalance evens out measured load now, within the move budget and ignoring the tolerance, as `gatherd
// rebalance` asks (leader only). With dryRun it writes nothing. Without measured costs there is nothing to
// even out beyond counts, which every placement already balances: the result then has no loads and no moves.
func (n *Node) Rebalance(dryRun bool) (wire.Rebalance, error) {
	// As for a consistent read: a leader plans only from a store that has applied its predecessor's entries.
	if !n.IsLeader() || n.readTerm.Load() != n.raft.CurrentTerm() {
		return wire.Rebalance{}, ErrNotLeader
	}
	n.placeMu.Lock()
	defer n.placeMu.Unlock()
	p := n.computePlacement(time.Now(), true)
	out := wire.Rebalance{DryRun: dryRun, Generation: p.gen, Before: p.before, After: p.after, Moves: []wire.Move{}}
	for _, m := range p.moves {
		out.Moves = append(out.Moves, wire.Move{Input: m.Input, To: m.Node, Reason: m.Reason, Since: m.Since, Generation: p.gen + 1})
	}
	n.store.Read(func(st *store.State) {
		for i := range out.Moves {
			out.Moves[i].From = st.Assignments[out.Moves[i].Input].Node
		}
	})
	// A handoff cut over to its new owner (its old owner died) changes no owner: not a move to show.
	out.Moves = slices.DeleteFunc(out.Moves, func(m wire.Move) bool { return m.From == m.To })
	if dryRun || len(p.moves) == 0 {
		return out, nil
	}
	if err := n.writePlacement(p); err != nil {
		return out, err
	}
	n.lastEligible = p.eligible
	out.Generation = p.gen + 1
	return out, nil
}
