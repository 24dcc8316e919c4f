package sharding

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"pgregory.net/rapid"
)

// skewed returns n inputs, every tenth 100 times heavier than the rest: the skewed workload.
func skewed(n int) []Input {
	in := makeInputs(n)
	for i := range in {
		in[i].Weight = 1
		if i%10 == 0 {
			in[i].Weight = 100
		}
	}
	return in
}

// spread is max load / mean load over the nodes of after, weighted by capacity.
func spread(after map[string]float64, nodes []Node) float64 {
	total, sumW, worst := 0.0, 0.0, 0.0
	for _, nd := range nodes {
		total += after[nd.ID]
		sumW += normWeight(nd.Weight)
	}
	for _, nd := range nodes {
		worst = max(worst, after[nd.ID]/(total*normWeight(nd.Weight)/sumW))
	}
	return worst
}

func TestBalanceEvensASkewedWorkloadCountPlacementLeavesUneven(t *testing.T) {
	inputs, nodes := skewed(300), makeNodes("n1", "n2", "n3")
	counted := Place(inputs, nodes, nil).Assignment
	before := Balance(inputs, nodes, counted, BalanceOptions{}) // no budget: only measures
	if len(before.Moves) != 0 {
		t.Fatalf("a zero budget moved %d inputs", len(before.Moves))
	}
	if s := spread(before.After, nodes); s <= 1.15 {
		t.Fatalf("count placement already within 15%% (max/mean %.2f): the case shows nothing", s)
	}
	bp := Balance(inputs, nodes, counted, BalanceOptions{MaxMoves: 30})
	s := spread(bp.After, nodes)
	t.Logf("max/mean load: by count %.3f, balanced %.3f with %d moves", spread(before.After, nodes), s, len(bp.Moves))
	if s > 1.05 {
		t.Fatalf("balanced max/mean %.3f: want within half the 10%% tolerance", s)
	}
	if bp.Rebalanced != len(bp.Moves) || len(bp.Moves) > 30 {
		t.Fatalf("%d moves, %d counted as rebalancing, budget 30", len(bp.Moves), bp.Rebalanced)
	}
	heavy := 0
	for _, m := range bp.Moves {
		if m.From == "" || m.To == "" || m.From == m.To {
			t.Fatalf("move %+v is not between live nodes", m)
		}
		if m.Input[len(m.Input)-1] == '0' {
			heavy++
		}
	}
	if heavy == 0 {
		t.Fatal("no heavy input moved: the cheapest fix moves the heavy ones")
	}

	// Nothing changes: nothing moves. A small drift of every cost (5%) moves nothing either.
	again := Balance(inputs, nodes, bp.Assignment, BalanceOptions{MaxMoves: 30})
	if len(again.Moves) != 0 {
		t.Fatalf("balancing a balanced assignment moved %d inputs", len(again.Moves))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	drift := append([]Input(nil), inputs...)
	for i := range drift {
		drift[i].Weight *= 0.95 + 0.1*rng.Float64()
	}
	if d := Balance(drift, nodes, bp.Assignment, BalanceOptions{MaxMoves: 30}); len(d.Moves) != 0 {
		t.Fatalf("a 5%% drift of costs moved %d inputs (max/mean %.3f)", len(d.Moves), spread(d.Before, nodes))
	}
}

func TestBalanceMoveBudget(t *testing.T) {
	inputs, nodes := skewed(3000), makeNodes("n1", "n2", "n3")
	prev := Assignment{}
	for _, in := range inputs {
		prev[in.ID] = "n1" // everything on one node
	}
	budget := 0
	for round := 1; ; round++ {
		bp := Balance(inputs, nodes, prev, BalanceOptions{MaxMoves: 100})
		if len(bp.Moves) > 100 {
			t.Fatalf("round %d moved %d inputs, budget 100", round, len(bp.Moves))
		}
		budget += len(bp.Moves)
		prev = bp.Assignment
		if len(bp.Moves) == 0 {
			if s := spread(bp.After, nodes); s > 1.10 {
				t.Fatalf("stopped at max/mean %.3f", s)
			}
			t.Logf("%d rounds, %d moves of 3000 inputs", round-1, budget)
			return
		}
		if round > 50 {
			t.Fatal("no convergence in 50 rounds")
		}
	}
}

func TestBalanceHomesOrphansWithoutMovingTheRest(t *testing.T) {
	inputs, nodes := skewed(600), makeNodes("n1", "n2", "n3", "n4")
	bp := Balance(inputs, nodes, nil, BalanceOptions{MaxMoves: 600})
	if len(bp.Moves) != 600 || bp.Rebalanced != 0 {
		t.Fatalf("from nothing: %d moves, %d rebalancing; want 600 homings", len(bp.Moves), bp.Rebalanced)
	}
	if s := spread(bp.After, nodes); s > 1.10 {
		t.Fatalf("homing alone left max/mean %.3f", s)
	}
	survivors := makeNodes("n1", "n2", "n4")
	after := Balance(inputs, survivors, bp.Assignment, BalanceOptions{MaxMoves: 600})
	for _, m := range after.Moves {
		if m.From != "n3" {
			t.Fatalf("move %+v: only the dead node's inputs should move", m)
		}
	}
	if s := spread(after.After, survivors); s > 1.10 {
		t.Fatalf("after the failure max/mean %.3f", s)
	}
}

func TestBalanceFollowsCapacity(t *testing.T) {
	inputs := skewed(900)
	nodes := []Node{{ID: "big", Weight: 2}, {ID: "small", Weight: 1}}
	bp := Balance(inputs, nodes, nil, BalanceOptions{MaxMoves: 900})
	total := bp.After["big"] + bp.After["small"]
	for id, share := range map[string]float64{"big": 2.0 / 3, "small": 1.0 / 3} {
		if r := bp.After[id] / (total * share); r < 1-DefaultTolerance || r > 1+DefaultTolerance {
			t.Fatalf("%s carries %.2f of its share", id, r)
		}
	}
}

func TestBalanceIsDeterministic(t *testing.T) {
	inputs, nodes := skewed(500), makeNodes("a", "b", "c")
	prev := Place(inputs, nodes[:2], nil).Assignment
	want := Balance(inputs, nodes, prev, BalanceOptions{MaxMoves: 50})
	rng := rand.New(rand.NewPCG(3, 4))
	for range 5 {
		in := append([]Input(nil), inputs...)
		rng.Shuffle(len(in), func(i, j int) { in[i], in[j] = in[j], in[i] })
		ns := append([]Node(nil), nodes...)
		rng.Shuffle(len(ns), func(i, j int) { ns[i], ns[j] = ns[j], ns[i] })
		if got := Balance(in, ns, prev, BalanceOptions{MaxMoves: 50}); !reflect.DeepEqual(got, want) {
			t.Fatal("the plan depends on the order of inputs or nodes")
		}
	}
}

// Whatever the costs, nodes and previous owners: every input is placed on an eligible node, the moves are the
// diff, and the budget bounds the moves of inputs whose owner is alive.
func TestBalanceProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		nn := rapid.IntRange(0, 6).Draw(t, "nodes")
		var nodes []Node
		for j := range nn {
			nodes = append(nodes, Node{ID: fmt.Sprintf("n%d", j), Weight: rapid.Float64Range(0, 4).Draw(t, "cap")})
		}
		var inputs []Input
		prev := Assignment{}
		for i := range rapid.IntRange(0, 200).Draw(t, "inputs") {
			id := fmt.Sprintf("i%03d", i)
			inputs = append(inputs, Input{ID: id, Weight: rapid.Float64Range(0, 1000).Draw(t, "w")})
			if o := rapid.IntRange(-1, 7).Draw(t, "prev"); o >= 0 {
				prev[id] = fmt.Sprintf("n%d", o)
			}
		}
		budget := rapid.IntRange(0, 50).Draw(t, "budget")
		bp := Balance(inputs, nodes, prev, BalanceOptions{MaxMoves: budget})
		checkShape(t, inputs, nodes, prev, bp.Plan)
		if bp.Rebalanced > budget {
			t.Fatalf("%d rebalancing moves, budget %d", bp.Rebalanced, budget)
		}
	})
}

// A node holding one input heavier than its share cannot shed it; the others must still be evened out, and a
// node that joins must still get its share of them.
func TestBalancePassesOverANodeStuckWithOneHeavyInput(t *testing.T) {
	inputs := []Input{{ID: "big-switch", Weight: 800}}
	for i := range 400 {
		inputs = append(inputs, Input{ID: fmt.Sprintf("ping-%03d", i), Weight: 1})
	}
	four := makeNodes("n1", "n2", "n3", "n4")
	bp := Balance(inputs, four, nil, BalanceOptions{MaxMoves: len(inputs)})
	stuck := bp.Assignment["big-switch"]
	five := append(four, Node{ID: "n5"})
	joined := Balance(inputs, five, bp.Assignment, BalanceOptions{MaxMoves: len(inputs)})
	light := map[string]float64{}
	for id, l := range joined.After {
		if id != stuck {
			light[id] = l
		}
	}
	if len(light) != 4 || MaxOverMean(light) > 1.1 {
		t.Fatalf("after n5 joined, the nodes without the big input carry %v (max/mean %.2f); want them even", light, MaxOverMean(light))
	}
	if joined.After[stuck] != 800 {
		t.Fatalf("the node with the big input carries %v: it should keep it alone", joined.After[stuck])
	}
}

// With inputs small against every share and budget enough, Balance ends with every node within its tolerance,
// whatever the capacities and the previous owners.
func TestBalanceEvensSmallInputsWithinTolerance(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var nodes []Node
		for j := range rapid.IntRange(1, 6).Draw(t, "nodes") {
			nodes = append(nodes, Node{ID: fmt.Sprintf("n%d", j), Weight: rapid.Float64Range(1, 3).Draw(t, "cap")})
		}
		var inputs []Input
		prev := Assignment{}
		for i := range 100 * len(nodes) {
			id := fmt.Sprintf("i%04d", i)
			inputs = append(inputs, Input{ID: id, Weight: rapid.Float64Range(0.5, 2).Draw(t, "w")})
			prev[id] = fmt.Sprintf("n%d", rapid.IntRange(0, 7).Draw(t, "prev"))
		}
		bp := Balance(inputs, nodes, prev, BalanceOptions{MaxMoves: len(inputs)})
		if s := spread(bp.After, nodes); s > 1+DefaultTolerance {
			t.Fatalf("max load %.3f of its share after %d moves: %v", s, len(bp.Moves), bp.After)
		}
	})
}

// A join evens load by moving inputs to the joined node only: the others keep what they hold, and no more
// inputs move than the joiner's share needs.
func TestBalanceJoinMovesOnlyIntoTheJoiner(t *testing.T) {
	inputs := skewed(600)
	four := makeNodes("n1", "n2", "n3", "n4")
	prev := Balance(inputs, four, nil, BalanceOptions{MaxMoves: 600}).Assignment
	five := append(four, Node{ID: "n5"})
	bp := Balance(inputs, five, prev, BalanceOptions{MaxMoves: 600, Into: map[string]bool{"n5": true}})
	for _, m := range bp.Moves {
		if m.To != "n5" {
			t.Fatalf("move %+v: a join moves inputs to the joiner only", m)
		}
	}
	if r := bp.After["n5"] / (bp.After["n1"] + bp.After["n2"] + bp.After["n3"] + bp.After["n4"] + bp.After["n5"]) * 5; r < 0.9 {
		t.Fatalf("the joiner carries %.2f of its share after %d moves", r, len(bp.Moves))
	}
	t.Logf("%d of 600 inputs moved to the joiner (count placement would move 120)", len(bp.Moves))
}
