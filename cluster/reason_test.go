package cluster_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/gatherd/gatherd/testcluster"
	"github.com/gatherd/gatherd/wire"
)

// TestMovesRecordTheirCause checks that an input's reason says why it runs where it does: new (or join), then
// drain when its owner is drained, then crash when its owner dies.
func TestMovesRecordTheirCause(t *testing.T) {
	c := testcluster.New(t, testcluster.Options{Nodes: 3})
	l := c.WaitLeader()
	applyRecords(t, c, 6)
	reasons := func() map[string]wire.Input {
		var list wire.InputList
		if code := c.GetJSON(l, "/v1/inputs?consistent=true", &list); code != http.StatusOK {
			t.Fatalf("list: HTTP %d", code)
		}
		out := map[string]wire.Input{}
		for _, in := range list.Inputs {
			out[in.ID] = in
		}
		return out
	}
	// Nodes take inputs once they are ready; a node ready after the first placement takes its share with a
	// planned move, which says join.
	c.WaitFor("every input placed, two per node, as new or join", testcluster.DefaultWait, func() error {
		now := reasons()
		perNode := map[string]int{}
		for id, in := range now {
			if in.Node == "" || (in.Reason != "new" && in.Reason != "join") {
				return fmt.Errorf("%s: node %q reason %q", id, in.Node, in.Reason)
			}
			perNode[in.Node]++
		}
		if len(now) != 6 || len(perNode) != 3 {
			return fmt.Errorf("%d inputs on %v", len(now), perNode)
		}
		return nil
	})
	drained := c.Node((l + 1) % 3).ID
	var moved []string
	for id, in := range reasons() {
		if in.Node == drained {
			moved = append(moved, id)
		}
	}
	if code, b := c.Do(l, http.MethodPost, "/v1/nodes/"+drained+"/drain", nil); code != http.StatusOK {
		t.Fatalf("drain: %d %s", code, b)
	}
	c.WaitFor("the drained node's inputs moved with reason drain", testcluster.DefaultWait, func() error {
		now := reasons()
		for _, id := range moved {
			if now[id].Node == drained || now[id].Reason != "drain" {
				return fmt.Errorf("%s: node %q reason %q", id, now[id].Node, now[id].Reason)
			}
		}
		return nil
	})
	victim := (l + 2) % 3
	var orphans []string
	for id, in := range reasons() {
		if in.Node == c.Node(victim).ID {
			orphans = append(orphans, id)
		}
	}
	c.Kill(victim)
	c.WaitFor("the dead node's inputs moved with reason crash", testcluster.DefaultWait, func() error {
		now := reasons()
		for _, id := range orphans {
			if now[id].Node == c.Node(victim).ID || now[id].Reason != "crash" {
				return fmt.Errorf("%s: node %q reason %q", id, now[id].Node, now[id].Reason)
			}
		}
		return nil
	})
	if len(moved) == 0 || len(orphans) == 0 {
		t.Fatalf("nothing to observe: %d drained, %d orphaned", len(moved), len(orphans))
	}
}
