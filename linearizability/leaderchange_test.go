package linearizability_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	lin "github.com/gatherd/gatherd/linearizability"
	"github.com/gatherd/gatherd/testcluster"
)

// TestConsistentReadAfterLeaderKill aims at the moment a new leader takes over: a write the old leader
// acknowledged right before it died is committed, but the survivors may not know it yet. A consistent read that
// the new leader answers before it has applied the old term's entries would miss the write. Every survivor is
// asked in a tight loop from the kill on; every answer must show the write.
func TestConsistentReadAfterLeaderKill(t *testing.T) {
	if testing.Short() {
		t.Skip("kills the leader 15 times")
	}
	c := testcluster.New(t, testcluster.Options{Nodes: 3})
	cl := &lin.Client{HTTP: &http.Client{Timeout: 10 * time.Second}}
	for round := range 15 {
		leader := c.WaitLeader()
		in := lin.Input{Kind: lin.Put, Group: 0, Slot: round % lin.GroupSize, Value: lin.Value(round + 1)}
		if _, outcome, err := cl.Do(context.Background(), c.Node(leader).URL(), in); err != nil || outcome != lin.Done {
			t.Fatalf("round %d: put: %v, outcome %d", round, err, outcome)
		}
		c.Kill(leader)
		var wg sync.WaitGroup
		stale := make(chan lin.Value, 2)
		for _, i := range c.Running() {
			wg.Add(1)
			go func() {
				defer wg.Done()
				read := lin.Input{Kind: lin.Read, Group: in.Group, Slot: in.Slot}
				deadline := time.Now().Add(10 * time.Second)
				for answered := 0; answered < 20 && time.Now().Before(deadline); {
					out, outcome, err := cl.Do(context.Background(), c.Node(i).URL(), read)
					if err != nil {
						t.Error(err)
						return
					}
					if outcome != lin.Done {
						time.Sleep(time.Millisecond)
						continue
					}
					answered++
					if out.Value != in.Value {
						stale <- out.Value
						return
					}
				}
			}()
		}
		wg.Wait()
		close(stale)
		for v := range stale {
			t.Errorf("round %d: a consistent read after the leader's kill saw %d, not the acknowledged %d", round, v, in.Value)
		}
		c.Restart(leader)
	}
}
