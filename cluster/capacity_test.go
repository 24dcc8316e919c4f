package cluster_test

import (
	"fmt"
	"testing"

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
	applyRecords(t, c, 40)
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
