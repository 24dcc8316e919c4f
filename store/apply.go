package store

import (
	"fmt"
	"slices"
)

// DefaultSource is the source of inputs written without one.
const DefaultSource = "api"

// Apply is a declarative apply (DESIGN.md, decision 12): Inputs become Source's inputs, each created, updated
// or left unchanged; with Prune, Source's stored inputs that Inputs lacks are deleted. Another source's inputs
// are never deleted; one that Inputs names is taken over (updated, with this source). It is one raft entry,
// all or nothing.
type Apply struct {
	Source string  `json:"source"`
	Prune  bool    `json:"prune,omitempty"`
	Inputs []Input `json:"inputs"`
}

// Plan is what an Apply changes, by input ID, each list sorted.
type Plan struct {
	Created   []string `json:"created"`
	Updated   []string `json:"updated"`
	Deleted   []string `json:"deleted"`
	Unchanged int      `json:"unchanged"`
}

// SourceOf is an input's source; inputs stored before sources existed belong to DefaultSource.
func SourceOf(in *Input) string {
	if in.Source == "" {
		return DefaultSource
	}
	return in.Source
}

// check validates an Apply as the FSM will: a source, valid and distinct inputs.
func (a *Apply) check() error {
	if a == nil {
		return fmt.Errorf("apply: body is required")
	}
	if !ValidID(a.Source) {
		return &FieldError{"source", fmt.Sprintf("%q must be 1 to %d characters of A-Z a-z 0-9 . _ -", a.Source, MaxIDLength)}
	}
	seen := make(map[string]int, len(a.Inputs))
	for i := range a.Inputs {
		if err := a.Inputs[i].Validate(); err != nil {
			return fmt.Errorf("inputs[%d]: %w", i, err)
		}
		if j, dup := seen[a.Inputs[i].ID]; dup {
			return fmt.Errorf("inputs[%d]: id %q also in inputs[%d]", i, a.Inputs[i].ID, j)
		}
		seen[a.Inputs[i].ID] = i
	}
	return nil
}

// PlanApply says what a would change in st, without changing it (a dry run, and the FSM's own first step).
func PlanApply(st *State, a *Apply) (Plan, error) {
	if err := a.check(); err != nil {
		return Plan{}, err
	}
	p := Plan{Created: []string{}, Updated: []string{}, Deleted: []string{}}
	keep := make(map[string]bool, len(a.Inputs))
	for i := range a.Inputs {
		in := a.Inputs[i]
		in.Source = a.Source
		keep[in.ID] = true
		old, ok := st.Inputs[in.ID]
		switch {
		case !ok:
			p.Created = append(p.Created, in.ID)
		case sameSpec(old, &in):
			p.Unchanged++
		default:
			p.Updated = append(p.Updated, in.ID)
		}
	}
	if a.Prune {
		for id, in := range st.Inputs {
			if !keep[id] && SourceOf(in) == a.Source {
				p.Deleted = append(p.Deleted, id)
			}
		}
	}
	slices.Sort(p.Created)
	slices.Sort(p.Updated)
	slices.Sort(p.Deleted)
	return p, nil
}

// applyInputs carries out an Apply at raft index index.
func (s *Store) applyInputs(index uint64, a *Apply) (*Plan, error) {
	p, err := PlanApply(&s.st, a)
	if err != nil {
		return nil, err
	}
	for i := range a.Inputs {
		in := a.Inputs[i]
		in.Source = a.Source
		if old, ok := s.st.Inputs[in.ID]; ok && sameSpec(old, &in) {
			continue // unchanged: same version, nothing restarts
		}
		in.Version = index
		s.st.Inputs[in.ID] = &in
		delete(s.st.Costs, in.ID) // a changed spec (another target, plugin or config) is measured anew
	}
	for _, id := range p.Deleted {
		delete(s.st.Inputs, id)
		delete(s.st.Assignments, id)
		delete(s.st.Costs, id)
	}
	return &p, nil
}
