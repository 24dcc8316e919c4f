package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/gatherd/gatherd/wire"
)

func applyPost(t *testing.T, url, contentType, body string) wire.ApplyResult {
	t.Helper()
	code, b := send(t, "POST", url, contentType, body)
	if code != http.StatusOK {
		t.Fatalf("HTTP %d: %s", code, b)
	}
	var r wire.ApplyResult
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func versionsOf(t *testing.T, url string) map[string]uint64 {
	t.Helper()
	code, b := send(t, "GET", url+"/v1/inputs", "", "")
	if code != 200 {
		t.Fatalf("list: %d %s", code, b)
	}
	var l wire.InputList
	json.Unmarshal(b, &l)
	out := map[string]uint64{}
	for _, in := range l.Inputs {
		out[in.ID] = in.Version
	}
	return out
}

// TestDeclarativeApply applies a Telegraf file listing targets: one input per target, a second apply changes
// nothing, removing one target with prune deletes exactly that input and restarts no other, a dry run
// changes nothing, and another source's inputs are never pruned.
func TestDeclarativeApply(t *testing.T) {
	srv, _ := newTestAPI(t)
	const toml = "application/toml"
	doc := func(urls ...string) string {
		return "[[inputs.http_response]]\n  alias = \"web\"\n  urls = [\"" + strings.Join(urls, "\", \"") + "\"]\n" +
			"[[inputs.net_response]]\n  alias = \"ssh\"\n  address = \"127.0.0.1:22\"\n  protocol = \"tcp\"\n"
	}
	three := doc("http://127.0.0.1:1/a", "http://127.0.0.1:1/b", "http://127.0.0.1:1/c")
	// Another source's input first: prunes of "site" must leave it.
	code, b := send(t, "PUT", srv.URL+"/v1/inputs/mine?source=manual", "", `{"plugin":"probe","config":{"key":"x"}}`)
	if code != 200 {
		t.Fatalf("put: %d %s", code, b)
	}
	r := applyPost(t, srv.URL+"/v1/inputs?source=site&prune=true", toml, three)
	want := []string{"ssh", "web.http_127.0.0.1_1_a", "web.http_127.0.0.1_1_b", "web.http_127.0.0.1_1_c"}
	if !slices.Equal(r.Created, want) || r.Unchanged != 0 || len(r.Deleted) != 0 {
		t.Fatalf("first apply: %+v", r)
	}
	for _, in := range r.Inputs {
		if strings.HasPrefix(in.ID, "web.") && (in.Group != "web" || in.Source != "site" || !strings.Contains(string(in.Config), in.ID[len("web.http_127.0.0.1_1_"):])) {
			t.Fatalf("split input %+v", in)
		}
	}
	before := versionsOf(t, srv.URL)

	r = applyPost(t, srv.URL+"/v1/inputs?source=site&prune=true", toml, three)
	if len(r.Created)+len(r.Updated)+len(r.Deleted) != 0 || r.Unchanged != 4 {
		t.Fatalf("second apply changed something: %+v", r)
	}
	two := doc("http://127.0.0.1:1/a", "http://127.0.0.1:1/c")
	r = applyPost(t, srv.URL+"/v1/inputs?source=site&prune=true&dry_run=true", toml, two)
	if !r.DryRun || !slices.Equal(r.Deleted, []string{"web.http_127.0.0.1_1_b"}) || r.Unchanged != 3 {
		t.Fatalf("dry run: %+v", r)
	}
	if v := versionsOf(t, srv.URL); len(v) != 5 {
		t.Fatalf("the dry run changed the store: %v", v)
	}
	r = applyPost(t, srv.URL+"/v1/inputs?source=site&prune=true", toml, two)
	if !slices.Equal(r.Deleted, []string{"web.http_127.0.0.1_1_b"}) || r.Unchanged != 3 || len(r.Created)+len(r.Updated) != 0 {
		t.Fatalf("prune apply: %+v", r)
	}
	after := versionsOf(t, srv.URL)
	for id, v := range after {
		if before[id] != v {
			t.Errorf("%s changed version %d -> %d: it would restart", id, before[id], v)
		}
	}
	if _, ok := after["web.http_127.0.0.1_1_b"]; ok || after["mine"] == 0 {
		t.Fatalf("after the prune: %v", after)
	}
}

// TestSplitErrors sends target lists that cannot be split: each a 400 naming the table or entry and key, and
// nothing stored.
func TestSplitErrors(t *testing.T) {
	srv, fake := newTestAPI(t)
	long := "http://127.0.0.1:1/" + strings.Repeat("x", 120)
	for _, c := range []struct{ name, contentType, body, field string }{
		{"wrong type", "application/toml", "[[inputs.ping]]\n  method = \"native\"\n  urls = \"127.0.0.1\"\n", "inputs.ping[0].urls"},
		{"empty list", "application/toml", "[[inputs.ping]]\n  method = \"native\"\n  urls = []\n", "inputs.ping[0].urls"},
		{"duplicate target", "application/toml", "[[inputs.ping]]\n  method = \"native\"\n  urls = [\"127.0.0.1\", \"127.0.0.2\", \"127.0.0.1\"]\n", "inputs.ping[0].urls[2]"},
		{"ID over 128", "application/toml", "[[inputs.http_response]]\n  alias = \"web\"\n  urls = [\"http://127.0.0.1:1/\", \"" + long + "\"]\n", "inputs.http_response[0].urls[1]"},
		{"JSON batch empty list", "", `{"inputs":[{"id":"d","plugin":"dns_query","config":{"servers":[]}}]}`, "inputs[0].config.servers"},
		{"JSON batch duplicate", "", `{"inputs":[{"id":"d","plugin":"dns_query","config":{"servers":["127.0.0.1","127.0.0.1"]}}]}`, "inputs[0].config.servers[1]"},
		{"bad source", "", `{"inputs":[{"id":"d","plugin":"probe","config":{"key":"x"}}]}` + "\x00", "source"},
	} {
		url := srv.URL + "/v1/inputs"
		if c.name == "bad source" {
			url += "?source=a%20b"
			c.body = c.body[:len(c.body)-1]
		}
		code, b := send(t, "POST", url, c.contentType, c.body)
		var e wire.Error
		json.Unmarshal(b, &e)
		if code != 400 || e.Field != c.field {
			t.Errorf("%s: %d %s, want 400 on %s", c.name, code, b, c.field)
		}
	}
	if n := fake.Status().Inputs; n != 0 {
		t.Fatalf("refused applies stored %d inputs", n)
	}
}

// TestListFiltersAndPages filters GET /v1/inputs by group, source, plugin and node, and pages it with
// per_page and X-Next-Token.
func TestListFiltersAndPages(t *testing.T) {
	srv, _ := newTestAPI(t)
	var urls []string
	for i := range 7 {
		urls = append(urls, fmt.Sprintf("%q", fmt.Sprintf("http://127.0.0.1:1/%d", i)))
	}
	applyPost(t, srv.URL+"/v1/inputs?source=f", "application/toml",
		"[[inputs.http_response]]\n  alias = \"web\"\n  urls = ["+strings.Join(urls, ",")+"]\n")
	send(t, "PUT", srv.URL+"/v1/inputs/other", "", `{"plugin":"probe","config":{"key":"x"}}`)
	list := func(q string) ([]string, string) {
		code, b, h := sendHeader(t, "GET", srv.URL+"/v1/inputs"+q)
		if code != 200 {
			t.Fatalf("GET %s: %d %s", q, code, b)
		}
		var l wire.InputList
		json.Unmarshal(b, &l)
		var ids []string
		for _, in := range l.Inputs {
			ids = append(ids, in.ID)
		}
		return ids, h.Get("X-Next-Token")
	}
	if ids, _ := list("?group=web"); len(ids) != 7 {
		t.Fatalf("group: %v", ids)
	}
	if ids, _ := list("?source=api"); !slices.Equal(ids, []string{"other"}) {
		t.Fatalf("source: %v", ids)
	}
	if ids, _ := list("?plugin=probe"); !slices.Equal(ids, []string{"other"}) {
		t.Fatalf("plugin: %v", ids)
	}
	if ids, _ := list("?node=nobody"); len(ids) != 0 {
		t.Fatalf("node: %v", ids)
	}
	var all []string
	next := ""
	for pages := 0; ; pages++ {
		ids, token := list("?group=web&per_page=3&next_token=" + next)
		all = append(all, ids...)
		if token == "" {
			if pages != 2 {
				t.Fatalf("%d pages of 3 for 7 inputs", pages+1)
			}
			break
		}
		next = token
	}
	if full, _ := list("?group=web"); !slices.Equal(all, full) {
		t.Fatalf("pages %v, want %v", all, full)
	}
	if code, _, _ := sendHeader(t, "GET", srv.URL+"/v1/inputs?per_page=0"); code != 400 {
		t.Fatalf("per_page=0: %d", code)
	}
}

func sendHeader(t *testing.T, method, url string) (int, []byte, http.Header) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp.StatusCode, []byte(b.String()), resp.Header
}
