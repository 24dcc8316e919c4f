package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// seenRequest is one request the fake API answered.
type seenRequest struct {
	Method, Path, ContentType, Auth, Body string
	Query                                 string
}

// fakeAPI answers "METHOD /path" with a fixed status and body, and records every request.
type fakeAPI struct {
	*httptest.Server
	mu   sync.Mutex
	seen []seenRequest
}

type answer struct {
	code int
	body string
}

const statusJSON = `{"node_id":"n1","leader_id":"n2","raft_state":"Follower","term":3,
 "members":[
  {"id":"n1","status":"alive","state":"alive","voter":true,"raft":"voter","api_addr":"10.0.0.1:8080","raft_addr":"10.0.0.1:7947","gossip_addr":"10.0.0.1:7946"},
  {"id":"n2","status":"alive","state":"draining","voter":true,"raft":"voter","api_addr":"10.0.0.2:8080","raft_addr":"10.0.0.2:7947","gossip_addr":"10.0.0.2:7946"}],
 "inputs":2,"applied_index":17,"commit_index":17,"generation":5,"fenced":false,"running":1}`

const inputsJSON = `{"inputs":[{"id":"cpu","plugin":"cpu","interval":"10s","version":2,"node":"n1","generation":5},
 {"id":"mem","plugin":"mem","interval":"1m0s","version":1,"node":"","generation":0}]}`

func newFakeAPI(t *testing.T, answers map[string]answer) *fakeAPI {
	t.Helper()
	f := &fakeAPI{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.seen = append(f.seen, seenRequest{r.Method, r.URL.Path, r.Header.Get("Content-Type"), r.Header.Get("Authorization"), string(b), r.URL.RawQuery})
		f.mu.Unlock()
		a, ok := answers[r.Method+" "+r.URL.Path]
		if !ok {
			a = answer{404, `{"error":"no route for ` + r.Method + " " + r.URL.Path + `"}`}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(a.code)
		_, _ = io.WriteString(w, a.body)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeAPI) requests() []seenRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seenRequest(nil), f.seen...)
}

// run executes the root command with args and returns its standard output and error.
func run(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	root := newRootCmd()
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetIn(strings.NewReader(stdin))
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), errOut.String(), err
}

func TestStatusTable(t *testing.T) {
	api := newFakeAPI(t, map[string]answer{"GET /v1/status": {200, statusJSON}})
	out, _, err := run(t, "", "status", "--addr", api.URL)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Node:        n1\n",
		"Leader:      n2\n",
		"Raft state:  Follower (term 3, applied 17, commit 17)\n",
		"Inputs:      2 (1 running on n1)\n",
		"Generation:  5\n",
		"Fenced:      false\n",
		"ID  STATUS  STATE     RAFT   API\n",
		"n1  alive   alive     voter  10.0.0.1:8080\n",
		"n2  alive   draining  voter  10.0.0.2:8080\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestTables(t *testing.T) {
	api := newFakeAPI(t, map[string]answer{
		"GET /v1/members":     {200, `{"members":[{"id":"n1","status":"alive","state":"alive","raft":"voter","api_addr":"a:1","stopping":true}]}`},
		"GET /v1/inputs":      {200, inputsJSON},
		"GET /v1/inputs/cpu":  {200, `{"id":"cpu","plugin":"cpu","interval":"10s","config":{"percpu": true},"version":2,"node":"n1","generation":5}`},
		"GET /v1/assignments": {200, `{"generation":5,"nodes":{"n2":["b"],"n1":["a","c"]},"unassigned":["d"]}`},
		"GET /v1/local":       {200, `{"node":"n1","fenced":false,"inputs":[{"id":"cpu","plugin":"cpu","version":2,"started":"2025-01-01T00:00:00Z","gathers":7,"errors":1,"overruns":0,"panics":0}]}`},
		"GET /v1/plugins":     {200, `{"plugins":["cpu","mem"]}`},
	})
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"members"}, []string{"ID  STATUS  STATE             RAFT   API\n", "n1  alive   alive (stopping)  voter  a:1\n"}},
		{[]string{"inputs", "list"}, []string{"ID   PLUGIN  INTERVAL  VERSION  NODE\n", "cpu  cpu     10s       2        n1\n", "mem  mem     1m0s      1        -\n"}},
		{[]string{"inputs", "get", "cpu"}, []string{"plugin:      cpu\n", `config:      {"percpu":true}` + "\n", "node:        n1\n", "since:       -\n"}},
		{[]string{"assignments"}, []string{"NODE          COUNT  INPUTS\nn1            2      a,c\nn2            1      b\n(unassigned)  1      d\n"}},
		{[]string{"local"}, []string{"ID   VERSION  GATHERS  ERRORS  OVERRUNS  LAST-GATHER\n", "cpu  2        7        1       0         never\n"}},
		{[]string{"plugins"}, []string{"cpu\nmem\n"}},
	} {
		out, _, err := run(t, "", append(tc.args, "--addr", api.URL)...)
		if err != nil {
			t.Errorf("%v: %v", tc.args, err)
			continue
		}
		for _, want := range tc.want {
			if !strings.Contains(out, want) {
				t.Errorf("%v: output lacks %q:\n%s", tc.args, want, out)
			}
		}
	}
}

func TestJSONOutput(t *testing.T) {
	api := newFakeAPI(t, map[string]answer{"GET /v1/inputs": {200, inputsJSON}})
	out, _, err := run(t, "", "inputs", "list", "-o", "json", "--addr", api.URL)
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	_ = json.Indent(&want, []byte(inputsJSON), "", "  ")
	if out != want.String()+"\n" {
		t.Errorf("got:\n%s\nwant:\n%s", out, want.String())
	}
	var v struct {
		Inputs []map[string]any `json:"inputs"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil || len(v.Inputs) != 2 {
		t.Errorf("output is not the API's JSON: %v", err)
	}
}

func TestInputsPutFromFile(t *testing.T) {
	api := newFakeAPI(t, map[string]answer{
		"PUT /v1/inputs/cpu": {200, `{"id":"cpu","plugin":"cpu","interval":"5s","version":3,"node":"n2","generation":6}`},
	})
	spec := `{"plugin":"cpu","interval":"5s","config":{"percpu":true}}` // as the typed client encodes it
	file := filepath.Join(t.TempDir(), "cpu.json")
	if err := os.WriteFile(file, []byte(spec), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, err := run(t, "", "inputs", "put", "cpu", "-f", file, "--addr", api.URL, "--token", "tok")
	if err != nil {
		t.Fatal(err)
	}
	if want := "input cpu stored: version 3, node n2\n"; out != want {
		t.Errorf("output %q, want %q", out, want)
	}
	reqs := api.requests()
	if len(reqs) != 1 {
		t.Fatalf("requests: %+v", reqs)
	}
	want := seenRequest{"PUT", "/v1/inputs/cpu", "application/json", "Bearer tok", spec, ""}
	if reqs[0] != want {
		t.Errorf("request %+v, want %+v", reqs[0], want)
	}

	// Standard input, and a file that is not a JSON object never reaches the API.
	if _, _, err := run(t, spec, "inputs", "put", "cpu", "-f", "-", "--addr", api.URL); err != nil {
		t.Errorf("-f -: %v", err)
	}
	if _, _, err := run(t, "[1]", "inputs", "put", "cpu", "-f", "-", "--addr", api.URL); err == nil ||
		!strings.Contains(err.Error(), "want a JSON object") {
		t.Errorf("array spec: %v", err)
	}
	if n := len(api.requests()); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

func TestAPIErrorSurfaces(t *testing.T) {
	api := newFakeAPI(t, map[string]answer{
		"PUT /v1/inputs/cpu":     {400, `{"error":"interval: 50ms is under the minimum of 100ms","field":"interval"}`},
		"DELETE /v1/inputs/nope": {404, `{"error":"input \"nope\" not found"}`},
	})
	_, _, err := run(t, `{"plugin":"cpu","interval":"50ms"}`, "inputs", "put", "cpu", "-f", "-", "--addr", api.URL)
	if err == nil || err.Error() != "HTTP 400: interval: 50ms is under the minimum of 100ms" {
		t.Errorf("put: %v", err)
	}
	_, _, err = run(t, "", "inputs", "delete", "nope", "--addr", api.URL)
	if err == nil || err.Error() != `HTTP 404: input "nope" not found` {
		t.Errorf("delete: %v", err)
	}
	if _, _, err := run(t, "", "status", "-o", "yaml", "--addr", api.URL); err == nil || !strings.Contains(err.Error(), "--output") {
		t.Errorf("-o yaml: %v", err)
	}
}

func TestInputsApply(t *testing.T) {
	api := newFakeAPI(t, map[string]answer{
		"POST /v1/inputs": {200, `{"inputs":[{"id":"a","plugin":"cpu","interval":"10s","version":1,"node":"n1"}],"index":9,"created":["a"],"updated":[],"deleted":["old"],"unchanged":2}`},
	})
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		file, contentType, body string
	}{
		{write("batch.json", `{"inputs":[{"id":"a","plugin":"cpu"}]}`), "application/json", `{"inputs":[{"id":"a","plugin":"cpu"}]}`},
		{write("array.json", ` [{"id":"a","plugin":"cpu"}] `), "application/json", `{"inputs":[{"id":"a","plugin":"cpu"}]}`},
		{write("one.json", `{"id":"a","plugin":"cpu"}`), "application/json", `{"inputs":[{"id":"a","plugin":"cpu"}]}`},
		{write("telegraf.conf", "[[inputs.cpu]]\n  percpu = true\n"), "application/toml", "[[inputs.cpu]]\n  percpu = true\n"},
		{write("x.TOML", "[[inputs.mem]]\n"), "application/toml", "[[inputs.mem]]\n"},
	} {
		before := len(api.requests())
		out, _, err := run(t, "", "inputs", "apply", "-f", tc.file, "--addr", api.URL)
		if err != nil {
			t.Errorf("%s: %v", tc.file, err)
			continue
		}
		reqs := api.requests()[before:]
		source := filepath.Base(tc.file)
		if len(reqs) != 1 || reqs[0].Method != "POST" || reqs[0].ContentType != tc.contentType || reqs[0].Body != tc.body || reqs[0].Query != "source="+source {
			t.Errorf("%s: requests %+v", tc.file, reqs)
		}
		want := "plan for source " + source + ": 1 to create, 0 to update, 1 to delete, 2 unchanged (applied at raft index 9)\n  + a\n  - old\n"
		if out != want {
			t.Errorf("%s: output %q, want %q", tc.file, out, want)
		}
	}
	// A directory applies its *.conf files as one Telegraf config; --source, --prune and --dry-run reach the API.
	conf := filepath.Join(dir, "conf.d")
	os.Mkdir(conf, 0o700)
	os.WriteFile(filepath.Join(conf, "b.conf"), []byte("[[inputs.mem]]\n"), 0o600)
	os.WriteFile(filepath.Join(conf, "a.conf"), []byte("[[inputs.cpu]]\n"), 0o600)
	os.WriteFile(filepath.Join(conf, "notes.txt"), []byte("not a config"), 0o600)
	before := len(api.requests())
	if _, _, err := run(t, "", "inputs", "apply", "-f", conf, "--addr", api.URL); err != nil {
		t.Fatal(err)
	}
	if reqs := api.requests()[before:]; len(reqs) != 1 || reqs[0].ContentType != "application/toml" ||
		reqs[0].Body != "[[inputs.cpu]]\n\n[[inputs.mem]]\n\n" || reqs[0].Query != "source=conf.d" {
		t.Errorf("directory: requests %+v", reqs)
	}
	before = len(api.requests())
	if _, _, err := run(t, "", "inputs", "apply", "-f", conf, "--source", "net", "--prune", "--dry-run", "--addr", api.URL); err != nil {
		t.Fatal(err)
	}
	if reqs := api.requests()[before:]; len(reqs) != 1 || reqs[0].Query != "dry_run=true&prune=true&source=net" {
		t.Errorf("--source --prune --dry-run: requests %+v", reqs)
	}
	if _, _, err := run(t, `"nope"`, "inputs", "apply", "-f", "-", "--addr", api.URL); err == nil {
		t.Error("a JSON string was accepted")
	}
	if _, _, err := run(t, "", "inputs", "apply", "--addr", api.URL); err == nil {
		t.Error("apply without -f was accepted")
	}
}

func TestNodeCommands(t *testing.T) {
	api := newFakeAPI(t, map[string]answer{
		"GET /v1/status":            {200, statusJSON},
		"POST /v1/nodes/n1/leave":   {200, `{"id":"n1","state":"left"}`},
		"POST /v1/nodes/n3/leave":   {200, `{"id":"n3","state":"left"}`},
		"POST /v1/nodes/n2/drain":   {200, `{"id":"n2","state":"draining"}`},
		"DELETE /v1/nodes/n2/drain": {200, `{"id":"n2","state":"alive"}`},
	})
	for _, tc := range []struct {
		args  []string
		out   string
		calls []string
	}{
		{[]string{"leave"}, "node n1: left\n", []string{"GET /v1/status", "POST /v1/nodes/n1/leave"}},
		{[]string{"leave", "n3"}, "node n3: left\n", []string{"POST /v1/nodes/n3/leave"}},
		{[]string{"drain", "n2"}, "node n2: draining\n", []string{"POST /v1/nodes/n2/drain"}},
		{[]string{"drain", "n2", "--undo"}, "node n2: alive\n", []string{"DELETE /v1/nodes/n2/drain"}},
		{[]string{"drain", "n2", "-o", "json"}, "{\n  \"id\": \"n2\",\n  \"state\": \"draining\"\n}\n", []string{"POST /v1/nodes/n2/drain"}},
	} {
		before := len(api.requests())
		out, _, err := run(t, "", append(tc.args, "--addr", api.URL)...)
		if err != nil {
			t.Errorf("%v: %v", tc.args, err)
			continue
		}
		if out != tc.out {
			t.Errorf("%v: output %q, want %q", tc.args, out, tc.out)
		}
		var calls []string
		for _, r := range api.requests()[before:] {
			calls = append(calls, r.Method+" "+r.Path)
		}
		if strings.Join(calls, ";") != strings.Join(tc.calls, ";") {
			t.Errorf("%v: calls %v, want %v", tc.args, calls, tc.calls)
		}
	}
}

func TestHealth(t *testing.T) {
	ok := newFakeAPI(t, map[string]answer{"GET /healthz": {200, `{"status":"ok"}`}, "GET /readyz": {503, `{"error":"no leader known"}`}})
	out, errOut, err := run(t, "", "health", "--addr", ok.URL)
	if err != nil || out != "" || errOut != "" {
		t.Errorf("healthy: err %v, stdout %q, stderr %q", err, out, errOut)
	}
	_, _, err = run(t, "", "health", "--ready", "--addr", ok.URL)
	if err == nil || !strings.Contains(err.Error(), "/readyz: HTTP 503: no leader known") {
		t.Errorf("not ready: %v", err)
	}
	down := newFakeAPI(t, map[string]answer{"GET /healthz": {500, "boom"}})
	if _, _, err := run(t, "", "health", "--addr", down.URL); err == nil {
		t.Error("a 500 was healthy")
	}
	down.Close()
	if _, _, err := run(t, "", "health", "--addr", down.URL); err == nil {
		t.Error("a closed port was healthy")
	}
}

func TestEnvironment(t *testing.T) {
	api := newFakeAPI(t, map[string]answer{"GET /v1/plugins": {200, `{"plugins":["cpu"]}`}})
	t.Setenv("GATHERD_ADDR", strings.TrimPrefix(api.URL, "http://"))
	t.Setenv("GATHERD_TOKEN", "from-env")
	if _, _, err := run(t, "", "plugins"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := run(t, "", "plugins", "--token", "from-flag"); err != nil {
		t.Fatal(err)
	}
	reqs := api.requests()
	if len(reqs) != 2 || reqs[0].Auth != "Bearer from-env" || reqs[1].Auth != "Bearer from-flag" {
		t.Errorf("requests %+v", reqs)
	}
	// --addr beats GATHERD_ADDR.
	other := newFakeAPI(t, map[string]answer{"GET /v1/plugins": {200, `{"plugins":["mem"]}`}})
	if out, _, err := run(t, "", "plugins", "--addr", other.URL); err != nil || out != "mem\n" {
		t.Errorf("--addr over env: %q, %v", out, err)
	}
	// Also for the flags "inputs" hands down to its subcommands.
	other2 := newFakeAPI(t, map[string]answer{"GET /v1/inputs": {200, inputsJSON}})
	if _, _, err := run(t, "", "inputs", "list", "--addr", other2.URL); err != nil || len(other2.requests()) != 1 {
		t.Errorf("inputs list --addr over env: %v", err)
	}
	if _, _, err := run(t, "", "inputs", "list"); err == nil {
		t.Error("inputs list used no GATHERD_ADDR: the env's node has no /v1/inputs")
	}
}

func TestKeygen(t *testing.T) {
	a, _, err := run(t, "", "keygen")
	if err != nil {
		t.Fatal(err)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(a))
	if err != nil || len(key) != 32 {
		t.Fatalf("key %q: %d bytes, %v", a, len(key), err)
	}
	if b, _, _ := run(t, "", "keygen"); a == b {
		t.Error("two keys are the same")
	}
}

func TestTokenFile(t *testing.T) {
	api := newFakeAPI(t, map[string]answer{"GET /v1/plugins": {200, `{"plugins":["cpu"]}`}})
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good", "from-file\n")
	envFile := write("env", "from-env-file")
	t.Setenv("GATHERD_TOKEN_FILE", envFile)
	t.Setenv("GATHERD_TOKEN", "")
	for _, args := range [][]string{
		{},                     // GATHERD_TOKEN_FILE
		{"--token-file", good}, // the flag beats the environment
		{"--token", "flag", "--token-file", good}, // --token beats --token-file
	} {
		if _, _, err := run(t, "", append([]string{"plugins", "--addr", api.URL}, args...)...); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
	}
	t.Setenv("GATHERD_TOKEN", "from-env") // GATHERD_TOKEN beats GATHERD_TOKEN_FILE
	if _, _, err := run(t, "", "plugins", "--addr", api.URL); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range api.requests() {
		got = append(got, r.Auth)
	}
	want := []string{"Bearer from-env-file", "Bearer from-file", "Bearer flag", "Bearer from-env"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("Authorization headers %q, want %q", got, want)
	}

	// Files that hold no single token fail without sending anything, and never print what they hold.
	for name, content := range map[string]string{"empty": " \n", "two": "secret-a secret-b\n"} {
		_, _, err := run(t, "", "plugins", "--addr", api.URL, "--token-file", write(name, content))
		if err == nil || strings.Contains(err.Error(), "secret") {
			t.Errorf("%s token file: %v", name, err)
		}
	}
	if _, _, err := run(t, "", "plugins", "--addr", api.URL, "--token-file", filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing token file was accepted")
	}
	if n := len(api.requests()); n != 4 {
		t.Errorf("%d requests, want 4: a bad token file must stop the command", n)
	}
}

func TestRebalanceCommand(t *testing.T) {
	api := newFakeAPI(t, map[string]answer{
		"POST /v1/rebalance": {200, `{"dry_run":true,"generation":7,"moves":[{"input":"snmp.sw1","from":"n1","to":"n3","reason":"rebalance"}],
			"load_before":{"n1":3,"n2":1.5,"n3":0.5},"load_after":{"n1":2,"n2":1.5,"n3":1.5}}`},
	})
	out, _, err := run(t, "", "rebalance", "--dry-run", "--addr", api.URL)
	if err != nil {
		t.Fatal(err)
	}
	want := "NODE  LOAD-BEFORE  LOAD-AFTER\n" +
		"n1    3.000        2.000\n" +
		"n2    1.500        1.500\n" +
		"n3    0.500        1.500\n" +
		"\nwould move 1 inputs (max/mean load 1.800 -> 1.200)\n" +
		"INPUT     FROM  TO  REASON\n" +
		"snmp.sw1  n1    n3  rebalance\n"
	if out != want {
		t.Errorf("output\n%s\nwant\n%s", out, want)
	}
	if r := api.requests(); len(r) != 1 || r[0].Query != "dry_run=true" {
		t.Errorf("requests %+v: want one POST /v1/rebalance?dry_run=true", r)
	}
}
