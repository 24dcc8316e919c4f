package agent_test

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatherd/gatherd/api"
	"github.com/gatherd/gatherd/testcluster"
	"github.com/gatherd/gatherd/wire"
)

// These tests start nodes through the same assembly as `gatherd agent` (testcluster builds them with
// agent.New): mutual TLS between nodes, API tokens and Telegraf outputs as users run them.

func TestMutualTLSCluster(t *testing.T) {
	c := testcluster.New(t, testcluster.Options{Nodes: 3, TLS: true})
	l := c.WaitLeader()
	follower := (l + 1) % 3
	if !strings.HasPrefix(c.Node(follower).URL(), "https://") {
		t.Fatalf("API at %s, want https", c.Node(follower).URL())
	}
	// A write on a follower is forwarded to the leader over TLS, with the follower's certificate.
	if code, b := c.Do(follower, http.MethodPut, "/v1/inputs/tls", testcluster.RecordSpec("tls", time.Second)); code != http.StatusOK {
		t.Fatalf("write through a follower: %d %s", code, b)
	}
	c.WaitFor("the input on every node", testcluster.DefaultWait, func() error {
		for _, i := range c.Running() {
			var in wire.Input
			if code := c.GetJSON(i, "/v1/inputs/tls", &in); code != http.StatusOK {
				return fmt.Errorf("node %d: HTTP %d", i, code)
			}
		}
		return nil
	})
	c.WaitFor("the input gathering", testcluster.DefaultWait, func() error {
		if len(c.Recorder.Hits("tls")) == 0 {
			return fmt.Errorf("no gather yet")
		}
		return nil
	})
	// Plain HTTP to the HTTPS API gets no answer of the API.
	plain := "http://" + strings.TrimPrefix(c.Node(l).URL(), "https://") + "/v1/status"
	if resp, err := http.Get(plain); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Fatal("plain HTTP answered 200")
		}
	}
}

func TestReadTokenRefusedOnWrites(t *testing.T) {
	c := testcluster.New(t, testcluster.Options{Nodes: 3, Tokens: []api.Token{
		{Value: "writer", Role: api.RoleWrite}, {Value: "reader", Role: api.RoleRead},
	}})
	l := c.WaitLeader()
	if code, b := c.Do(l, http.MethodPut, "/v1/inputs/kept", testcluster.RecordSpec("kept", time.Second)); code != http.StatusOK {
		t.Fatalf("write with the write token: %d %s", code, b)
	}
	var before wire.Input
	c.GetJSON(l, "/v1/inputs/kept", &before)
	for _, i := range c.Running() {
		for _, w := range []struct {
			method, path string
			body         any
		}{
			{http.MethodPut, "/v1/inputs/kept", testcluster.RecordSpec("other", 2*time.Second)},
			{http.MethodDelete, "/v1/inputs/kept", nil},
			{http.MethodPost, "/v1/nodes/node1/drain", nil},
		} {
			code, b, err := c.TryDoAs(i, "reader", w.method, w.path, w.body)
			if err != nil || code != http.StatusForbidden {
				t.Errorf("node %d: %s %s with the read token: %d %s %v, want 403", i, w.method, w.path, code, b, err)
			}
		}
		if code, _, _ := c.TryDoAs(i, "reader", http.MethodGet, "/v1/inputs/kept?consistent=true", nil); code != http.StatusOK {
			t.Errorf("node %d: read with the read token: %d", i, code)
		}
		if code, _, _ := c.TryDoAs(i, "", http.MethodGet, "/v1/inputs/kept", nil); code != http.StatusUnauthorized {
			t.Errorf("node %d: read without a token: %d, want 401", i, code)
		}
	}
	var after wire.Input
	c.GetJSON(l, "/v1/inputs/kept?consistent=true", &after)
	if after.Version != before.Version || after.Interval != before.Interval {
		t.Fatalf("refused writes changed the input: %+v -> %+v", before, after)
	}
}

// lineReceiver is an InfluxDB 1.x write endpoint on loopback that keeps every line it gets.
type lineReceiver struct {
	*httptest.Server
	mu    sync.Mutex
	lines []string
}

func newLineReceiver(t *testing.T) *lineReceiver {
	r := &lineReceiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path == "/write" {
			var body io.Reader = req.Body
			if req.Header.Get("Content-Encoding") == "gzip" { // the influxdb output's default
				zr, err := gzip.NewReader(req.Body)
				if err != nil {
					http.Error(w, err.Error(), http.StatusBadRequest)
					return
				}
				body = zr
			}
			sc := bufio.NewScanner(body)
			r.mu.Lock()
			for sc.Scan() {
				r.lines = append(r.lines, sc.Text())
			}
			r.mu.Unlock()
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.Close)
	return r
}

// series returns, per series key (measurement and tags), the timestamps written, from lines after skip.
func (r *lineReceiver) series(skip int) (map[string][]string, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string][]string{}
	for _, l := range r.lines[min(skip, len(r.lines)):] {
		parts := strings.Fields(l) // measurement,tags fields timestamp
		if len(parts) == 3 {
			out[parts[0]] = append(out[parts[0]], parts[2])
		}
	}
	return out, len(r.lines)
}

func TestOutputThroughNodeKill(t *testing.T) {
	rx := newLineReceiver(t)
	outputs := fmt.Sprintf("[[outputs.influxdb]]\n  urls = [%q]\n  database = \"gatherd\"\n  skip_database_creation = true\n  flush_interval = \"1s\"\n", rx.URL)
	c := testcluster.New(t, testcluster.Options{Nodes: 3, Outputs: outputs})
	l := c.WaitLeader()
	const n = 6
	var specs []map[string]any
	for i := range n {
		specs = append(specs, testcluster.RecordSpec(fmt.Sprintf("out-%d", i), time.Second))
	}
	if code, b := c.Do(l, http.MethodPost, "/v1/inputs", map[string]any{"inputs": specs}); code != http.StatusOK {
		t.Fatalf("apply: %d %s", code, b)
	}
	var before map[string][]string
	c.WaitFor("every input's series at the database", testcluster.DefaultWait, func() error {
		before, _ = rx.series(0)
		if len(before) != n {
			return fmt.Errorf("%d series: %v", len(before), before)
		}
		return nil
	})
	victim := (l + 1) % 3
	var owned int
	for _, st := range c.Node(victim).Node.Local() {
		if strings.HasPrefix(st.ID, "out-") {
			owned++
		}
	}
	_, mark := rx.series(0)
	c.Kill(victim)
	c.WaitFor("every series written again after the kill, under the same key", testcluster.DefaultWait, func() error {
		after, _ := rx.series(mark)
		for key := range before {
			if len(after[key]) < 2 {
				return fmt.Errorf("series %s: %d points since the kill", key, len(after[key]))
			}
		}
		if len(after) != n {
			return fmt.Errorf("%d series since the kill, want the same %d: %v", len(after), n, after)
		}
		return nil
	})
	t.Logf("node %d killed with %d of the inputs; every series continued under the same key", victim, owned)
}
