package store

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"

	"github.com/hashicorp/raft"
)

// snapshotData is the persisted form of State.
type snapshotData struct {
	Inputs      []Input               `json:"inputs"`
	Nodes       map[string]Node       `json:"nodes"`
	Assignments map[string]Assignment `json:"assignments"`
	Generation  uint64                `json:"generation"`
	Index       uint64                `json:"index"`
}

type fsmSnapshot struct{ data snapshotData }

// Snapshot copies the state under the lock; persisting happens later without it, so raft never blocks Apply
// while it writes a snapshot.
func (s *Store) Snapshot() (raft.FSMSnapshot, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return &fsmSnapshot{data: snapshotData{
		Inputs:      s.st.SortedInputs(),
		Nodes:       maps.Clone(s.st.Nodes),
		Assignments: maps.Clone(s.st.Assignments),
		Generation:  s.st.Generation,
		Index:       s.st.Index,
	}}, nil
}

func (f *fsmSnapshot) Persist(sink raft.SnapshotSink) error {
	if err := json.NewEncoder(sink).Encode(&f.data); err != nil {
		_ = sink.Cancel()
		return fmt.Errorf("persist snapshot: %w", err)
	}
	return sink.Close()
}

func (f *fsmSnapshot) Release() {}

// Restore replaces the whole state with a snapshot's.
func (s *Store) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	var d snapshotData
	if err := json.NewDecoder(rc).Decode(&d); err != nil {
		return fmt.Errorf("restore snapshot: %w", err)
	}
	st := newState()
	for i := range d.Inputs {
		in := d.Inputs[i]
		st.Inputs[in.ID] = &in
	}
	if d.Nodes != nil {
		st.Nodes = d.Nodes
	}
	if d.Assignments != nil {
		st.Assignments = d.Assignments
	}
	st.Generation, st.Index = d.Generation, d.Index
	s.mu.Lock()
	s.st = st
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
	return nil
}
