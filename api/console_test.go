package api

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/gatherd/gatherd/console"
	"github.com/gatherd/gatherd/store"
	"github.com/gatherd/gatherd/wire"
)

// consoleAPI serves the API over a fake node with the console mounted; the *Server is returned for Close.
func consoleAPI(t *testing.T, tokens []Token) (*httptest.Server, *Server, *fakeCluster) {
	t.Helper()
	fake := newFakeCluster(nil)
	s := New(Options{Node: fake, Logger: zerolog.Nop(), WriteRate: -1, Tokens: tokens, Console: console.Handler()})
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv, s, fake
}

type answer struct {
	code   int
	header http.Header
	body   []byte
}

func get(t *testing.T, url, token string) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, b}
}

func putRecords(t *testing.T, f *fakeCluster, ids ...string) {
	t.Helper()
	var ins []store.Input
	for _, id := range ids {
		ins = append(ins, store.Input{ID: id, Plugin: "probe", Interval: store.Duration(time.Second), Config: []byte(`{"key":"x"}`)})
	}
	if _, err := f.Apply(&store.Command{Op: store.OpPutInputs, Inputs: ins}); err != nil {
		t.Fatal(err)
	}
}

func indexOf(t *testing.T, a answer) uint64 {
	t.Helper()
	n, err := strconv.ParseUint(a.header.Get(indexHeader), 10, 64)
	if err != nil {
		t.Fatalf("X-Gatherd-Index %q: %v", a.header.Get(indexHeader), err)
	}
	return n
}

func TestBlockingReadAnswersAtTheNextChange(t *testing.T) {
	srv, _, fake := consoleAPI(t, nil)
	putRecords(t, fake, "a")
	first := get(t, srv.URL+"/v1/inputs", "")
	idx := indexOf(t, first)
	done := make(chan answer, 1)
	go func() { done <- get(t, fmt.Sprintf("%s/v1/inputs?index=%d&wait=20s", srv.URL, idx), "") }()
	select {
	case a := <-done:
		t.Fatalf("answered before any change: %d %s", a.code, a.body)
	case <-time.After(300 * time.Millisecond):
	}
	putRecords(t, fake, "b")
	select {
	case a := <-done:
		var list wire.InputList
		if err := json.Unmarshal(a.body, &list); err != nil || a.code != http.StatusOK {
			t.Fatalf("%d %s", a.code, a.body)
		}
		if indexOf(t, a) <= idx || len(list.Inputs) != 2 {
			t.Fatalf("index %d (was %d), %d inputs: the answer misses the change", indexOf(t, a), idx, len(list.Inputs))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the change did not release the blocking read")
	}

	// Nothing changes: the wait ends it, with the same index.
	start := time.Now()
	a := get(t, fmt.Sprintf("%s/v1/assignments?index=%d&wait=200ms", srv.URL, idx+1), "")
	if a.code != http.StatusOK || indexOf(t, a) != idx+1 || time.Since(start) < 200*time.Millisecond {
		t.Fatalf("%d index %d after %s", a.code, indexOf(t, a), time.Since(start))
	}
	// An index from the future (a restarted node counts again) answers at once.
	start = time.Now()
	if a := get(t, srv.URL+"/v1/inputs?index=999999&wait=20s", ""); a.code != http.StatusOK || time.Since(start) > 5*time.Second {
		t.Fatalf("%d after %s", a.code, time.Since(start))
	}
}

func TestBlockingReadsEndAtClose(t *testing.T) {
	srv, s, fake := consoleAPI(t, nil)
	putRecords(t, fake, "a")
	idx := indexOf(t, get(t, srv.URL+"/v1/inputs", ""))
	done := make(chan answer, 1)
	go func() { done <- get(t, fmt.Sprintf("%s/v1/inputs?index=%d&wait=5m", srv.URL, idx), "") }()
	time.Sleep(200 * time.Millisecond) // let the read start waiting; an early Close is fine too
	s.Close()
	select {
	case a := <-done:
		if a.code != http.StatusOK {
			t.Fatalf("%d %s", a.code, a.body)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not release a blocking read")
	}
}

func TestBlockingReadRefusesBadParameters(t *testing.T) {
	srv, _, _ := consoleAPI(t, nil)
	for _, c := range []struct{ query, field string }{
		{"index=x", "index"}, {"index=-1", "index"}, {"index=1&wait=soon", "wait"}, {"index=1&wait=6m", "wait"},
		{"index=1&wait=-1s", "wait"},
	} {
		for _, path := range []string{"/v1/inputs", "/v1/status", "/v1/events", "/v1/history", "/v1/assignments"} {
			a := get(t, srv.URL+path+"?"+c.query, "")
			var e wire.Error
			if json.Unmarshal(a.body, &e); a.code != http.StatusBadRequest || e.Field != c.field {
				t.Errorf("%s?%s: %d %s, want 400 naming %s", path, c.query, a.code, a.body, c.field)
			}
		}
	}
}

func TestInputsSearchStateAndCount(t *testing.T) {
	srv, _, fake := consoleAPI(t, nil)
	var ids []string
	for i := range 30 {
		ids = append(ids, fmt.Sprintf("Web-%02d", i))
	}
	putRecords(t, fake, ids...)
	if _, err := fake.Apply(&store.Command{Op: store.OpAssign, Assign: &store.Assign{Generation: 1, Moves: []store.Move{{Input: "Web-01", Node: "n1", Reason: "new"}, {Input: "Web-11", Node: "n1", Reason: "new"}}}}); err != nil {
		t.Fatal(err)
	}
	list := func(query string) (wire.InputList, answer) {
		t.Helper()
		a := get(t, srv.URL+"/v1/inputs?"+query, "")
		var l wire.InputList
		if a.code != http.StatusOK || json.Unmarshal(a.body, &l) != nil {
			t.Fatalf("%s: %d %s", query, a.code, a.body)
		}
		return l, a
	}
	l, a := list("q=web-1&per_page=4") // case-insensitive, paged, counted
	if len(l.Inputs) != 4 || l.Inputs[0].ID != "Web-10" || a.header.Get("X-Total-Count") != "10" || a.header.Get("X-Next-Token") != "Web-14" {
		t.Fatalf("first page: %d inputs from %v, total %q, next %q", len(l.Inputs), l.Inputs[0].ID, a.header.Get("X-Total-Count"), a.header.Get("X-Next-Token"))
	}
	l, a = list("q=web-1&per_page=4&next_token=Web-18")
	if len(l.Inputs) != 2 || a.header.Get("X-Total-Count") != "10" || a.header.Get("X-Next-Token") != "" {
		t.Fatalf("last page: %d inputs, total %q, next %q", len(l.Inputs), a.header.Get("X-Total-Count"), a.header.Get("X-Next-Token"))
	}
	// The fake's worker runs nothing: its two inputs are unknown to their owner, the rest unassigned.
	if l, _ = list("state=unassigned"); len(l.Inputs) != 28 {
		t.Fatalf("%d unassigned, want 28", len(l.Inputs))
	}
	if l, _ = list("state=unknown"); len(l.Inputs) != 2 || l.Inputs[0].ID != "Web-01" || l.Inputs[0].NextSlot.IsZero() {
		t.Fatalf("unknown: %+v", l.Inputs)
	}
	if l, _ = list("state=running&q=web"); len(l.Inputs) != 0 {
		t.Fatalf("%d running", len(l.Inputs))
	}
	a = get(t, srv.URL+"/v1/inputs?state=sleeping", "")
	var e wire.Error
	if json.Unmarshal(a.body, &e); a.code != http.StatusBadRequest || e.Field != "state" {
		t.Fatalf("bad state: %d %s", a.code, a.body)
	}
}

func TestHistoryAndAnInputsMoves(t *testing.T) {
	srv, _, fake := consoleAPI(t, nil)
	putRecords(t, fake, "a", "b")
	fake.nodes["n2"] = true
	for _, asg := range []store.Assign{
		{Generation: 1, Moves: []store.Move{{Input: "a", Node: "n1", Reason: "new"}, {Input: "b", Node: "n1", Reason: "new"}}},
		{Generation: 2, Moves: []store.Move{{Input: "a", Node: "n2", Reason: "drain"}}},
	} {
		if _, err := fake.Apply(&store.Command{Op: store.OpAssign, Assign: &asg}); err != nil {
			t.Fatal(err)
		}
	}
	var h wire.History
	a := get(t, srv.URL+"/v1/history?moves=1", "")
	if json.Unmarshal(a.body, &h); a.code != http.StatusOK || len(h.Generations) != 2 {
		t.Fatalf("%d %s", a.code, a.body)
	}
	g1, g2 := h.Generations[1], h.Generations[0]
	if g2.Generation != 2 || g2.Reasons["drain"] != 1 || g2.Moves[0] != (wire.Move{Input: "a", From: "n1", To: "n2", Reason: "drain", Generation: 2}) {
		t.Fatalf("generation 2: %+v", g2)
	}
	if g1.Total != 2 || g1.Reasons["new"] != 2 || len(g1.Moves) != 1 {
		t.Fatalf("generation 1 (moves=1): %+v", g1)
	}
	var in wire.Input
	a = get(t, srv.URL+"/v1/inputs/a", "")
	if json.Unmarshal(a.body, &in); len(in.Moves) != 2 || in.Moves[0].Reason != "drain" || in.Moves[1].Reason != "new" || in.NextSlot.IsZero() {
		t.Fatalf("input a: %s", a.body)
	}
	for _, q := range []string{"limit=0", "moves=x"} {
		if a := get(t, srv.URL+"/v1/history?"+q, ""); a.code != http.StatusBadRequest {
			t.Fatalf("%s: %d", q, a.code)
		}
	}
}

func TestConsoleFilesArePublicDataIsNot(t *testing.T) {
	srv, _, _ := consoleAPI(t, []Token{{"w", RoleWrite}, {"r", RoleRead}})
	if a := get(t, srv.URL+"/", ""); a.code != http.StatusFound || a.header.Get("Location") != "/ui/" {
		t.Fatalf("GET /: %d to %q", a.code, a.header.Get("Location"))
	}
	for _, f := range []string{"/ui/", "/ui/app.js", "/ui/style.css"} {
		a := get(t, srv.URL+f, "")
		if a.code != http.StatusOK || a.header.Get("Content-Security-Policy") == "" {
			t.Fatalf("GET %s without a token: %d", f, a.code)
		}
	}
	for _, p := range []string{"/v1/status", "/v1/auth", "/ui/../v1/status", "/v1/history", "/v1/series", "/v1/nodes", "/v1/events"} {
		if a := get(t, srv.URL+p, ""); a.code == http.StatusOK {
			t.Fatalf("GET %s without a token answered %s", p, a.body)
		}
	}
	for tok, role := range map[string]string{"w": "write", "r": "read"} {
		var v wire.Auth
		a := get(t, srv.URL+"/v1/auth", tok)
		if json.Unmarshal(a.body, &v); v.Role != role {
			t.Fatalf("token %s: %d %s, want role %s", tok, a.code, a.body, role)
		}
	}
	open, _, _ := consoleAPI(t, nil)
	var v wire.Auth
	if a := get(t, open.URL+"/v1/auth", ""); json.Unmarshal(a.body, &v) != nil || v.Role != "open" {
		t.Fatalf("open API: %s", a.body)
	}
}

func TestNodesAndSeriesOfASingleNode(t *testing.T) {
	srv, _, _ := consoleAPI(t, nil)
	var nodes wire.NodeList
	if a := get(t, srv.URL+"/v1/nodes", ""); json.Unmarshal(a.body, &nodes) != nil || len(nodes.Nodes) != 0 {
		// The fake lists no members: nobody is asked.
		t.Fatalf("nodes: %s", a.body)
	}
	if a := get(t, srv.URL+"/v1/nodes?local=true", ""); json.Unmarshal(a.body, &nodes) != nil || len(nodes.Nodes) != 1 || nodes.Nodes[0].ID != "n1" || !nodes.Nodes[0].Ready || nodes.Nodes[0].Version == "" {
		t.Fatalf("nodes?local=true: %s", a.body)
	}
	var series wire.Series
	if a := get(t, srv.URL+"/v1/series?local=true", ""); json.Unmarshal(a.body, &series) != nil || len(series.Nodes) != 1 || series.Nodes[0].Node != "n1" {
		t.Fatalf("series?local=true: %s", a.body)
	}
}

// A blocking read may outlast the server's write timeout: it extends its own write deadline.
func TestBlockingReadOutlastsTheWriteTimeout(t *testing.T) {
	fake := newFakeCluster(nil)
	s := New(Options{Node: fake, Logger: zerolog.Nop(), WriteRate: -1})
	srv := httptest.NewUnstartedServer(s.Handler())
	srv.Config = NewHTTPServer("", s.Handler(), zerolog.Nop())
	srv.Config.WriteTimeout = 200 * time.Millisecond
	srv.Start()
	t.Cleanup(srv.Close)
	putRecords(t, fake, "a")
	idx := indexOf(t, get(t, srv.URL+"/v1/inputs", ""))
	a := get(t, fmt.Sprintf("%s/v1/inputs?index=%d&wait=600ms", srv.URL, idx), "")
	if a.code != http.StatusOK || len(a.body) == 0 {
		t.Fatalf("%d %q", a.code, a.body)
	}
}
