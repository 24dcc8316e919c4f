package cluster_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/gatherd/gatherd/testcluster"
)

// A leader cut off from the others fences itself while the majority takes its inputs over; once the cut heals it
// must not run its old assignment again before it has the entries that moved its inputs away (heartbeats come
// first and do not move its commit index). Every slot from just before the heal on is gathered exactly once.
// It used to double the slots after the heal until the planned move back.
func TestHealedLeaderRunsNothingTwice(t *testing.T) {
	c := testcluster.New(t, testcluster.Options{Nodes: 3, FenceTimeout: 3 * time.Second})
	ids := applyRecords(t, c, 24)
	waitRunning(t, c, ids)
	for round := range 2 {
		old := c.WaitLeader()
		c.Partition(old)
		c.WaitFor("the cut-off leader fenced with nothing running", testcluster.DefaultWait, func() error {
			in := c.Node(old).Node
			if !in.Fenced() || in.Worker().Running() != 0 {
				return fmt.Errorf("fenced=%v running=%d", in.Fenced(), in.Worker().Running())
			}
			return nil
		})
		maj := (old + 1) % 3
		c.WaitFor("the majority owning every input", testcluster.DefaultWait, func() error {
			own := ownersVia(t, c, maj)
			for _, id := range ids {
				if own[id] == c.Node(old).ID || own[id] == "" {
					return fmt.Errorf("%s on %q", id, own[id])
				}
			}
			return nil
		})
		time.Sleep(2 * time.Second)
		heal := time.Now()
		c.Heal()
		time.Sleep(12 * time.Second) // through the planned move back to the healed node
		r := expectExactlyOnce(t, c, ids, heal.Add(-time.Second), time.Now().Add(-time.Second))
		t.Logf("round %d: from the heal on, %s", round, r)
	}
}
