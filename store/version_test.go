package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/hashicorp/raft"
)

// seeded returns a store with inputs, a node and an assignment at raft indexes 1 to 3.
func seeded(t *testing.T) *Store {
	t.Helper()
	s := New()
	apply(t, s, 1, Command{Op: OpPutInputs, Inputs: []Input{in("a"), in("b")}})
	apply(t, s, 2, Command{Op: OpSetNode, Node: &Node{ID: "n1", State: NodeAlive}})
	apply(t, s, 3, Command{Op: OpAssign, Assign: &Assign{Generation: 1, Moves: []Move{{Input: "a", Node: "n1"}}}})
	return s
}

// dump is the whole state but its index, for comparing states.
func dump(s *Store) string {
	var b []byte
	s.Read(func(st *State) {
		b, _ = json.Marshal([]any{st.SortedInputs(), st.Nodes, st.Assignments, st.Generation})
	})
	return string(b)
}

func index(s *Store) (i uint64) {
	s.Read(func(st *State) { i = st.Index })
	return i
}

func applyRaw(s *Store, i uint64, data string) *Result {
	r, _ := s.Apply(&raft.Log{Index: i, Type: raft.LogCommand, Data: []byte(data)}).(*Result)
	return r
}

func halted(s *Store) bool {
	select {
	case <-s.Halted():
		return true
	default:
		return false
	}
}

func TestCommandFromTheFuture(t *testing.T) {
	cases := []struct {
		name string
		raw  string
		num  int // the type number, flag aside
		skip bool
	}{
		{"skippable, unknown fields", `{"type":227,"op":"set_quota","quota":{"max":3}}`, 99, true},
		{"skippable, known fields", `{"type":227,"id":"a"}`, 99, true},
		{"skippable, number 0", `{"type":128}`, 0, true},
		{"not skippable, unknown fields", `{"type":99,"op":"set_quota","quota":{"max":3}}`, 99, false},
		{"not skippable, type wins over a known op", `{"type":99,"op":"delete_input","id":"a"}`, 99, false},
		{"not skippable, highest number", `{"type":127}`, 127, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := seeded(t)
			before := dump(s)
			r := applyRaw(s, 7, c.raw)
			var unknown *UnknownTypeError
			if r == nil || !errors.As(r.Err, &unknown) || unknown.Index != 7 {
				t.Fatalf("want an *UnknownTypeError at index 7, got %+v", r)
			}
			if after := dump(s); after != before {
				t.Fatalf("the state changed:\n%s\n%s", before, after)
			}
			if !strings.Contains(r.Err.Error(), fmt.Sprintf("command type %d ", c.num)) {
				t.Errorf("%q does not name type %d", r.Err, c.num)
			}
			if c.skip {
				if s.Fatal() != nil || halted(s) || index(s) != 7 {
					t.Fatalf("a skippable entry: fatal %v, halted %v, index %d (want nil, false, 7)", s.Fatal(), halted(s), index(s))
				}
				if r := apply(t, s, 8, Command{Op: OpDeleteInput, ID: "b"}); r.Err != nil {
					t.Fatalf("the entry after a skipped one: %v", r.Err)
				}
				return
			}
			err := s.Fatal()
			if err == nil || !halted(s) || !errors.Is(r.Err, err) {
				t.Fatalf("want a halted store, got fatal %v, halted %v, result %v", err, halted(s), r.Err)
			}
			for _, want := range []string{"raft index 7:", fmt.Sprintf("command type %d ", c.num), "older than the cluster", "upgrade"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("%q does not say %q", err, want)
				}
			}
			if index(s) != 3 {
				t.Errorf("the index moved to %d past an entry not applied", index(s))
			}
			// Nothing after the entry may be applied, nor a snapshot taken or restored.
			if r := apply(t, s, 8, Command{Op: OpDeleteInput, ID: "b"}); !errors.Is(r.Err, err) || dump(s) != before {
				t.Fatalf("an entry after the halt: %v", r.Err)
			}
			if _, serr := s.Snapshot(); !errors.Is(serr, err) {
				t.Errorf("snapshot of a halted store: %v", serr)
			}
			if rerr := s.Restore(io.NopCloser(strings.NewReader(`{"version":1}`))); !errors.Is(rerr, err) || dump(s) != before {
				t.Errorf("restore into a halted store: %v", rerr)
			}
		})
	}
}

// The entries binaries before command numbers write, byte for byte, still apply, and are still what Encode
// writes, so those binaries can read this one's. A type number, when present, names the op.
func TestOldAndTypedEntries(t *testing.T) {
	cases := []struct {
		name  string
		raw   string
		cmd   *Command // encodes to raw; nil for entries no binary of this version writes
		check func(st *State) bool
	}{
		{"put_inputs",
			`{"op":"put_inputs","inputs":[{"id":"c","plugin":"p","interval":"1s","config":{"a":1},"version":0}]}`,
			&Command{Op: OpPutInputs, Inputs: []Input{{ID: "c", Plugin: "p", Interval: Duration(1e9), Config: json.RawMessage(`{"a":1}`)}}},
			func(st *State) bool { return st.Inputs["c"] != nil && st.Inputs["c"].Version == 9 }},
		{"delete_input", `{"op":"delete_input","id":"a"}`, &Command{Op: OpDeleteInput, ID: "a"},
			func(st *State) bool { return st.Inputs["a"] == nil }},
		{"set_node", `{"op":"set_node","node":{"id":"n1","state":"draining"}}`,
			&Command{Op: OpSetNode, Node: &Node{ID: "n1", State: NodeDraining}},
			func(st *State) bool { return st.Nodes["n1"].State == NodeDraining }},
		{"assign", `{"op":"assign","assign":{"generation":2,"moves":[{"input":"b","node":"n1"}]}}`,
			&Command{Op: OpAssign, Assign: &Assign{Generation: 2, Moves: []Move{{Input: "b", Node: "n1"}}}},
			func(st *State) bool { return st.Generation == 2 && st.Assignments["b"].Node == "n1" }},
		{"typed, no op", `{"type":2,"id":"a"}`, nil,
			func(st *State) bool { return st.Inputs["a"] == nil }},
		{"typed with the skip flag, known", `{"type":130,"op":"delete_input","id":"a"}`, nil,
			func(st *State) bool { return st.Inputs["a"] == nil }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.cmd != nil {
				if b, _ := c.cmd.Encode(); string(b) != c.raw {
					t.Fatalf("encoding changed:\n%s\n%s", b, c.raw)
				}
			}
			s := seeded(t)
			if r := applyRaw(s, 9, c.raw); r == nil || r.Err != nil {
				t.Fatalf("apply: %+v", r)
			}
			s.Read(func(st *State) {
				if !c.check(st) || st.Index != 9 {
					t.Fatalf("not applied: %s", dump(s))
				}
			})
		})
	}
}

func TestSnapshotVersions(t *testing.T) {
	const old = `{"inputs":[{"id":"a","plugin":"p","interval":"1s","version":1}],"nodes":{"n1":{"id":"n1","state":"alive"}},` +
		`"assignments":{"a":{"node":"n1","generation":1}},"generation":1,"index":3}` + "\n"
	cases := []struct {
		name string
		raw  string
		want string // in the error; empty when the snapshot restores
	}{
		{"before versions", old, ""},
		{"version 1", `{"version":1,` + old[1:], ""},
		{"from the future", `{"version":2,"inputs":{"a":"another shape"}}`, "format version 2, this binary reads up to version 1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := New()
			apply(t, s, 1, Command{Op: OpPutInputs, Inputs: []Input{in("z")}})
			before := dump(s)
			err := s.Restore(io.NopCloser(strings.NewReader(c.raw)))
			if c.want != "" {
				if !errors.Is(err, ErrSnapshotVersion) || !strings.Contains(err.Error(), c.want) || dump(s) != before {
					t.Fatalf("want a refusal saying %q and no change, got %v", c.want, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, a, ok := s.Input("a"); !ok || a.Node != "n1" || index(s) != 3 {
				t.Fatalf("restored state: %s", dump(s))
			}
		})
	}
}

func TestSnapshotWritesItsVersion(t *testing.T) {
	snap, err := seeded(t).Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	var out sink
	if err := snap.Persist(&out); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(out.Bytes(), []byte(`{"version":1,`)) {
		t.Fatalf("snapshot starts %.40s", out.Bytes())
	}
}
