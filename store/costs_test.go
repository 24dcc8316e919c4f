package store

import (
	"strings"
	"testing"
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
