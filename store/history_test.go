package store

import (
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

func TestHistoryRecordsMovesWithReasonsAndTimes(t *testing.T) {
	s := New()
	apply(t, s, 1, Command{Op: OpPutInputs, Inputs: []Input{in("a"), in("b")}})
	t1, t2 := time.Unix(100, 0).UTC(), time.Unix(200, 0).UTC()
	assign := func(index uint64, at time.Time, a Assign) {
		t.Helper()
		r, _ := s.Apply(&raft.Log{Index: index, Type: raft.LogCommand, AppendedAt: at, Data: mustCmd(t, Command{Op: OpAssign, Assign: &a})}).(*Result)
		if r == nil || r.Err != nil {
			t.Fatalf("assign %d: %+v", a.Generation, r)
		}
	}
	assign(2, t1, Assign{Generation: 1, Moves: []Move{{Input: "a", Node: "n1", Reason: "new"}, {Input: "b", Node: "n1", Reason: "new"}, {Input: "gone", Node: "n1"}}})
	assign(3, t2, Assign{Generation: 2, Moves: []Move{{Input: "a", Node: "n2", Reason: "crash"}, {Input: "b", Node: "n1", Reason: "join"}}})
	// A refused generation records nothing.
	if r := apply(t, s, 4, Command{Op: OpAssign, Assign: &Assign{Generation: 2, Moves: []Move{{Input: "b", Node: "n3"}}}}); r.Err == nil {
		t.Fatal("stale generation accepted")
	}

	gens := s.Generations(0)
	if len(gens) != 2 || gens[0].Generation != 2 || gens[1].Generation != 1 {
		t.Fatalf("generations %+v", gens)
	}
	if g := gens[0]; g.Index != 3 || !g.At.Equal(t2) || g.Total != 1 || g.Moves[0] != (MoveRecord{Input: "a", From: "n1", To: "n2", Reason: "crash"}) {
		t.Fatalf("generation 2 recorded as %+v (b kept its owner: no move)", g)
	}
	if g := gens[1]; g.Total != 2 {
		t.Fatalf("generation 1 recorded %d moves, want 2 (the deleted input is no move)", g.Total)
	}
	moves := s.Moves("a")
	if len(moves) != 2 || moves[0].Reason != "crash" || moves[0].From != "n1" || !moves[0].At.Equal(t2) || moves[1].Reason != "new" || moves[1].From != "" {
		t.Fatalf("moves of a: %+v", moves)
	}
	if got := s.Generations(1); len(got) != 1 || got[0].Generation != 2 {
		t.Fatalf("Generations(1) = %+v", got)
	}
}

func TestHistoryIsBounded(t *testing.T) {
	var h history
	for g := range uint64(MaxHistoryGenerations + 10) {
		h.add(GenerationRecord{Generation: g + 1, Moves: []MoveRecord{{Input: "x"}}})
	}
	if len(h.gens) != MaxHistoryGenerations || h.gens[0].Generation != 11 {
		t.Fatalf("kept %d generations from %d", len(h.gens), h.gens[0].Generation)
	}
	big := make([]MoveRecord, MaxHistoryMoves+5)
	for i := range big {
		big[i].Input = fmt.Sprint(i)
	}
	h.add(GenerationRecord{Generation: 5000, Moves: big})
	if len(h.gens) != 1 || h.moves != MaxHistoryMoves || h.gens[0].Total != MaxHistoryMoves+5 {
		t.Fatalf("after a generation over the bound: %d generations, %d moves, total %d", len(h.gens), h.moves, h.gens[0].Total)
	}
}
