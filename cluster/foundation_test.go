package cluster_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/gatherd/gatherd/testcluster"
)

type inputView struct {
	ID       string `json:"id"`
	Plugin   string `json:"plugin"`
	Interval string `json:"interval"`
	Version  uint64 `json:"version"`
	Node     string `json:"node"`
}

func putRecord(t *testing.T, c *testcluster.Cluster, via int, id string, every time.Duration) inputView {
	t.Helper()
	code, b := c.Do(via, http.MethodPut, "/v1/inputs/"+id, testcluster.RecordSpec(id, every))
	if code != http.StatusOK {
		t.Fatalf("PUT %s via node %d: %d %s", id, via, code, b)
	}
	var v inputView
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func follower(c *testcluster.Cluster, leader int) int {
	for _, i := range c.Running() {
		if i != leader {
			return i
		}
	}
	return -1
}

// readableEverywhere waits until every running node serves the input at least at version.
func readableEverywhere(t *testing.T, c *testcluster.Cluster, id string, version uint64) {
	t.Helper()
	c.WaitFor("input "+id+" readable on every node", testcluster.DefaultWait, func() error {
		for _, i := range c.Running() {
			var v inputView
			if code := c.GetJSON(i, "/v1/inputs/"+id, &v); code != http.StatusOK || v.Version < version {
				return fmt.Errorf("node %d answers %d with version %d", i, code, v.Version)
			}
		}
		return nil
	})
}

func TestThreeNodesElectOneLeaderAndForwardWrites(t *testing.T) {
	c := testcluster.New(t, testcluster.Options{Nodes: 3})
	leader := c.WaitLeader()
	leaders := 0
	for _, i := range c.Running() {
		if c.Node(i).Node.IsLeader() {
			leaders++
		}
	}
	if leaders != 1 {
		t.Fatalf("%d nodes think they lead", leaders)
	}
	f := follower(c, leader)
	v := putRecord(t, c, f, "cpu-1", time.Second)
	if v.Version == 0 || v.Plugin != testcluster.RecordPlugin {
		t.Fatalf("follower answered %+v", v)
	}
	readableEverywhere(t, c, "cpu-1", v.Version)

	var st struct {
		NodeID   string `json:"node_id"`
		LeaderID string `json:"leader_id"`
		Members  []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
			Voter  bool   `json:"voter"`
			API    string `json:"api_addr"`
		} `json:"members"`
		Inputs int `json:"inputs"`
	}
	if code := c.GetJSON(f, "/v1/status", &st); code != http.StatusOK {
		t.Fatalf("status: %d", code)
	}
	if st.LeaderID != c.Node(leader).ID || len(st.Members) != 3 || st.Inputs != 1 {
		t.Fatalf("status = %+v", st)
	}
	for _, m := range st.Members {
		if m.Status != "alive" || !m.Voter || m.API == "" {
			t.Fatalf("member %+v: want an alive voter with an API address", m)
		}
	}
	code, _ := c.Do(f, http.MethodDelete, "/v1/inputs/cpu-1", nil)
	if code != http.StatusNoContent {
		t.Fatalf("delete via follower: %d", code)
	}
	if code, _ := c.Do(f, http.MethodDelete, "/v1/inputs/cpu-1", nil); code != http.StatusNotFound {
		t.Fatalf("second delete: %d, want 404", code)
	}
}
