package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/hashicorp/raft"
)

// Errors an applied command can return. They are deterministic: every node returns the same one.
var (
	ErrNotFound        = errors.New("not found")
	ErrStaleGeneration = errors.New("stale placement generation")
)

// Result is what Apply returns for a command, through raft's ApplyFuture.Response.
type Result struct {
	Index  uint64  // raft index the command was applied at
	Inputs []Input // the inputs as stored, for put_inputs
	Plan   *Plan   // what an apply_inputs changed
	Err    error   // a rejection; the state is unchanged when set
}

// Store is the FSM. All methods are safe for concurrent use; Apply is called by raft only.
type Store struct {
	mu      sync.RWMutex
	st      State
	changed chan struct{}
	fatal   error         // set once, by the first entry this binary must not skip; see halt.go
	halted  chan struct{} // closed when fatal is set
	hist    history       // what each placement generation moved; see history.go
}

// New returns an empty store.
func New() *Store {
	return &Store{st: newState(), changed: make(chan struct{}), halted: make(chan struct{})}
}

var _ raft.FSM = (*Store)(nil)

// Read calls fn with the current state under a read lock. fn must be quick, must not retain the state and
// must not call back into the store.
func (s *Store) Read(fn func(st *State)) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	fn(&s.st)
}

// Watch returns a channel that is closed at the next change. Read the state after calling Watch, so that no
// change between the read and the wait is missed.
func (s *Store) Watch() <-chan struct{} {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.changed
}

// Index is the last raft index this replica applied.
func (s *Store) Index() uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.st.Index
}

// Input returns a copy of one input.
func (s *Store) Input(id string) (Input, Assignment, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	in, ok := s.st.Inputs[id]
	if !ok {
		return Input{}, Assignment{}, false
	}
	return *in, s.st.Assignments[id], true
}

// Apply applies one raft entry. It returns a *Result (or nil for entries that are not commands). A command of
// a type this binary does not know is skipped when flagged skippable and otherwise halts the store: see Fatal.
func (s *Store) Apply(l *raft.Log) any {
	if l.Type != raft.LogCommand {
		return nil
	}
	if err := s.Fatal(); err != nil {
		return &Result{Index: l.Index, Err: err}
	}
	cmd, err := DecodeCommand(l.Data)
	var unknown *UnknownTypeError
	if errors.As(err, &unknown) {
		return s.skipOrHalt(l.Index, unknown)
	}
	if err != nil {
		// A corrupt entry must not stop the node, and it changes nothing anywhere, so it is only reported.
		return &Result{Index: l.Index, Err: err}
	}
	s.mu.Lock()
	res := s.apply(l.Index, cmd)
	if cmd.Op == OpAssign && res.Err == nil {
		s.hist.last.Index, s.hist.last.At = l.Index, l.AppendedAt
		s.hist.add(s.hist.last)
	}
	s.st.Index = l.Index
	// Every applied index wakes the watchers, failed commands too: a node that answered a write waits for its
	// index (WaitIndex), whatever the entry did.
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
	return res
}

func (s *Store) apply(index uint64, c *Command) *Result {
	res := &Result{Index: index}
	switch c.Op {
	case OpPutInputs:
		res.Inputs, res.Err = s.putInputs(index, c.Inputs)
	case OpDeleteInput:
		if _, ok := s.st.Inputs[c.ID]; !ok {
			res.Err = fmt.Errorf("input %q: %w", c.ID, ErrNotFound)
			break
		}
		delete(s.st.Inputs, c.ID)
		delete(s.st.Assignments, c.ID)
		delete(s.st.Costs, c.ID)
	case OpSetNode:
		if c.Node == nil || !ValidID(c.Node.ID) {
			res.Err = errors.New("set_node: a valid node is required")
			break
		}
		s.st.Nodes[c.Node.ID] = *c.Node
	case OpAssign:
		res.Err = s.assign(c.Assign)
	case OpApply:
		res.Plan, res.Err = s.applyInputs(index, c.Apply)
	case OpSetCosts:
		s.setCosts(c.Costs)
	}
	return res
}

func (s *Store) putInputs(index uint64, ins []Input) ([]Input, error) {
	seen := make(map[string]bool, len(ins))
	for i := range ins {
		if err := ins[i].Validate(); err != nil {
			return nil, fmt.Errorf("inputs[%d]: %w", i, err)
		}
		if seen[ins[i].ID] {
			return nil, fmt.Errorf("inputs[%d]: id %q appears twice", i, ins[i].ID)
		}
		seen[ins[i].ID] = true
	}
	out := make([]Input, len(ins))
	for i, in := range ins {
		old, ok := s.st.Inputs[in.ID]
		if ok && sameSpec(old, &in) {
			// Re-submitting an identical spec changes nothing, so nothing restarts.
			out[i] = *old
			continue
		}
		in.Version = index
		stored := in
		s.st.Inputs[in.ID] = &stored
		delete(s.st.Costs, in.ID) // a changed spec (another target, plugin or config) is measured anew
		out[i] = stored
	}
	return out, nil
}

func sameSpec(a, b *Input) bool {
	return a.Plugin == b.Plugin && a.Interval == b.Interval && a.Timeout == b.Timeout && a.Jitter == b.Jitter &&
		a.Group == b.Group && SourceOf(a) == SourceOf(b) && jsonEqual(a.Config, b.Config)
}

func jsonEqual(a, b json.RawMessage) bool {
	if bytes.Equal(a, b) {
		return true
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x) // map keys marshal sorted, so equal values give equal bytes
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}

func (s *Store) assign(a *Assign) error {
	if a == nil {
		return errors.New("assign: body is required")
	}
	if a.Generation != s.st.Generation+1 {
		return fmt.Errorf("assign generation %d after %d: %w", a.Generation, s.st.Generation, ErrStaleGeneration)
	}
	s.st.Generation = a.Generation
	rec := GenerationRecord{Generation: a.Generation}
	for _, m := range a.Moves {
		if _, ok := s.st.Inputs[m.Input]; !ok {
			continue // deleted after the leader planned the move
		}
		if old := s.st.Assignments[m.Input]; old.Node != m.Node || old.Generation == 0 {
			rec.Moves = append(rec.Moves, MoveRecord{Input: m.Input, From: old.Node, To: m.Node, Reason: m.Reason})
		}
		if m.Node == "" {
			if m.Reason == "" {
				delete(s.st.Assignments, m.Input)
			} else {
				s.st.Assignments[m.Input] = Assignment{Generation: a.Generation, Reason: m.Reason}
			}
			continue
		}
		next := Assignment{Node: m.Node, Generation: a.Generation, Since: m.Since, Reason: m.Reason}
		if old, ok := s.st.Assignments[m.Input]; ok && !m.Since.IsZero() && old.Node != m.Node {
			next.Prev = old.Node
		}
		s.st.Assignments[m.Input] = next
	}
	s.hist.last = rec
	return nil
}

// WaitIndex waits until this replica has applied raft index index, or ctx ends; it reports whether it has.
func (s *Store) WaitIndex(ctx context.Context, index uint64) bool {
	for {
		ch := s.Watch()
		var applied uint64
		s.Read(func(st *State) { applied = st.Index })
		if applied >= index {
			return true
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return false
		}
	}
}
