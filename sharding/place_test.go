package sharding

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func makeInputs(n int) []Input {
	in := make([]Input, n)
	for i := range in {
		in[i] = Input{ID: fmt.Sprintf("input-%05d", i)}
	}
	return in
}

func makeNodes(ids ...string) []Node {
	ns := make([]Node, len(ids))
	for i, id := range ids {
		ns[i] = Node{ID: id}
	}
	return ns
}

// tb is the part of testing.TB that *rapid.T also provides.
type tb interface {
	Helper()
	Fatalf(format string, args ...any)
}

// checkPlan verifies the invariants every Plan of Place must satisfy, whatever the arguments: checkShape's, and
// count balance.
func checkPlan(t tb, inputs []Input, nodes []Node, prev Assignment, plan Plan) {
	t.Helper()
	checkShape(t, inputs, nodes, prev, plan)
	n := len(plan.Assignment)
	counts := Counts(plan.Assignment, nodes)
	for id, f := range FairShare(n, nodes) {
		if c := counts[id]; float64(c) < math.Floor(f) || float64(c) > math.Ceil(f) {
			t.Fatalf("node %q has %d inputs, fair share %.3f", id, c, f)
		}
	}
}

// checkShape verifies completeness, eligibility, and Moves being exactly the sorted diff between prev
// (restricted to inputs) and the new Assignment.
func checkShape(t tb, inputs []Input, nodes []Node, prev Assignment, plan Plan) {
	t.Helper()
	want := map[string]bool{}
	for _, in := range inputs {
		want[in.ID] = true
	}
	eligible := map[string]bool{}
	for _, nd := range nodes {
		if nd.ID != "" {
			eligible[nd.ID] = true
		}
	}
	if plan.Assignment == nil {
		t.Fatalf("nil Assignment")
	}
	for id, to := range plan.Assignment {
		if !want[id] {
			t.Fatalf("assignment has unknown input %q", id)
		}
		if !eligible[to] {
			t.Fatalf("input %q assigned to ineligible node %q", id, to)
		}
	}
	if len(eligible) > 0 && len(plan.Assignment) != len(want) {
		t.Fatalf("assigned %d of %d inputs", len(plan.Assignment), len(want))
	}
	if len(eligible) == 0 && len(plan.Assignment) != 0 {
		t.Fatalf("assigned %d inputs with no nodes", len(plan.Assignment))
	}

	var moves []Move
	for id := range want {
		from, to := prev[id], plan.Assignment[id]
		if from != to {
			moves = append(moves, Move{Input: id, From: from, To: to})
		}
	}
	slices.SortFunc(moves, func(a, b Move) int { return strings.Compare(a.Input, b.Input) })
	if !slices.Equal(moves, plan.Moves) {
		t.Fatalf("moves\n got %v\nwant %v", plan.Moves, moves)
	}
}

func TestPlace(t *testing.T) {
	three := makeNodes("a", "b", "c")
	tests := []struct {
		name   string
		inputs []Input
		nodes  []Node
		prev   Assignment
		// counts, if set, is the exact expected per-node count.
		counts map[string]int
		// moves, if set (non-nil), is the exact expected move list.
		moves []Move
		// moved, if > 0, is the exact expected number of moves.
		moved int
	}{
		{
			name:   "no inputs",
			nodes:  three,
			counts: map[string]int{"a": 0, "b": 0, "c": 0},
			moves:  []Move{},
		},
		{
			name:   "no inputs, prev entries vanish",
			nodes:  three,
			prev:   Assignment{"gone": "a"},
			counts: map[string]int{"a": 0, "b": 0, "c": 0},
			moves:  []Move{},
		},
		{
			name:   "no nodes, nothing assigned before",
			inputs: makeInputs(3),
			counts: map[string]int{},
			moves:  []Move{},
		},
		{
			name:   "no nodes unassigns previously assigned",
			inputs: makeInputs(3),
			prev:   Assignment{"input-00000": "a", "input-00002": "gone", "deleted": "a"},
			counts: map[string]int{},
			moves: []Move{
				{Input: "input-00000", From: "a"},
				{Input: "input-00002", From: "gone"},
			},
		},
		{
			name:   "only empty-ID nodes count as no nodes",
			inputs: makeInputs(1),
			nodes:  makeNodes(""),
			prev:   Assignment{"input-00000": "a"},
			counts: map[string]int{},
			moves:  []Move{{Input: "input-00000", From: "a"}},
		},
		{
			name:   "single node takes everything",
			inputs: makeInputs(4),
			nodes:  makeNodes("solo"),
			prev:   Assignment{"input-00001": "solo", "input-00002": "dead"},
			counts: map[string]int{"solo": 4},
			moves: []Move{
				{Input: "input-00000", To: "solo"},
				{Input: "input-00002", From: "dead", To: "solo"},
				{Input: "input-00003", To: "solo"},
			},
		},
		{
			name:   "weights 1:3",
			inputs: makeInputs(100),
			nodes:  []Node{{ID: "small", Weight: 1}, {ID: "big", Weight: 3}},
			counts: map[string]int{"small": 25, "big": 75},
		},
		{
			name:   "weight <= 0, NaN and Inf mean 1",
			inputs: makeInputs(90),
			nodes:  []Node{{ID: "a", Weight: 0}, {ID: "b", Weight: -5}, {ID: "c", Weight: math.NaN()}, {ID: "d", Weight: math.Inf(1)}, {ID: "e", Weight: 1}},
			counts: map[string]int{"a": 18, "b": 18, "c": 18, "d": 18, "e": 18},
		},
		{
			name:   "duplicate node keeps larger weight",
			inputs: makeInputs(40),
			nodes:  []Node{{ID: "a", Weight: 1}, {ID: "b", Weight: 1}, {ID: "a", Weight: 3}},
			counts: map[string]int{"a": 30, "b": 10},
		},
		{
			name:   "duplicate inputs are placed once",
			inputs: append(makeInputs(3), makeInputs(3)...),
			nodes:  makeNodes("a", "b", "c"),
			counts: map[string]int{"a": 1, "b": 1, "c": 1},
		},
		{
			name:   "balanced prev is kept untouched",
			inputs: makeInputs(4),
			nodes:  makeNodes("a", "b"),
			prev:   Assignment{"input-00000": "b", "input-00001": "b", "input-00002": "a", "input-00003": "a"},
			counts: map[string]int{"a": 2, "b": 2},
			moves:  []Move{},
		},
		{
			name:   "overloaded prev sheds exactly the excess",
			inputs: makeInputs(4),
			nodes:  makeNodes("a", "b"),
			prev:   Assignment{"input-00000": "a", "input-00001": "a", "input-00002": "a", "input-00003": "a"},
			counts: map[string]int{"a": 2, "b": 2},
			moved:  2,
		},
		{
			name:   "stale owner moves, From names it",
			inputs: makeInputs(2),
			nodes:  makeNodes("a", "b"),
			prev:   Assignment{"input-00000": "a", "input-00001": "old"},
			counts: map[string]int{"a": 1, "b": 1},
			moves:  []Move{{Input: "input-00001", From: "old", To: "b"}},
		},
		{
			name:   "tiny weight may get nothing",
			inputs: makeInputs(10),
			nodes:  []Node{{ID: "a", Weight: 1e-300}, {ID: "b", Weight: 1e300}},
			counts: map[string]int{"a": 0, "b": 10},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := Place(tt.inputs, tt.nodes, tt.prev)
			checkPlan(t, tt.inputs, tt.nodes, tt.prev, plan)
			if tt.counts != nil {
				if got := Counts(plan.Assignment, tt.nodes); !reflect.DeepEqual(got, tt.counts) {
					t.Errorf("counts = %v, want %v", got, tt.counts)
				}
			}
			if tt.moves != nil && !slices.Equal(plan.Moves, tt.moves) {
				t.Errorf("moves = %v, want %v", plan.Moves, tt.moves)
			}
			if tt.moved > 0 && len(plan.Moves) != tt.moved {
				t.Errorf("moved %d, want %d", len(plan.Moves), tt.moved)
			}
		})
	}
}

func TestPlaceDeterministic(t *testing.T) {
	inputs := makeInputs(500)
	nodes := []Node{{ID: "a", Weight: 2}, {ID: "b"}, {ID: "c", Weight: 0.5}, {ID: "d"}}
	prev := Place(inputs[:300], nodes[:2], nil).Assignment
	want := Place(inputs, nodes, prev)

	revIn := slices.Clone(inputs)
	slices.Reverse(revIn)
	revNodes := slices.Clone(nodes)
	slices.Reverse(revNodes)
	for i := range 3 {
		var got Plan
		if i%2 == 0 {
			got = Place(inputs, nodes, prev)
		} else {
			got = Place(revIn, revNodes, prev)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("run %d differs", i)
		}
	}
}

func TestPlaceLeaveAndJoin(t *testing.T) {
	inputs := makeInputs(1000)
	nodes := makeNodes("a", "b", "c", "d", "e")
	base := Place(inputs, nodes, nil)

	leave := Place(inputs, nodes[:4], base.Assignment)
	checkPlan(t, inputs, nodes[:4], base.Assignment, leave)
	for _, m := range leave.Moves {
		if m.From != "e" {
			t.Errorf("leave moved %v, only e's inputs may move", m)
		}
	}
	if got, want := len(leave.Moves), Counts(base.Assignment, nodes)["e"]; got != want {
		t.Errorf("leave moved %d, want %d", got, want)
	}

	joined := append(slices.Clone(nodes), Node{ID: "f"})
	join := Place(inputs, joined, base.Assignment)
	checkPlan(t, inputs, joined, base.Assignment, join)
	for _, m := range join.Moves {
		if m.To != "f" {
			t.Errorf("join moved %v, only moves to f expected", m)
		}
	}
	if got := len(join.Moves); got > 167 {
		t.Errorf("join moved %d, want <= ceil(1000/6)", got)
	}
}

func TestCounts(t *testing.T) {
	a := Assignment{"x": "a", "y": "a", "z": "stale"}
	got := Counts(a, makeNodes("a", "b", ""))
	want := map[string]int{"a": 2, "b": 0, "stale": 1}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Counts = %v, want %v", got, want)
	}
}

func TestFairShare(t *testing.T) {
	tests := []struct {
		n     int
		nodes []Node
		want  map[string]float64
	}{
		{10, nil, map[string]float64{}},
		{10, makeNodes("a", "b", "c", "d"), map[string]float64{"a": 2.5, "b": 2.5, "c": 2.5, "d": 2.5}},
		{10, []Node{{ID: "a", Weight: 0.1}, {ID: "b", Weight: 0.2}, {ID: "c", Weight: 0.7}}, map[string]float64{"a": 1, "b": 2, "c": 7}},
		{0, makeNodes("a"), map[string]float64{"a": 0}},
	}
	for _, tt := range tests {
		if got := FairShare(tt.n, tt.nodes); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("FairShare(%d, %v) = %v, want %v", tt.n, tt.nodes, got, tt.want)
		}
	}
}
