package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/gatherd/gatherd/api"
	"github.com/gatherd/gatherd/testcluster"
	"github.com/gatherd/gatherd/wire"
)

// TestReadsThatAskEveryNode: /v1/nodes, /v1/series and the owners' status in /v1/inputs, read through a
// follower with a read token, gather every live node's own answer (the token travels with the fan-out).
func TestReadsThatAskEveryNode(t *testing.T) {
	c := testcluster.New(t, testcluster.Options{Nodes: 3, Tokens: []api.Token{{Value: "w", Role: api.RoleWrite}, {Value: "r", Role: api.RoleRead}}})
	l := c.WaitLeader()
	via := (l + 1) % 3
	var batch []map[string]any
	for i := range 6 {
		batch = append(batch, testcluster.RecordSpec(fmt.Sprintf("fan-%d", i), 500*time.Millisecond))
	}
	if code, b := c.Do(l, http.MethodPost, "/v1/inputs", map[string]any{"inputs": batch}); code != http.StatusOK {
		t.Fatalf("put: %d %s", code, b)
	}
	read := func(path string, v any) error {
		code, b, err := c.TryDoAs(via, "r", http.MethodGet, path, nil)
		if err != nil || code != http.StatusOK {
			return fmt.Errorf("GET %s: %d %s %v", path, code, b, err)
		}
		return json.Unmarshal(b, v)
	}
	c.WaitFor("every node ready by its own account", testcluster.DefaultWait, func() error {
		var v wire.NodeList
		if err := read("/v1/nodes", &v); err != nil {
			return err
		}
		if len(v.Nodes) != 3 {
			return fmt.Errorf("%d nodes: %+v", len(v.Nodes), v.Nodes)
		}
		for _, n := range v.Nodes {
			if !n.Ready || n.Error != "" || n.Version == "" {
				return fmt.Errorf("%+v", n)
			}
		}
		return nil
	})
	c.WaitFor("every input running, as its owner says", testcluster.DefaultWait, func() error {
		var v wire.InputList
		if err := read("/v1/inputs?state=running", &v); err != nil {
			return err
		}
		owners := map[string]bool{}
		for _, in := range v.Inputs {
			if in.Status == nil || in.Status.State != "running" {
				return fmt.Errorf("%s: %+v", in.ID, in.Status)
			}
			owners[in.Node] = true
		}
		if len(v.Inputs) != 6 || len(owners) < 2 {
			return fmt.Errorf("%d running on %d owners", len(v.Inputs), len(owners))
		}
		return nil
	})
	c.WaitFor("a 10 s window of gathers from every node that runs inputs", 30*time.Second, func() error {
		var v wire.Series
		if err := read("/v1/series", &v); err != nil {
			return err
		}
		var a wire.Assignments
		c.GetJSON(via, "/v1/assignments", &a)
		if len(v.Nodes) != 3 {
			return fmt.Errorf("%d series", len(v.Nodes))
		}
		for _, s := range v.Nodes {
			var gathers uint64
			for _, p := range s.Points {
				gathers += p.Gathers
			}
			if s.Error != "" || (len(a.Nodes[s.Node]) > 0 && gathers == 0) {
				return fmt.Errorf("%s: %d gathers in %d points, error %q", s.Node, gathers, len(s.Points), s.Error)
			}
		}
		return nil
	})
	c.Kill((l + 2) % 3)
	c.WaitFor("the dead node no longer asked", testcluster.DefaultWait, func() error {
		var v wire.NodeList
		if err := read("/v1/nodes", &v); err != nil {
			return err
		}
		if len(v.Nodes) != 2 {
			return fmt.Errorf("%d nodes", len(v.Nodes))
		}
		return nil
	})
}
