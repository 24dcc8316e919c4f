package cluster_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/gatherd/gatherd/cluster"
	"github.com/gatherd/gatherd/testcluster"
	"github.com/gatherd/gatherd/wire"
)

// TestCapacityWeighsShares: a node with --capacity 2 takes twice the share of the others, and one with
// --capacity 0 takes none.
func TestCapacityWeighsShares(t *testing.T) {
	caps := map[int]float64{2: 2, 3: -1} // node3 twice the share, node4 none
	c := testcluster.New(t, testcluster.Options{Nodes: 4, Configure: func(i int, cfg *cluster.Config) { cfg.Capacity = caps[i] }})
	l := c.WaitLeader()
	var specs []map[string]any
	for i := range 40 {
		specs = append(specs, testcluster.RecordSpec(fmt.Sprintf("c%02d", i), time.Hour))
	}
	if code, b := c.Do(l, http.MethodPost, "/v1/inputs", map[string]any{"inputs": specs}); code != http.StatusOK {
		t.Fatalf("apply: %d %s", code, b)
	}
	c.WaitFor("40 inputs as 10 / 10 / 20 / 0", testcluster.DefaultWait, func() error {
		var a wire.Assignments
		c.GetJSON(l, "/v1/assignments?consistent=true", &a)
		got := fmt.Sprint(len(a.Nodes["node1"]), len(a.Nodes["node2"]), len(a.Nodes["node3"]), len(a.Nodes["node4"]))
		if got != "10 10 20 0" {
			return fmt.Errorf("node1..4 hold %s", got)
		}
		return nil
	})
}
