package cluster_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/gatherd/gatherd/cluster"
	"github.com/gatherd/gatherd/sharding"
	"github.com/gatherd/gatherd/testcluster"
	"github.com/gatherd/gatherd/wire"
)

// waitMeasured waits until the leader has recorded a cost for every input, one that ok accepts.
func waitMeasured(c *testcluster.Cluster, l int, ok func(wire.Input) bool) {
	c.WaitFor("every input's cost measured", time.Minute, func() error {
		var list wire.InputList
		c.GetJSON(l, "/v1/inputs", &list)
		for _, in := range list.Inputs {
			if in.Cost == 0 || !ok(in) {
				return fmt.Errorf("%s measured at %.4fs", in.ID, in.Cost)
			}
		}
		return nil
	})
}

// TestPlacementBalancesMeasuredCost: inputs 100 times apart in cost, the heavy ones where counting would put
// them all, on one node, are moved by measured cost until max/mean load is within 15%, by a few moves recorded
// as "rebalance"; then nothing moves while nothing changes, and no slot was missed or doubled.
func TestPlacementBalancesMeasuredCost(t *testing.T) {
	c := testcluster.New(t, testcluster.Options{
		Timing:       cluster.Timing{CostReport: 300 * time.Millisecond, Rebalance: 2 * time.Second},
		HandoffDelay: time.Second,
	})
	l := c.WaitLeader()
	const n = 60
	var ids []string
	var inputs []sharding.Input
	for i := range n {
		ids = append(ids, fmt.Sprintf("in-%03d", i))
		inputs = append(inputs, sharding.Input{ID: ids[i]})
	}
	// Six inputs 100 times heavier than the rest, all where counting would put them: on one node.
	byCount := sharding.Place(inputs, []sharding.Node{{ID: "node1"}, {ID: "node2"}, {ID: "node3"}}, nil).Assignment
	heavyNode := byCount[ids[0]]
	heavy := map[string]bool{}
	var specs []map[string]any
	for _, id := range ids {
		s := testcluster.RecordSpec(id, slot)
		delay := "2ms"
		if byCount[id] == heavyNode && len(heavy) < 6 {
			heavy[id] = true
			delay = "200ms"
		}
		s["config"] = map[string]string{"key": id, "delay": delay}
		specs = append(specs, s)
	}
	if code, b := c.Do(l, http.MethodPost, "/v1/inputs", map[string]any{"inputs": specs}); code != http.StatusOK {
		t.Fatalf("batch: %d %s", code, b)
	}
	start := time.Now()

	waitMeasured(c, l, func(in wire.Input) bool { return !heavy[in.ID] || in.Cost >= 0.1 })
	var a wire.Assignments
	c.WaitFor("max/mean load within 15%", time.Minute, func() error {
		c.GetJSON(l, "/v1/assignments", &a)
		if r := sharding.MaxOverMean(a.Load); r > 1.15 || len(a.Load) != 3 || a.Load[heavyNode] < 0.3 {
			return fmt.Errorf("max/mean %.2f, load %v", r, a.Load)
		}
		return nil
	})
	t.Logf("balanced %.1fs after the inputs were created: load %v", time.Since(start).Seconds(), a.Load)

	rebalanced := 0
	for _, id := range ids {
		var in wire.Input
		c.GetJSON(l, "/v1/inputs/"+id, &in)
		switch in.Reason {
		case "rebalance":
			rebalanced++
		case "new", "join":
		default:
			t.Errorf("input %s on %s with reason %q", id, in.Node, in.Reason)
		}
	}
	if rebalanced == 0 || rebalanced > 10 {
		t.Fatalf("%d inputs moved to even out load; want a few heavy ones", rebalanced)
	}

	// Nothing changes: no generation for three rebalance periods.
	gen := a.Generation
	time.Sleep(3 * 2 * time.Second)
	c.GetJSON(l, "/v1/assignments", &a)
	if a.Generation != gen {
		t.Fatalf("generation %d -> %d while nothing changed", gen, a.Generation)
	}
	time.Sleep(time.Second) // the last moved inputs' slots are past
	if r := c.Slots(ids, slot, start.Add(2*time.Second), time.Now().Add(-time.Second)); r.Missed > 0 || r.Doubled > 0 {
		t.Fatalf("rebalancing lost or doubled slots: %v", r)
	}

	// An operator's dry run plans within the budget and changes nothing.
	var r wire.Rebalance
	code, b := c.Do(l, http.MethodPost, "/v1/rebalance?dry_run=true", nil)
	if code != http.StatusOK {
		t.Fatalf("dry run: %d %s", code, b)
	}
	if err := json.Unmarshal(b, &r); err != nil || !r.DryRun || len(r.Before) != 3 || len(r.Moves) > 3 {
		t.Fatalf("dry run answered %s (%v)", b, err)
	}
	c.GetJSON(l, "/v1/assignments", &a)
	if a.Generation != gen {
		t.Fatal("a dry run wrote a generation")
	}
	if code, b := c.Do(l, http.MethodPost, "/v1/rebalance?dry_run=maybe", nil); code != http.StatusBadRequest {
		t.Fatalf("dry_run=maybe: %d %s", code, b)
	}
}

// TestCostPlacementJoinAndCrash: under placement by cost, a node that joins takes its share at once (recorded
// as "join", handed over without a missed or doubled slot), and a node that dies has its inputs taken by the
// survivors.
func TestCostPlacementJoinAndCrash(t *testing.T) {
	c := testcluster.New(t, testcluster.Options{
		Timing:       cluster.Timing{CostReport: 300 * time.Millisecond, Rebalance: 2 * time.Second},
		HandoffDelay: time.Second,
	})
	l := c.WaitLeader()
	var ids []string
	var specs []map[string]any
	for i := range 60 {
		id := fmt.Sprintf("in-%03d", i)
		ids = append(ids, id)
		s := testcluster.RecordSpec(id, slot)
		s["config"] = map[string]string{"key": id, "delay": fmt.Sprintf("%dms", 5+45*(i%3))} // 5, 50, 95 ms
		specs = append(specs, s)
	}
	if code, b := c.Do(l, http.MethodPost, "/v1/inputs", map[string]any{"inputs": specs}); code != http.StatusOK {
		t.Fatalf("batch: %d %s", code, b)
	}
	waitMeasured(c, l, func(wire.Input) bool { return true })
	joinedAt := time.Now()
	j := c.Add()
	joiner := c.Node(j).ID
	var a wire.Assignments
	c.WaitFor(joiner+" carries its share", 30*time.Second, func() error {
		c.GetJSON(l, "/v1/assignments", &a)
		if len(a.Load) != 4 || sharding.MaxOverMean(a.Load) > 1.15 {
			return fmt.Errorf("load %v", a.Load)
		}
		return nil
	})
	t.Logf("%s took its share in %.1fs: load %v", joiner, time.Since(joinedAt).Seconds(), a.Load)
	// Each input reached the joiner in the join's generation, recorded as "join"; the periodic rebalance (every
	// 2 s here) may then even out the rest, moving more into it as "rebalance" in a later generation (so may a
	// join move that waited for a handoff under way).
	into := map[string]wire.Move{} // input -> its last move onto the joiner
	var joinGen uint64
	for _, id := range a.Nodes[joiner] {
		var in wire.Input
		c.GetJSON(l, "/v1/inputs/"+id, &in)
		for _, m := range in.Moves { // newest first
			if m.To == joiner {
				into[id] = m
				if m.Reason == "join" && (joinGen == 0 || m.Generation < joinGen) {
					joinGen = m.Generation
				}
				break
			}
		}
	}
	if joinGen == 0 {
		t.Fatalf("no input moved to %s with reason join: %v", joiner, into)
	}
	for _, id := range a.Nodes[joiner] {
		m := into[id]
		if m.Reason != "join" && (m.Reason != "rebalance" || m.Generation <= joinGen) {
			t.Errorf("%s moved to the new node with reason %q in generation %d, want join (generation %d) or a later rebalance", id, m.Reason, m.Generation, joinGen)
		}
	}
	time.Sleep(3 * time.Second) // past the handover of the last moves
	if r := c.Slots(ids, slot, joinedAt, time.Now().Add(-time.Second)); r.Missed > 0 || r.Doubled > 0 {
		t.Fatalf("the join lost or doubled slots: %v", r)
	}

	c.Kill(j)
	c.WaitFor("the dead node's inputs on the survivors", 30*time.Second, func() error {
		for id, node := range ownersVia(t, c, l) {
			if node == joiner {
				return fmt.Errorf("%s still on %s", id, node)
			}
		}
		return nil
	})
	// The old nodes may still be uneven after the join (it moves inputs to the joiner only), so a rebalance may
	// move some of the joiner's inputs before the kill: judge each input's last move off the joiner.
	crashed := 0
	for _, id := range ids {
		var in wire.Input
		c.GetJSON(l, "/v1/inputs/"+id, &in)
		for _, m := range in.Moves { // newest first
			if m.From == joiner {
				if m.Reason == "crash" {
					crashed++
				} else if m.Reason != "rebalance" {
					t.Errorf("%s moved off %s with reason %q, want crash (or an earlier rebalance)", id, joiner, m.Reason)
				}
				break
			}
		}
	}
	if crashed == 0 {
		t.Fatalf("no input moved off the dead node %s with reason crash", joiner)
	}
}
