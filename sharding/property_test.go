package sharding

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"pgregory.net/rapid"
)

// Sizes are capped so that the whole package stays fast under -race; the
// interesting cases (remainders, tiny shares, joins and leaves) show up at
// these sizes already.
const (
	maxInputs = 3000
	maxNodes  = 12
)

// world is one randomly drawn cluster state.
type world struct {
	inputs []Input
	nodes  []Node
	rng    *rand.Rand // deterministic per draw, for bulk data rapid need not shrink
}

func drawWorld(t *rapid.T, minNodes int, weighted bool) world {
	n := rapid.IntRange(0, maxInputs).Draw(t, "inputs")
	N := rapid.IntRange(minNodes, maxNodes).Draw(t, "nodes")
	seed := rapid.Uint64().Draw(t, "seed")
	w := world{rng: rand.New(rand.NewPCG(seed, 0x5eed))}
	salt := w.rng.Uint32()
	w.inputs = make([]Input, n)
	for i := range w.inputs {
		w.inputs[i] = Input{ID: fmt.Sprintf("telegraf/%x/input-%d", salt, i)}
	}
	w.nodes = make([]Node, N)
	for j := range w.nodes {
		w.nodes[j] = Node{ID: fmt.Sprintf("node-%x-%d", salt, j)}
		if weighted {
			w.nodes[j].Weight = rapid.Float64Range(0.05, 10).Draw(t, "weight")
		}
	}
	return w
}

// randomPrev returns an arbitrary, usually unbalanced previous assignment:
// some inputs unassigned, some on a dead node, some deleted inputs, and a
// skew towards the first node to force releases.
func (w world) randomPrev(t *rapid.T) Assignment {
	switch rapid.IntRange(0, 2).Draw(t, "prevKind") {
	case 0:
		return nil
	case 1:
		return Place(w.inputs, w.nodes, nil).Assignment
	}
	prev := Assignment{"deleted-input": "node-dead"}
	for _, in := range w.inputs {
		switch r := w.rng.IntN(10); {
		case r == 0:
			// unassigned
		case r == 1:
			prev[in.ID] = "node-dead"
		case r < 5 && len(w.nodes) > 0:
			prev[in.ID] = w.nodes[0].ID
		case len(w.nodes) > 0:
			prev[in.ID] = w.nodes[w.rng.IntN(len(w.nodes))].ID
		}
	}
	return prev
}

// (a) + (e): every input lands on an eligible node, and every node is within
// one input of its fair share, whatever prev looked like.
func TestPropBalance(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := drawWorld(t, 0, false)
		prev := w.randomPrev(t)
		checkPlan(t, w.inputs, w.nodes, prev, Place(w.inputs, w.nodes, prev))
	})
}

func TestPropBalanceWeighted(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := drawWorld(t, 1, true)
		prev := w.randomPrev(t)
		checkPlan(t, w.inputs, w.nodes, prev, Place(w.inputs, w.nodes, prev))
	})
}

// (b): removing one node moves exactly that node's inputs and nothing else.
func TestPropLeave(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := drawWorld(t, 1, false)
		prev := Place(w.inputs, w.nodes, w.randomPrev(t)).Assignment
		k := rapid.IntRange(0, len(w.nodes)-1).Draw(t, "leaver")
		gone := w.nodes[k].ID
		rest := append(w.nodes[:k:k], w.nodes[k+1:]...)

		plan := Place(w.inputs, rest, prev)
		checkPlan(t, w.inputs, rest, prev, plan)
		for _, m := range plan.Moves {
			if m.From != gone {
				t.Fatalf("move %v does not come from the removed node %q", m, gone)
			}
		}
		if got, want := len(plan.Moves), Counts(prev, w.nodes)[gone]; got != want {
			t.Fatalf("moved %d, removed node had %d", got, want)
		}
	})
}

// (c): adding one node moves at most its fair share, all of it to the new node.
func TestPropJoin(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := drawWorld(t, 0, false)
		prev := Place(w.inputs, w.nodes, w.randomPrev(t)).Assignment
		added := Node{ID: "node-new"}
		more := append(w.nodes[:len(w.nodes):len(w.nodes)], added)

		plan := Place(w.inputs, more, prev)
		checkPlan(t, w.inputs, more, prev, plan)
		n, N := len(w.inputs), len(w.nodes)
		limit := int(math.Ceil(1.1*float64(n)/float64(N+1))) + 2
		if len(plan.Moves) > limit {
			t.Fatalf("join moved %d of %d inputs onto %d nodes, limit %d", len(plan.Moves), n, N+1, limit)
		}
		for _, m := range plan.Moves {
			if m.To != added.ID {
				t.Fatalf("move %v does not go to the new node", m)
			}
		}
	})
}

// (d): the result is a function of the sets, not of slice order or of the call.
func TestPropDeterministic(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := drawWorld(t, 0, rapid.Bool().Draw(t, "weighted"))
		prev := w.randomPrev(t)
		want := Place(w.inputs, w.nodes, prev)
		if again := Place(w.inputs, w.nodes, prev); !reflect.DeepEqual(again, want) {
			t.Fatalf("second call differs")
		}
		inputs := rapid.Permutation(w.inputs).Draw(t, "inputOrder")
		nodes := rapid.Permutation(w.nodes).Draw(t, "nodeOrder")
		if got := Place(inputs, nodes, prev); !reflect.DeepEqual(got, want) {
			t.Fatalf("shuffled call differs")
		}
	})
}

// Minimal movement, checked exactly: the number of moves equals the lower
// bound that any balanced assignment must pay, namely the inputs without a
// live owner, plus every owner's excess over its ceiling, plus whatever the
// remaining kept inputs leave short of the floors.
func TestPropMinimalMovement(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := drawWorld(t, 1, rapid.Bool().Draw(t, "weighted"))
		prev := w.randomPrev(t)
		plan := Place(w.inputs, w.nodes, prev)
		checkPlan(t, w.inputs, w.nodes, prev, plan)

		n := len(w.inputs)
		kept := map[string]int{}
		forced := 0
		fair := FairShare(n, w.nodes)
		for _, in := range w.inputs {
			if _, ok := fair[prev[in.ID]]; ok {
				kept[prev[in.ID]]++
			} else {
				forced++
			}
		}
		floors := 0
		for id, f := range fair {
			k := kept[id]
			if hi := int(math.Ceil(f)); k > hi {
				forced += k - hi
				k = hi
			}
			floors += max(k, int(math.Floor(f)))
		}
		if want := forced + max(0, floors-n); len(plan.Moves) != want {
			t.Fatalf("moved %d, minimum is %d", len(plan.Moves), want)
		}
	})
}
