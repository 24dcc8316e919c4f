package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

func mustCmd(t *testing.T, c Command) []byte {
	t.Helper()
	b, err := c.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func apply(t *testing.T, s *Store, index uint64, c Command) *Result {
	t.Helper()
	r, _ := s.Apply(&raft.Log{Index: index, Type: raft.LogCommand, Data: mustCmd(t, c)}).(*Result)
	if r == nil {
		t.Fatalf("apply returned no result")
	}
	return r
}

func in(id string) Input {
	return Input{ID: id, Plugin: "p", Interval: Duration(time.Second), Config: json.RawMessage(`{"a":1,"b":2}`)}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name  string
		mod   func(*Input)
		field string
	}{
		{"ok", func(*Input) {}, ""},
		{"bad id", func(i *Input) { i.ID = "a/b" }, "id"},
		{"empty id", func(i *Input) { i.ID = "" }, "id"},
		{"long id", func(i *Input) { i.ID = strings.Repeat("a", 129) }, "id"},
		{"no plugin", func(i *Input) { i.Plugin = "" }, "plugin"},
		{"short interval", func(i *Input) { i.Interval = Duration(99 * time.Millisecond) }, "interval"},
		{"long interval", func(i *Input) { i.Interval = Duration(25 * time.Hour) }, "interval"},
		{"timeout over interval", func(i *Input) { i.Timeout = Duration(2 * time.Second) }, "timeout"},
		{"jitter at interval", func(i *Input) { i.Jitter = Duration(time.Second) }, "jitter"},
		{"config not object", func(i *Input) { i.Config = json.RawMessage(`[1]`) }, "config"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			i := in("x")
			c.mod(&i)
			err := i.Validate()
			var fe *FieldError
			switch {
			case c.field == "" && err != nil:
				t.Fatalf("want valid, got %v", err)
			case c.field != "" && (!errors.As(err, &fe) || fe.Field != c.field):
				t.Fatalf("want an error on %q, got %v", c.field, err)
			}
		})
	}
}

func TestPutVersionsAndIdempotence(t *testing.T) {
	s := New()
	w := s.Watch()
	r := apply(t, s, 5, Command{Op: OpPutInputs, Inputs: []Input{in("a"), in("b")}})
	if r.Err != nil || r.Inputs[0].Version != 5 {
		t.Fatalf("put: %+v", r)
	}
	select {
	case <-w:
	default:
		t.Fatal("watchers were not told of the change")
	}
	// The same spec with its config keys reordered is not a change.
	same := in("a")
	same.Config = json.RawMessage(`{"b":2,"a":1}`)
	r = apply(t, s, 6, Command{Op: OpPutInputs, Inputs: []Input{same}})
	if r.Inputs[0].Version != 5 {
		t.Fatalf("identical spec got a new version: %d", r.Inputs[0].Version)
	}
	changed := in("a")
	changed.Plugin = "q"
	r = apply(t, s, 7, Command{Op: OpPutInputs, Inputs: []Input{changed}})
	if r.Inputs[0].Version != 7 {
		t.Fatalf("changed spec kept version %d", r.Inputs[0].Version)
	}
}

func TestPutAllOrNothing(t *testing.T) {
	s := New()
	bad := in("b")
	bad.Plugin = ""
	r := apply(t, s, 1, Command{Op: OpPutInputs, Inputs: []Input{in("a"), bad}})
	if r.Err == nil {
		t.Fatal("want a rejection")
	}
	r = apply(t, s, 2, Command{Op: OpPutInputs, Inputs: []Input{in("a"), in("a")}})
	if r.Err == nil {
		t.Fatal("want a rejection of a duplicate id")
	}
	s.Read(func(st *State) {
		if len(st.Inputs) != 0 {
			t.Fatalf("a rejected batch stored %d inputs", len(st.Inputs))
		}
	})
}

func TestDeleteAndAssign(t *testing.T) {
	s := New()
	apply(t, s, 1, Command{Op: OpPutInputs, Inputs: []Input{in("a"), in("b")}})
	if r := apply(t, s, 2, Command{Op: OpDeleteInput, ID: "zz"}); !errors.Is(r.Err, ErrNotFound) {
		t.Fatalf("delete of an absent input: %v", r.Err)
	}
	at := time.Unix(100, 0).UTC()
	r := apply(t, s, 3, Command{Op: OpAssign, Assign: &Assign{Generation: 1, Moves: []Move{{Input: "a", Node: "n1"}, {Input: "b", Node: "n1"}, {Input: "gone", Node: "n1"}}}})
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	if r := apply(t, s, 4, Command{Op: OpAssign, Assign: &Assign{Generation: 1}}); !errors.Is(r.Err, ErrStaleGeneration) {
		t.Fatalf("a repeated generation was accepted: %v", r.Err)
	}
	apply(t, s, 5, Command{Op: OpAssign, Assign: &Assign{Generation: 2, Moves: []Move{{Input: "a", Node: "n2", Since: at}}}})
	_, a, _ := s.Input("a")
	if a.Node != "n2" || a.Prev != "n1" || !a.Since.Equal(at) || a.Generation != 2 {
		t.Fatalf("planned move recorded as %+v", a)
	}
	apply(t, s, 6, Command{Op: OpDeleteInput, ID: "a"})
	s.Read(func(st *State) {
		if _, ok := st.Assignments["a"]; ok {
			t.Fatal("deleting an input kept its assignment")
		}
		if _, ok := st.Assignments["gone"]; ok {
			t.Fatal("a move for an unknown input was stored")
		}
		if st.Generation != 2 || st.Index != 6 {
			t.Fatalf("generation %d index %d", st.Generation, st.Index)
		}
	})
}

type sink struct {
	bytes.Buffer
}

func (s *sink) ID() string    { return "x" }
func (s *sink) Cancel() error { return nil }
func (s *sink) Close() error  { return nil }

func TestSnapshotRestore(t *testing.T) {
	s := New()
	apply(t, s, 1, Command{Op: OpPutInputs, Inputs: []Input{in("a"), in("b")}})
	apply(t, s, 2, Command{Op: OpSetNode, Node: &Node{ID: "n1", State: NodeDraining}})
	apply(t, s, 3, Command{Op: OpAssign, Assign: &Assign{Generation: 1, Moves: []Move{{Input: "a", Node: "n1"}}}})
	apply(t, s, 4, Command{Op: OpSetCosts, Costs: Costs{"a": 0.25}})
	snap, err := s.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	var out sink
	if err := snap.Persist(&out); err != nil {
		t.Fatal(err)
	}
	r := New()
	if err := r.Restore(io.NopCloser(&out)); err != nil {
		t.Fatal(err)
	}
	var a, b []byte
	s.Read(func(st *State) {
		a, _ = json.Marshal([]any{st.SortedInputs(), st.Nodes, st.Assignments, st.Costs, st.Generation, st.Index})
	})
	r.Read(func(st *State) {
		b, _ = json.Marshal([]any{st.SortedInputs(), st.Nodes, st.Assignments, st.Costs, st.Generation, st.Index})
	})
	if !bytes.Equal(a, b) {
		t.Fatalf("restored state differs:\n%s\n%s", a, b)
	}
}

func TestDecodeRejectsUnknown(t *testing.T) {
	for _, raw := range []string{`{"op":"nope"}`, `{"op":"put_inputs","extra":1}`, `not json`, `{"op":"delete_input"} {}`,
		`{"type":2,"op":"put_inputs"}`, `{"type":300,"op":"delete_input"}`, `{"type":"2"}`, `{"type":99} {}`} {
		if _, err := DecodeCommand([]byte(raw)); err == nil {
			t.Errorf("%s was accepted", raw)
		}
	}
}

// FuzzDecodeApply feeds arbitrary entries to the FSM: it must never panic, and a rejected, skipped or halting
// entry changes nothing.
func FuzzDecodeApply(f *testing.F) {
	for _, c := range []Command{
		{Op: OpPutInputs, Inputs: []Input{in("a")}},
		{Op: OpDeleteInput, ID: "a"},
		{Op: OpSetNode, Node: &Node{ID: "n", State: NodeLeft}},
		{Op: OpAssign, Assign: &Assign{Generation: 1, Moves: []Move{{Input: "a", Node: "n"}}}},
	} {
		b, _ := c.Encode()
		f.Add(b)
	}
	// Commands from a newer binary, with and without the skip flag.
	f.Add([]byte(`{"type":227,"op":"set_quota","quota":{"max":3}}`))
	f.Add([]byte(`{"type":99,"op":"delete_input","id":"a"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s := New()
		r, _ := s.Apply(&raft.Log{Index: 1, Type: raft.LogCommand, Data: data}).(*Result)
		if r == nil {
			t.Fatal("no result")
		}
		if r.Err != nil {
			s.Read(func(st *State) {
				if len(st.Inputs)+len(st.Nodes)+len(st.Assignments) != 0 || st.Generation != 0 {
					t.Fatalf("rejected entry changed state: %v", r.Err)
				}
			})
		}
	})
}
