package store

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestCostsFollowTheirInputs(t *testing.T) {
	s := New()
	apply(t, s, 1, Command{Op: OpPutInputs, Inputs: []Input{in("a"), in("b")}})
	apply(t, s, 2, Command{Op: OpSetCosts, Costs: Costs{"a": 0.5, "b": 0.01, "gone": 3}})
	costs := func() Costs {
		var c Costs
		s.Read(func(st *State) { c = st.Costs })
		return c
	}
	if c := costs(); len(c) != 2 || c["a"] != 0.5 || c["b"] != 0.01 {
		t.Fatalf("costs %v: want a and b, not the unknown input", c)
	}
	apply(t, s, 3, Command{Op: OpDeleteInput, ID: "a"})
	apply(t, s, 4, Command{Op: OpSetCosts, Costs: Costs{"b": 0}})
	if c := costs(); len(c) != 0 {
		t.Fatalf("costs %v after deleting a and forgetting b", c)
	}
	apply(t, s, 5, Command{Op: OpSetCosts, Costs: Costs{"b": 0.01}})
	apply(t, s, 6, Command{Op: OpPutInputs, Inputs: []Input{in("b")}}) // the same spec: still measured
	if c := costs(); c["b"] != 0.01 {
		t.Fatalf("costs %v after re-putting b unchanged", c)
	}
	changed := in("b")
	changed.Config = []byte(`{"a":2}`)
	apply(t, s, 7, Command{Op: OpPutInputs, Inputs: []Input{changed}})
	if c := costs(); len(c) != 0 {
		t.Fatalf("costs %v after b's spec changed: it is measured anew", c)
	}
}

// Older binaries skip set_costs: its entries carry their type with the skippable flag.
func TestSetCostsIsSkippable(t *testing.T) {
	b := mustCmd(t, Command{Op: OpSetCosts, Costs: Costs{"a": 1}})
	if !strings.Contains(string(b), `"type":134`) {
		t.Fatalf("set_costs entry %s does not carry type 6 with the skippable flag (134)", b)
	}
	c, err := DecodeCommand(b)
	if err != nil || c.Op != OpSetCosts || c.Costs["a"] != 1 {
		t.Fatalf("decode %s: %+v, %v", b, c, err)
	}
}

// An unmeasured input costs what its plugin's measured peers take per gather, over its own interval; with no
// measured peer, what all measured inputs take; before any measurement placement counts instead.
func TestCostModelFallsBackToPeers(t *testing.T) {
	s := New()
	spec := func(id, plugin string, iv time.Duration) Input {
		return Input{ID: id, Plugin: plugin, Interval: Duration(iv)}
	}
	apply(t, s, 1, Command{Op: OpPutInputs, Inputs: []Input{
		spec("snmp-a", "snmp", 10*time.Second), spec("snmp-b", "snmp", 10*time.Second), spec("snmp-new", "snmp", 20*time.Second),
		spec("ping-a", "ping", time.Second), spec("http-new", "http", 5*time.Second),
	}})
	s.Read(func(st *State) {
		if _, ok := st.CostModel(); ok || st.Loads() != nil {
			t.Fatal("a cost model without measurements")
		}
	})
	apply(t, s, 2, Command{Op: OpSetCosts, Costs: Costs{"snmp-a": 2, "snmp-b": 4, "ping-a": 0.01}})
	apply(t, s, 3, Command{Op: OpAssign, Assign: &Assign{Generation: 1, Moves: []Move{
		{Input: "snmp-a", Node: "n1"}, {Input: "snmp-new", Node: "n1"}, {Input: "ping-a", Node: "n2"},
	}}})
	s.Read(func(st *State) {
		cost, ok := st.CostModel()
		if !ok {
			t.Fatal("no cost model with measurements")
		}
		for id, want := range map[string]float64{
			"snmp-a":   0.2,                      // 2 s per gather every 10 s
			"snmp-new": 3.0 / 20,                 // its peers' 3 s on average, every 20 s
			"ping-a":   0.01,                     // its own
			"http-new": (2 + 4 + 0.01) / 3.0 / 5, // no peer: everyone's average, every 5 s
		} {
			if got := cost(st.Inputs[id]); math.Abs(got-want) > 1e-9 {
				t.Errorf("%s costs %v, want %v", id, got, want)
			}
		}
		l := st.Loads()
		if math.Abs(l["n1"]-0.35) > 1e-9 || math.Abs(l["n2"]-0.01) > 1e-9 || len(l) != 2 {
			t.Errorf("loads %v: want n1 0.35, n2 0.01", l)
		}
	})
}
