package cluster

import (
	"fmt"
	"sync"

	"github.com/hashicorp/raft"
)

// diskHealth wraps the raft log and stable store and remembers whether the last write to them failed (the
// data dir full, a read-only or failing disk). raft only logs such an error: a follower that cannot append
// rejects every entry after it and keeps answering heartbeats, so its store stays behind while its commit
// index, which never passes its own log, says it is caught up. The node would keep running inputs the leader
// has moved away and answer reads from a store frozen in the past. With the error known, the node fences
// itself (stops its inputs, not ready: the leader moves them) and says why in /v1/status, /readyz and its log,
// until a write succeeds again.
type diskHealth struct {
	raft.LogStore
	raft.StableStore
	mu sync.Mutex
	// The last write's error of each store, nil once one succeeds: kept apart, so that a term or vote written
	// fine does not hide a log that still cannot be appended to.
	logErr, stableErr error
}

func (d *diskHealth) note(dst *error, err error) error {
	d.mu.Lock()
	*dst = err
	d.mu.Unlock()
	return err
}

// Err is the last write's error, or nil.
func (d *diskHealth) Err() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	err := d.logErr
	if err == nil {
		err = d.stableErr
	}
	if err == nil {
		return nil
	}
	return fmt.Errorf("cannot write the raft log in the data dir: %w", err)
}

func (d *diskHealth) StoreLog(l *raft.Log) error { return d.note(&d.logErr, d.LogStore.StoreLog(l)) }
func (d *diskHealth) StoreLogs(ls []*raft.Log) error {
	return d.note(&d.logErr, d.LogStore.StoreLogs(ls))
}
func (d *diskHealth) Set(k, v []byte) error { return d.note(&d.stableErr, d.StableStore.Set(k, v)) }
func (d *diskHealth) SetUint64(k []byte, v uint64) error {
	return d.note(&d.stableErr, d.StableStore.SetUint64(k, v))
}
