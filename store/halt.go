package store

import "fmt"

// Fatal returns nil while the store applies entries, and the reason once it has halted: a command of a type
// this binary does not know and may not skip, written by a newer binary. The error names the type and the
// raft index and matches *UnknownTypeError with errors.As. A halted store stays halted for the life of the
// process: Apply, Snapshot and Restore change nothing more and return the error. The node must then shut
// down; restarted on an upgraded binary, it applies the entry from its raft log.
func (s *Store) Fatal() error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.fatal
}

// Halted returns a channel that is closed when the store halts; Fatal then says why.
func (s *Store) Halted() <-chan struct{} { return s.halted }

// skipOrHalt handles an entry of an unknown type. A skippable one is applied as a rejected command would be:
// the state is unchanged but for the index. Any other halts the store rather than apply the entries after it
// to a state no other replica has. raft cannot be told to stop from Apply (it only passes the result on), so
// the node layer watches Halted.
func (s *Store) skipOrHalt(index uint64, e *UnknownTypeError) *Result {
	e.Index = index
	s.mu.Lock()
	defer s.mu.Unlock()
	if e.Type.Skippable() {
		s.st.Index = index
		return &Result{Index: index, Err: e}
	}
	s.fatal = fmt.Errorf("store halted: %w", e)
	close(s.halted)
	return &Result{Index: index, Err: s.fatal}
}
