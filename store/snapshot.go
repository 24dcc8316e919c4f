package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"

	"github.com/hashicorp/raft"
)

// SnapshotVersion is the snapshot format this binary writes and the newest it restores. Bump it when an older
// binary must not load a snapshot (a field changes meaning or shape, or holds state an older binary needs).
// A field that only holds the state of skippable commands needs no bump: older binaries ignore it, as they
// skipped the commands. Snapshots without a version, written before versions, are version 1.
const SnapshotVersion = 1

// ErrSnapshotVersion is matched by Restore's error for a snapshot newer than this binary.
var ErrSnapshotVersion = errors.New("snapshot format is newer than this binary")

// snapshotData is the persisted form of State.
type snapshotData struct {
	Version     uint64                `json:"version"`
	Inputs      []Input               `json:"inputs"`
	Nodes       map[string]Node       `json:"nodes"`
	Assignments map[string]Assignment `json:"assignments"`
	Costs       Costs                 `json:"costs,omitempty"` // state of skippable commands: no version bump
	Generation  uint64                `json:"generation"`
	Index       uint64                `json:"index"`
}

type fsmSnapshot struct{ data snapshotData }

// Snapshot copies the state under the lock; persisting happens later without it, so raft never blocks Apply
// while it writes a snapshot.
func (s *Store) Snapshot() (raft.FSMSnapshot, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.fatal != nil {
		// raft would label the snapshot with the index of entries this store did not apply and then drop
		// them from its log, so that the upgraded binary would never apply them.
		return nil, fmt.Errorf("snapshot refused: %w", s.fatal)
	}
	return &fsmSnapshot{data: snapshotData{
		Version:     SnapshotVersion,
		Inputs:      s.st.SortedInputs(),
		Nodes:       maps.Clone(s.st.Nodes),
		Assignments: maps.Clone(s.st.Assignments),
		Costs:       maps.Clone(s.st.Costs),
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

// Restore replaces the whole state with a snapshot's. It refuses a snapshot of a newer format than
// SnapshotVersion with ErrSnapshotVersion, and any snapshot once the store has halted (see Fatal). It holds
// the snapshot's bytes in memory while it decodes them, as decoding JSON does anyway.
func (s *Store) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	if err := s.Fatal(); err != nil {
		return fmt.Errorf("restore snapshot refused: %w", err)
	}
	b, err := io.ReadAll(rc)
	if err != nil {
		return fmt.Errorf("restore snapshot: %w", err)
	}
	// The version first, on its own: a newer format may not decode as this one.
	var v struct {
		Version uint64 `json:"version"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("restore snapshot: %w", err)
	}
	if v.Version > SnapshotVersion {
		return fmt.Errorf("restore snapshot: format version %d, this binary reads up to version %d: upgrade gatherd on this node: %w",
			v.Version, SnapshotVersion, ErrSnapshotVersion)
	}
	var d snapshotData
	if err := json.Unmarshal(b, &d); err != nil {
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
	if d.Costs != nil {
		st.Costs = d.Costs
	}
	st.Generation, st.Index = d.Generation, d.Index
	s.mu.Lock()
	s.st = st
	s.hist = history{} // the history is not in snapshots: it restarts here
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
	return nil
}
