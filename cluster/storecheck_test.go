package cluster

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
)

// writeRaftLog makes a real raft.db with n entries of about 1 KiB (several leaf and branch pages) and returns
// its path and the entries.
func writeRaftLog(t *testing.T, n int) (string, []raft.Log) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "raft.db")
	s, err := raftboltdb.New(raftboltdb.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	var logs []*raft.Log
	var want []raft.Log
	for i := 1; i <= n; i++ {
		l := raft.Log{Index: uint64(i), Term: 1, Type: raft.LogCommand, Data: bytes.Repeat([]byte{byte(i)}, 1000)}
		logs = append(logs, &l)
		want = append(want, l)
	}
	if err := s.StoreLogs(logs); err != nil {
		t.Fatal(err)
	}
	if err := s.SetUint64([]byte("CurrentTerm"), 1); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path, want
}

func corrupt(t *testing.T, path string, f func(b []byte) []byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, f(b), 0o600); err != nil {
		t.Fatal(err)
	}
}

// wantCorrupt asserts that opening refuses with the error that says how to recover.
func wantCorrupt(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, ErrCorruptStore) || !strings.Contains(err.Error(), "empty data dir") {
		t.Fatalf("open: %v, want ErrCorruptStore saying how to recover", err)
	}
}

func TestOpenRaftLogRefusesCorruptFiles(t *testing.T) {
	const page = 4096
	cases := []struct {
		name string
		f    func(b []byte) []byte
	}{
		{"truncated to half", func(b []byte) []byte { return b[:len(b)/2] }},
		{"truncated mid-page", func(b []byte) []byte { return b[:len(b)/4+100] }},
		{"both meta pages garbage", func(b []byte) []byte {
			copy(b, bytes.Repeat([]byte{0xAB}, 2*page))
			return b
		}},
		// Zeroed pages made bbolt loop forever in a cursor before the structure check.
		{"every page after the metas zeroed", func(b []byte) []byte { return append(b[:2*page], make([]byte, len(b)-2*page)...) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path, _ := writeRaftLog(t, 200)
			corrupt(t, path, c.f)
			s, err := openRaftLog(path)
			if s != nil {
				s.Close()
			}
			wantCorrupt(t, err)
		})
	}
}

// Any page overwritten with random bytes: the open either refuses with ErrCorruptStore, or succeeds with every
// entry as written (the page was free, or a meta page bbolt has a second copy of). Never a panic, a fault, a
// hang, or entries that differ.
func TestOpenRaftLogAnyPageGarbage(t *testing.T) {
	const page = 4096
	path, want := writeRaftLog(t, 200)
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	refused := 0
	for p := range len(orig) / page {
		t.Run(fmt.Sprintf("page %d", p), func(t *testing.T) {
			b := bytes.Clone(orig)
			for i := p * page; i < (p+1)*page; i++ {
				b[i] = byte(r.Uint32())
			}
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := openRaftLog(path)
			if err != nil {
				wantCorrupt(t, err)
				refused++
				return
			}
			defer s.Close()
			for _, w := range want {
				var l raft.Log
				if err := s.GetLog(w.Index, &l); err != nil || l.Term != w.Term || !bytes.Equal(l.Data, w.Data) {
					t.Fatalf("entry %d after the open succeeded: %v, differs: %v", w.Index, err, !bytes.Equal(l.Data, w.Data))
				}
			}
		})
	}
	if refused == 0 {
		t.Fatal("no page's garbage was refused: the check checks nothing")
	}
	t.Logf("%d of %d pages refused", refused, len(orig)/page)
}

func TestOpenRaftLogIntact(t *testing.T) {
	path, want := writeRaftLog(t, 200)
	s, err := openRaftLog(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	last, _ := s.LastIndex()
	if last != uint64(len(want)) {
		t.Fatalf("last index %d, want %d", last, len(want))
	}
	// A fresh node has no file yet.
	s2, err := openRaftLog(filepath.Join(t.TempDir(), "raft.db"))
	if err != nil {
		t.Fatal(err)
	}
	s2.Close()
}
