package cluster_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/gatherd/gatherd/cluster"
	"github.com/gatherd/gatherd/testcluster"
)

// TestNodesExportRaftAndMemberlistMetrics: once the cluster has formed, every node's registry (what its
// /metrics serves) holds raft's and memberlist's own series next to gatherd's, without a host name.
func TestNodesExportRaftAndMemberlistMetrics(t *testing.T) {
	c := testcluster.New(t, testcluster.Options{Nodes: 3})
	leader := c.WaitLeader()
	c.WaitFor("raft and memberlist series on every node", testcluster.DefaultWait, func() error {
		for _, i := range c.Running() {
			got, err := cluster.GatheredSeries(c.Node(i).Registry)
			if err != nil {
				return fmt.Errorf("node %d: gather: %w", i, err)
			}
			atLeast := map[string]float64{
				"gatherd_raft_term":    1, // gatherd's own series stay
				"raft_peers":           3,
				"raft_state_follower":  1, // every node starts as a follower
				"memberlist_gossip":    1, // samples per gossip round
				"memberlist_probeNode": 1, // samples per probe of a peer
			}
			if i == leader {
				atLeast["raft_state_leader"] = 1
				atLeast["raft_commitTime"] = 1
			}
			var missing []error
			for series, min := range atLeast {
				if got[series] < min {
					missing = append(missing, fmt.Errorf("%s = %v, want at least %v", series, got[series], min))
				}
			}
			if err := errors.Join(missing...); err != nil {
				return fmt.Errorf("node %d: %w", i, err)
			}
		}
		return nil
	})

	code, body := c.Do(leader, http.MethodGet, "/metrics", nil)
	if code != http.StatusOK {
		t.Fatalf("GET /metrics on the leader: %d %s", code, body)
	}
	for _, line := range strings.Split(string(body), "\n") {
		// go-metrics' EnableHostname would have made it <host>_raft_peers
		if !strings.HasPrefix(line, "#") && strings.Contains(line, "raft_peers") && !strings.HasPrefix(line, "raft_peers") {
			t.Errorf("a raft gauge carries a prefix: %s", line)
		}
		if strings.Contains(line, "gatherd_memberlist_node") {
			t.Errorf("the routing label reached /metrics: %s", line)
		}
	}
	for _, name := range []string{"raft_commitTime", "raft_leader_lastContact", "memberlist_probeNode", "gatherd_raft_leader"} {
		if !strings.Contains(string(body), "\n"+name) {
			t.Errorf("/metrics on the leader lacks %s", name)
		}
	}
}
