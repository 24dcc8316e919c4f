package store

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

func versions(s *Store) map[string]uint64 {
	out := map[string]uint64{}
	s.Read(func(st *State) {
		for id, in := range st.Inputs {
			out[id] = in.Version
		}
	})
	return out
}

func TestApplyCreatesUpdatesAndPrunesItsOwnSource(t *testing.T) {
	s := New()
	// Another source's input, and one written before sources existed (the default source).
	apply(t, s, 1, Command{Op: OpApply, Apply: &Apply{Source: "other", Inputs: []Input{in("theirs")}}})
	apply(t, s, 2, Command{Op: OpPutInputs, Inputs: []Input{in("legacy")}})
	r := apply(t, s, 3, Command{Op: OpApply, Apply: &Apply{Source: "file.conf", Inputs: []Input{in("a"), in("b"), in("c")}}})
	if r.Err != nil || !slices.Equal(r.Plan.Created, []string{"a", "b", "c"}) || r.Plan.Unchanged != 0 {
		t.Fatalf("first apply: %+v %v", r.Plan, r.Err)
	}
	before := versions(s)

	changed := in("b")
	changed.Interval = Duration(2 * time.Second)
	r = apply(t, s, 4, Command{Op: OpApply, Apply: &Apply{Source: "file.conf", Prune: true, Inputs: []Input{in("a"), changed, in("d")}}})
	want := Plan{Created: []string{"d"}, Updated: []string{"b"}, Deleted: []string{"c"}, Unchanged: 1}
	if r.Err != nil || !planEqual(*r.Plan, want) {
		t.Fatalf("prune apply: %+v %v, want %+v", r.Plan, r.Err, want)
	}
	after := versions(s)
	if after["a"] != before["a"] || after["b"] != 4 || after["d"] != 4 {
		t.Fatalf("versions %v -> %v: unchanged a must keep its version, b and d get index 4", before, after)
	}
	if _, ok := after["c"]; ok {
		t.Fatal("pruned input c is still stored")
	}
	if after["theirs"] == 0 || after["legacy"] == 0 {
		t.Fatalf("a prune deleted another source's inputs: %v", after)
	}

	// The same body again changes nothing; the default source's prune deletes only legacy inputs.
	r = apply(t, s, 5, Command{Op: OpApply, Apply: &Apply{Source: "file.conf", Prune: true, Inputs: []Input{in("a"), changed, in("d")}}})
	if r.Err != nil || len(r.Plan.Created)+len(r.Plan.Updated)+len(r.Plan.Deleted) != 0 || r.Plan.Unchanged != 3 {
		t.Fatalf("re-apply: %+v %v", r.Plan, r.Err)
	}
	r = apply(t, s, 6, Command{Op: OpApply, Apply: &Apply{Source: DefaultSource, Prune: true, Inputs: []Input{}}})
	if r.Err != nil || !slices.Equal(r.Plan.Deleted, []string{"legacy"}) {
		t.Fatalf("default-source prune: %+v %v", r.Plan, r.Err)
	}
	// Naming another source's input takes it over.
	r = apply(t, s, 7, Command{Op: OpApply, Apply: &Apply{Source: "file.conf", Inputs: []Input{in("theirs")}}})
	var src string
	s.Read(func(st *State) { src = st.Inputs["theirs"].Source })
	if r.Err != nil || !slices.Equal(r.Plan.Updated, []string{"theirs"}) || src != "file.conf" {
		t.Fatalf("takeover: %+v %v source %q", r.Plan, r.Err, src)
	}
}

func TestApplyIsAllOrNothing(t *testing.T) {
	s := New()
	apply(t, s, 1, Command{Op: OpApply, Apply: &Apply{Source: "f", Inputs: []Input{in("a")}}})
	bad := in("b")
	bad.Interval = 0
	for _, a := range []*Apply{
		{Source: "f", Prune: true, Inputs: []Input{in("c"), bad}},
		{Source: "f", Prune: true, Inputs: []Input{in("c"), in("c")}},
		{Source: "bad source", Prune: true, Inputs: []Input{in("c")}},
		nil,
	} {
		if r := apply(t, s, 2, Command{Op: OpApply, Apply: a}); r.Err == nil {
			t.Fatalf("%+v applied", a)
		}
	}
	if v := versions(s); len(v) != 1 || v["a"] != 1 {
		t.Fatalf("a refused apply changed the store: %v", v)
	}
}

func TestApplyEncodesItsTypeNumber(t *testing.T) {
	b, err := (&Command{Op: OpApply, Apply: &Apply{Source: "f", Inputs: []Input{in("a")}}}).Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"type":5`) {
		t.Fatalf("%s lacks its type number: a binary that does not know it would misread it", b)
	}
	var c Command
	if err := json.Unmarshal(b, &c); err != nil || c.Type != TypeApplyInputs {
		t.Fatalf("decode %s: %+v %v", b, c, err)
	}
}

func planEqual(a, b Plan) bool {
	return slices.Equal(a.Created, b.Created) && slices.Equal(a.Updated, b.Updated) &&
		slices.Equal(a.Deleted, b.Deleted) && a.Unchanged == b.Unchanged
}
