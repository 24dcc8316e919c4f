package cluster

import (
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
	"go.etcd.io/bbolt"
)

// ErrCorruptStore marks a raft log this node cannot start from.
var ErrCorruptStore = errors.New("raft log is corrupt")

// corruptStore is the error a node refuses to start with: what is wrong and how to recover. The recovery is the
// one raft offers: a member with an empty log is sent the state by the leader.
func corruptStore(path string, cause any) error {
	return fmt.Errorf("%w: %s: %v. This node cannot start from it. To recover, move the data dir aside (keep it "+
		"for inspection) and start the node again, under the same node ID, with an empty data dir: it rejoins the "+
		"cluster and the leader sends it the whole state; move its outputs/ folder (output buffers not yet "+
		"delivered) into the new data dir first. A single-node cluster has no other copy: restore the data "+
		"dir from a backup", ErrCorruptStore, path, cause)
}

// openRaftLog opens raft.db after checking it, so that a corrupt file makes the node refuse to start with
// corruptStore instead of panicking (bbolt panics on a corrupt page, at open or at any later read, and raft
// panics when it cannot decode an entry it applies; under a restart policy either is a panic loop, on every
// start, without a word on what to do). The check reads every page of the file in this goroutine, where a
// panic can be recovered, and decodes every log entry; it takes milliseconds for a raft log that snapshots
// keep short.
func openRaftLog(path string) (store *raftboltdb.BoltStore, err error) {
	if err := checkBolt(path); err != nil {
		return nil, err
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if p := recover(); p != nil {
			if store != nil {
				store.Close()
			}
			store, err = nil, corruptStore(path, p)
		}
	}()
	store, err = raftboltdb.New(raftboltdb.Options{Path: path, BoltOptions: &bbolt.Options{Timeout: 5 * time.Second}})
	if err != nil {
		if errors.Is(err, bbolt.ErrInvalid) || errors.Is(err, bbolt.ErrChecksum) || errors.Is(err, bbolt.ErrVersionMismatch) {
			return nil, corruptStore(path, err)
		}
		return nil, err
	}
	if err := checkLogs(store); err != nil {
		store.Close()
		return nil, corruptStore(path, err)
	}
	return store, nil
}

// checkBolt checks the file's page structure (checkBoltFile), then opens it read-only and reads every key,
// which bbolt can do without looping once the structure is sound.
func checkBolt(path string) (err error) {
	if err := checkBoltFile(path); err != nil {
		return corruptStore(path, err)
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if p := recover(); p != nil {
			err = corruptStore(path, p)
		}
	}()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if errors.Is(err, bbolt.ErrInvalid) || errors.Is(err, bbolt.ErrChecksum) || errors.Is(err, bbolt.ErrVersionMismatch) {
		return corruptStore(path, err)
	}
	if err != nil {
		return nil // a file that does not exist yet, or a lock held: the real open says what it is
	}
	defer db.Close()
	err = db.View(func(tx *bbolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bbolt.Bucket) error {
			return b.ForEach(func(k, v []byte) error { return nil })
		})
	})
	if err != nil {
		return corruptStore(path, err)
	}
	return nil
}

// checkLogs decodes every entry between the first and last index, as raft will when it applies them.
func checkLogs(s *raftboltdb.BoltStore) error {
	first, err := s.FirstIndex()
	if err != nil {
		return err
	}
	last, err := s.LastIndex()
	if err != nil {
		return err
	}
	if first == 0 {
		return nil // empty
	}
	var l raft.Log
	for i := first; i <= last; i++ {
		if err := s.GetLog(i, &l); err != nil {
			return fmt.Errorf("entry %d of %d-%d: %w", i, first, last, err)
		}
	}
	return nil
}
