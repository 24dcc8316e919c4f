package store

import (
	"slices"
	"strings"
	"time"
)

// Assignment is an input's owner. Prev and Since describe a planned handoff still under way: Prev gathers the
// slots before Since and Node the slots from Since. Generation is the placement generation that set it. An
// input no node may run has an Assignment with an empty Node. Reason says why the input has this owner
// (Move.Reason), or why it has none.
type Assignment struct {
	Node       string    `json:"node"`
	Generation uint64    `json:"generation"`
	Since      time.Time `json:"since,omitzero"`
	Prev       string    `json:"prev,omitempty"`
	Reason     string    `json:"reason,omitempty"`
}

// State is the whole desired state. Readers get it through Store.Read and must not modify or retain it.
type State struct {
	Inputs      map[string]*Input     `json:"-"`
	Nodes       map[string]Node       `json:"-"`
	Assignments map[string]Assignment `json:"-"`
	Costs       Costs                 `json:"-"`
	Generation  uint64                `json:"generation"`
	Index       uint64                `json:"index"` // raft index of the last command applied
}

func newState() State {
	return State{
		Inputs:      map[string]*Input{},
		Nodes:       map[string]Node{},
		Assignments: map[string]Assignment{},
		Costs:       Costs{},
	}
}

// SortedInputs returns the inputs ordered by ID.
func (s *State) SortedInputs() []Input {
	out := make([]Input, 0, len(s.Inputs))
	for _, in := range s.Inputs {
		out = append(out, *in)
	}
	slices.SortFunc(out, func(a, b Input) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// ByNode groups assigned input IDs by owner, each list sorted, and returns the unassigned IDs sorted.
func (s *State) ByNode() (map[string][]string, []string) {
	by := map[string][]string{}
	var unassigned []string
	for id := range s.Inputs {
		a, ok := s.Assignments[id]
		if !ok || a.Node == "" {
			unassigned = append(unassigned, id)
			continue
		}
		by[a.Node] = append(by[a.Node], id)
	}
	for _, ids := range by {
		slices.Sort(ids)
	}
	slices.Sort(unassigned)
	return by, unassigned
}
