package cluster_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatherd/gatherd/store"
	"github.com/gatherd/gatherd/testcluster"
)

// TestCommandFromTheFuture plays what a newer binary could write during a rolling upgrade: a command type this
// binary does not know. Flagged skippable, every node skips it and goes on; without the flag every node stops
// with an error naming the type, the index and the upgrade, rather than applying the log differently.
func TestCommandFromTheFuture(t *testing.T) {
	c := testcluster.New(t, testcluster.Options{Nodes: 3})
	l := c.WaitLeader()
	skippable := 99 | int(store.IgnoreUnknownTypeFlag)
	if _, err := c.Node(l).Node.ApplyRaw([]byte(fmt.Sprintf(`{"type":%d,"future":{"x":1}}`, skippable))); err != nil {
		t.Fatal(err)
	}
	if code, b := c.Do(l, http.MethodPut, "/v1/inputs/after", testcluster.RecordSpec("after", time.Second)); code != http.StatusOK {
		t.Fatalf("a write after a skippable command: %d %s", code, b)
	}
	for _, i := range c.Running() {
		if err := c.Node(i).Node.Store().Fatal(); err != nil {
			t.Fatalf("node %d halted on a skippable command: %v", i, err)
		}
	}

	index, err := c.Node(l).Node.ApplyRaw([]byte(`{"type":99,"future":{"x":1}}`))
	if err != nil {
		t.Fatal(err)
	}
	// The leader applies the entry as soon as it is committed and stops; a follower that had not yet heard the
	// commit index from it never applies the entry (nor anything after it) until an upgraded leader tells it.
	halted := 0
	for _, i := range c.Running() {
		n := c.Node(i).Node
		select {
		case <-n.Done():
		case <-time.After(testcluster.DefaultWait / 3):
		}
		err := n.Store().Fatal()
		var applied uint64
		n.Store().Read(func(st *store.State) { applied = st.Index })
		switch {
		case err != nil:
			halted++
			if !strings.Contains(err.Error(), "command type 99") || !strings.Contains(err.Error(), "upgrade") {
				t.Fatalf("node %d: fatal error %v, want one naming type 99 and the upgrade", i, err)
			}
			select {
			case <-n.Done():
			default:
				t.Fatalf("node %d halted but still runs", i)
			}
		case applied >= index:
			t.Fatalf("node %d applied past raft index %d without halting", i, index)
		}
	}
	if halted < 2 {
		t.Fatalf("%d nodes halted, want at least a quorum (the leader and the followers that acknowledged)", halted)
	}
}
