package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/gatherd/gatherd/testcluster"
	"github.com/gatherd/gatherd/wire"
)

// TestFollowerForwardsWrites is the one API test over a real cluster (the validation and error paths run
// against a fake in validation_test.go): a follower validates a write, forwards it to the leader and relays the
// answer, and the write is on every node.
func TestFollowerForwardsWrites(t *testing.T) {
	c := testcluster.New(t, testcluster.Options{Nodes: 3})
	l := c.WaitLeader()
	via := (l + 1) % 3
	code, b := c.Do(via, http.MethodPut, "/v1/inputs/fwd", testcluster.RecordSpec("fwd", time.Second))
	if code != http.StatusOK {
		t.Fatalf("PUT through a follower: %d %s", code, b)
	}
	if code, b := c.Do(via, http.MethodPut, "/v1/inputs/bad", map[string]any{"plugin": testcluster.RecordPlugin, "interval": "1ms"}); code != http.StatusBadRequest {
		t.Fatalf("a bad input through a follower: %d %s, want 400 before forwarding", code, b)
	}
	c.WaitFor("the forwarded write on every node", testcluster.DefaultWait, func() error {
		for _, i := range c.Running() {
			var st wire.Status
			c.GetJSON(i, "/v1/status", &st)
			if st.Inputs != 1 {
				return fmt.Errorf("node %d holds %d inputs", i, st.Inputs)
			}
		}
		return nil
	})
	// A consistent read through the follower is the leader's answer, headers included.
	resp, err := http.Get(c.Node(via).URL() + "/v1/inputs?consistent=true&per_page=1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Total-Count") != "1" || resp.Header.Get("X-Gatherd-Lagging") != "" {
		t.Fatalf("consistent list through a follower: %d, X-Total-Count %q, lagging %q", resp.StatusCode,
			resp.Header.Get("X-Total-Count"), resp.Header.Get("X-Gatherd-Lagging"))
	}
}

// TestWriteHeldThroughLeaderChange writes through a follower right after the leader died: the follower holds
// the write until a new leader answers, rather than failing it.
func TestWriteHeldThroughLeaderChange(t *testing.T) {
	c := testcluster.New(t, testcluster.Options{Nodes: 3})
	l := c.WaitLeader()
	via := (l + 1) % 3
	c.Kill(l)
	start := time.Now()
	code, b := c.Do(via, http.MethodPut, "/v1/inputs/held", testcluster.RecordSpec("held", time.Second))
	if code != http.StatusOK {
		t.Fatalf("PUT while the leader changes: %d %s", code, b)
	}
	t.Logf("answered after %v", time.Since(start).Round(time.Millisecond))
	var st wire.Status
	if c.GetJSON(via, "/v1/status", &st); st.LeaderID == c.Node(l).ID || st.LeaderID == "" {
		t.Fatalf("leader %q after the kill", st.LeaderID)
	}
}

// TestReadYourWritesOnFollower writes through a follower and reads at once from the same follower, 100 times:
// the follower answers a write only once it applied it, so the read always shows it (and a delete's absence).
func TestReadYourWritesOnFollower(t *testing.T) {
	c := testcluster.New(t, testcluster.Options{Nodes: 3})
	l := c.WaitLeader()
	via := (l + 1) % 3
	for i := range 100 {
		id := fmt.Sprintf("ryw-%d", i)
		code, b := c.Do(via, http.MethodPut, "/v1/inputs/"+id, testcluster.RecordSpec(id, time.Hour))
		if code != http.StatusOK {
			t.Fatalf("PUT %s: %d %s", id, code, b)
		}
		var put, got wire.Input
		json.Unmarshal(b, &put)
		if code := c.GetJSON(via, "/v1/inputs/"+id, &got); code != http.StatusOK || got.Version != put.Version {
			t.Fatalf("GET %s right after its PUT on the same node: %d, version %d want %d", id, code, got.Version, put.Version)
		}
		if code, b := c.Do(via, http.MethodDelete, "/v1/inputs/"+id, nil); code != http.StatusNoContent {
			t.Fatalf("DELETE %s: %d %s", id, code, b)
		}
		if code := c.GetJSON(via, "/v1/inputs/"+id, nil); code != http.StatusNotFound {
			t.Fatalf("GET %s right after its DELETE on the same node: %d, want 404", id, code)
		}
	}
}
