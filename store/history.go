package store

import "time"

// MaxHistoryMoves bounds the move history a store keeps: the oldest generations are dropped once the moves
// kept exceed it (a generation larger than the bound keeps its first MaxHistoryMoves moves and its count).
const MaxHistoryMoves = 100_000

// MaxHistoryGenerations bounds how many placement generations the move history keeps.
const MaxHistoryGenerations = 1_000

// MoveRecord is one input's change of owner in a placement generation. From is empty for an input placed for
// the first time; To is empty for an input no node may run.
type MoveRecord struct {
	Input  string
	From   string
	To     string
	Reason string
}

// GenerationRecord is what one placement generation moved, and why.
type GenerationRecord struct {
	Generation uint64
	Index      uint64    // the raft index of the assign entry
	At         time.Time // when the leader appended the entry (raft's Log.AppendedAt; zero from old leaders)
	Total      int       // moves in the generation; more than len(Moves) when the generation exceeded the bound
	Moves      []MoveRecord
}

// history is the bounded move history, derived in Apply from each assign entry and the previous assignment,
// so every replica holds the same one without extra raft entries. It is not part of snapshots: it restarts
// with the entries a node applies after a restore.
type history struct {
	gens  []GenerationRecord // oldest first
	moves int                // sum of len(gens[i].Moves)
	last  GenerationRecord   // the generation assign just applied, before Apply stamps its index and time
}

func (h *history) add(g GenerationRecord) {
	g.Total = len(g.Moves)
	if len(g.Moves) > MaxHistoryMoves {
		g.Moves = g.Moves[:MaxHistoryMoves:MaxHistoryMoves]
	}
	h.gens = append(h.gens, g)
	h.moves += len(g.Moves)
	drop := 0
	for len(h.gens)-drop > 1 && (h.moves > MaxHistoryMoves || len(h.gens)-drop > MaxHistoryGenerations) {
		h.moves -= len(h.gens[drop].Moves)
		drop++
	}
	if drop > 0 {
		h.gens = append([]GenerationRecord(nil), h.gens[drop:]...)
	}
}

// Generations returns the last limit placement generations the history holds, newest first (limit <= 0: all).
// The records are shared: callers must not change them.
func (s *Store) Generations(limit int) []GenerationRecord {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := len(s.hist.gens)
	if limit <= 0 || limit > n {
		limit = n
	}
	out := make([]GenerationRecord, 0, limit)
	for i := n - 1; i >= n-limit; i-- {
		out = append(out, s.hist.gens[i])
	}
	return out
}

// InputMove is one move of one input, with its generation's time.
type InputMove struct {
	MoveRecord
	Generation uint64
	At         time.Time
}

// Moves returns the moves of one input the history holds, newest first.
func (s *Store) Moves(input string) []InputMove {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []InputMove
	for i := len(s.hist.gens) - 1; i >= 0; i-- {
		g := &s.hist.gens[i]
		for _, m := range g.Moves {
			if m.Input == input {
				out = append(out, InputMove{MoveRecord: m, Generation: g.Generation, At: g.At})
			}
		}
	}
	return out
}
