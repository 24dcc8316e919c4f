package telegrafx_test

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/influxdata/telegraf"

	"github.com/gatherd/gatherd/cluster"
	"github.com/gatherd/gatherd/policy"
	"github.com/gatherd/gatherd/store"
	"github.com/gatherd/gatherd/testcluster"
)

// headerTarget is a loopback HTTP target that records the Authorization header of every request it gets, and
// the request-URI (a proxy sees the absolute URL).
type headerTarget struct {
	*httptest.Server
	mu   sync.Mutex
	auth []string
	uris []string
}

func newHeaderTarget(t *testing.T) *headerTarget {
	h := &headerTarget{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.auth = append(h.auth, r.Header.Get("Authorization"))
		h.uris = append(h.uris, r.RequestURI)
		h.mu.Unlock()
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *headerTarget) seen() (auth, uris []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.auth...), append([]string(nil), h.uris...)
}

type apiError struct {
	Error string `json:"error"`
	Field string `json:"field"`
}

func storedInputs(t *testing.T, c *testcluster.Cluster, i int) int {
	t.Helper()
	var st struct {
		Inputs int `json:"inputs"`
	}
	c.GetJSON(i, "/v1/status?consistent=true", &st)
	return st.Inputs
}

// TestSubmittedInputsCannotRunProgramsOrReadFiles sends every refused option of the audit to a cluster of
// default nodes (no --allow-*), as JSON, as a batch and as TOML, through a follower and the leader: each gets a
// 400 naming the key and the node setting that would allow it, and nothing is stored.
func TestSubmittedInputsCannotRunProgramsOrReadFiles(t *testing.T) {
	c := testcluster.New(t, testcluster.Options{Nodes: 3})
	l := c.WaitLeader()
	follower := (l + 1) % 3
	secret := filepath.Join(t.TempDir(), "agent.yaml")
	touched := filepath.Join(t.TempDir(), "x")
	cases := []struct {
		name, plugin, config, field, setting string
	}{
		// The two requests, verbatim but for local paths.
		{"ping runs a program", "ping", `{"urls":["127.0.0.1"],"method":"exec","binary":"/usr/bin/touch","arguments":["` + touched + `"]}`, "config.arguments", "never"},
		{"bearer_token sends a file", "http_response", `{"urls":["http://127.0.0.1:1/"],"bearer_token":"` + secret + `"}`, "config.bearer_token", "--allow-local-files"},
		{"ping exec method", "ping", `{"urls":["127.0.0.1"],"method":"exec"}`, "config.method", "--allow-exec"},
		{"ping default method is exec", "ping", `{"urls":["127.0.0.1"]}`, "config.method", "--allow-exec"},
		{"ping binary", "ping", `{"urls":["127.0.0.1"],"method":"native","binary":"ping"}`, "config.binary", "never"},
		{"ping interface", "ping", `{"urls":["127.0.0.1"],"method":"native","interface":"lo"}`, "config.interface", "--allow-interfaces"},
		{"http token_file", "http", `{"urls":["http://127.0.0.1:1/"],"token_file":"` + secret + `"}`, "config.token_file", "--allow-local-files"},
		{"http unix socket", "http", `{"urls":["http+unix:///run/docker.sock:/info"]}`, "config.urls[0]", "--allow-local-files"},
		{"http tls_ca", "http", `{"urls":["https://127.0.0.1:1/"],"tls_ca":"/etc/ssl/certs/ca-certificates.crt"}`, "config.tls_ca", "--allow-local-files"},
		{"http tls_cert", "http", `{"urls":["https://127.0.0.1:1/"],"tls_cert":"/secrets/tls/node.pem"}`, "config.tls_cert", "--allow-local-files"},
		{"http tls_key", "http", `{"urls":["https://127.0.0.1:1/"],"tls_key":"/secrets/tls/node-key.pem"}`, "config.tls_key", "--allow-local-files"},
		{"http_response tls_ca", "http_response", `{"urls":["https://127.0.0.1:1/"],"tls_ca":"/etc/ssl/certs/ca-certificates.crt"}`, "config.tls_ca", "--allow-local-files"},
		{"http_response tls_cert", "http_response", `{"urls":["https://127.0.0.1:1/"],"tls_cert":"/secrets/tls/node.pem"}`, "config.tls_cert", "--allow-local-files"},
		{"http_response tls_key", "http_response", `{"urls":["https://127.0.0.1:1/"],"tls_key":"/secrets/tls/node-key.pem"}`, "config.tls_key", "--allow-local-files"},
		{"http_response interface", "http_response", `{"urls":["http://127.0.0.1:1/"],"interface":"lo"}`, "config.interface", "--allow-interfaces"},
		{"x509_cert file source", "x509_cert", `{"sources":["file:///secrets/tls/node-key.pem"]}`, "config.sources[0]", "--allow-local-files"},
		{"x509_cert bare path", "x509_cert", `{"sources":["/secrets/tls/*.pem"]}`, "config.sources[0]", "--allow-local-files"},
		{"x509_cert tls_ca", "x509_cert", `{"sources":["tcp://127.0.0.1:1"],"tls_ca":"/etc/ssl/certs/ca-certificates.crt"}`, "config.tls_ca", "--allow-local-files"},
		{"x509_cert tls_cert", "x509_cert", `{"sources":["tcp://127.0.0.1:1"],"tls_cert":"/secrets/tls/node.pem"}`, "config.tls_cert", "--allow-local-files"},
		{"x509_cert tls_key", "x509_cert", `{"sources":["tcp://127.0.0.1:1"],"tls_key":"/secrets/tls/node-key.pem"}`, "config.tls_key", "--allow-local-files"},
		{"snmp path", "snmp", `{"agents":["udp://127.0.0.1:1"],"path":["/secrets"]}`, "config.path[0]", "--allow-local-files"},
		{"cloud metadata", "http_response", `{"urls":["http://169.254.169.254/latest/meta-data/"]}`, "config.urls[0]", "--allow-targets"},
		{"cloud metadata, decimal", "http", `{"urls":["http://2852039166/"]}`, "config.urls[0]", "--allow-targets"},
		{"link-local v6", "net_response", `{"address":"[fe80::1]:80","protocol":"tcp"}`, "config.address", "--allow-targets"},
		{"unaudited option", "http_response", `{"urls":["http://127.0.0.1:1/"],"urlz":["x"]}`, "config.urlz", "not an option"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			via := []int{l, follower}[i%2]
			body := fmt.Sprintf(`{"plugin":%q,"interval":"1s","config":%s}`, tc.plugin, tc.config)
			code, b := c.Do(via, http.MethodPut, "/v1/inputs/refused", json.RawMessage(body))
			var e apiError
			_ = json.Unmarshal(b, &e)
			if code != http.StatusBadRequest || e.Field != tc.field || !strings.Contains(e.Error, tc.setting) {
				t.Fatalf("PUT: want 400 on %s naming %q, got %d %s", tc.field, tc.setting, code, b)
			}
			batch := fmt.Sprintf(`{"inputs":[{"id":"ok","plugin":"net_response","config":{"address":"127.0.0.1:1","protocol":"tcp"}},{"id":"refused",%s]}`, body[1:])
			code, b = c.Do(via, http.MethodPost, "/v1/inputs", json.RawMessage(batch))
			_ = json.Unmarshal(b, &e)
			if code != http.StatusBadRequest || e.Field != "inputs[1]."+tc.field {
				t.Fatalf("batch: want 400 on inputs[1].%s, got %d %s", tc.field, code, b)
			}
		})
	}
	toml := []struct{ doc, field string }{
		{"[[inputs.ping]]\nurls = ['127.0.0.1']\nmethod = 'exec'\nbinary = '/usr/bin/touch'\narguments = ['" + touched + "']\n", "inputs.ping[0].arguments"},
		{"[[inputs.ping]]\nurls = ['127.0.0.1']\n", "inputs.ping[0].method"},
		{"[[inputs.http_response]]\nurls = ['http://127.0.0.1:1/']\nbearer_token = '" + secret + "'\n", "inputs.http_response[0].bearer_token"},
		{"[[inputs.net_response]]\naddress = '127.0.0.1:1'\nprotocol = 'tcp'\n[[inputs.x509_cert]]\nsources = ['file:///etc/passwd']\n", "inputs.x509_cert[0].sources[0]"},
	}
	for _, tc := range toml {
		code, b := c.DoWithType(follower, http.MethodPost, "/v1/inputs", "application/toml", tc.doc)
		var e apiError
		_ = json.Unmarshal(b, &e)
		if code != http.StatusBadRequest || e.Field != tc.field {
			t.Errorf("TOML %q: want 400 on %s, got %d %s", tc.doc, tc.field, code, b)
		}
	}
	for i := range 3 {
		if n := storedInputs(t, c, i); n != 0 {
			t.Fatalf("node %d stores %d inputs after refusals", i, n)
		}
	}
	if _, err := os.Stat(touched); err == nil {
		t.Fatal("the submitted program ran")
	}
}

// writeCA writes the PEM certificate of a TLS test server into dir and returns its path.
func writeCA(t *testing.T, dir string, srv *httptest.Server) string {
	t.Helper()
	path := filepath.Join(dir, "ca.pem")
	b := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := x509.ParseCertificate(srv.Certificate().Raw); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestOptInsAdmitInputs starts nodes whose operator allowed exec, one directory, the loopback interface and
// one link-local address, and checks that each input then is accepted and runs as asked.
func TestOptInsAdmitInputs(t *testing.T) {
	dir := t.TempDir()
	tlsTarget := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer tlsTarget.Close()
	ca := writeCA(t, dir, tlsTarget)
	token := filepath.Join(dir, "token")
	os.WriteFile(token, []byte("operator-token\n"), 0o600)
	pol, err := policy.New(true, []string{dir}, []string{"lo"}, []string{"169.254.169.254"})
	if err != nil {
		t.Fatal(err)
	}
	c := testcluster.New(t, testcluster.Options{Nodes: 3, Configure: func(_ int, cfg *cluster.Config) { cfg.Policy = pol }})
	l := c.WaitLeader()
	target := newHeaderTarget(t) // also serves as the proxy for the link-local URL: nothing leaves loopback
	inputs := map[string]string{
		"exec":      `{"plugin":"ping","interval":"1s","config":{"urls":["127.0.0.1"],"method":"exec"}}`,
		"ca":        `{"plugin":"http_response","interval":"1s","config":{"urls":["` + tlsTarget.URL + `"],"tls_ca":"` + ca + `"}}`,
		"token":     `{"plugin":"http_response","interval":"1s","config":{"urls":["` + target.URL + `/token"],"bearer_token":"` + token + `"}}`,
		"interface": `{"plugin":"http_response","interval":"1s","config":{"urls":["` + target.URL + `/iface"],"interface":"lo"}}`,
		"metadata":  `{"plugin":"http_response","interval":"1s","config":{"urls":["http://169.254.169.254/latest/"],"http_proxy":"` + target.URL + `"}}`,
	}
	for id, body := range inputs {
		if code, b := c.Do((l+1)%3, http.MethodPut, "/v1/inputs/"+id, json.RawMessage(body)); code != http.StatusOK {
			t.Fatalf("%s refused with the opt-ins: %d %s", id, code, b)
		}
	}
	// The CA file from the allowed directory makes the TLS check succeed.
	waitMetric(t, c, "ca", func(m telegraf.Metric) error {
		if field(m, "result_type") != "success" {
			return fmt.Errorf("result_type %v", field(m, "result_type"))
		}
		return nil
	})
	c.WaitFor("the token, the interface and the proxied link-local URL at the target", testcluster.DefaultWait, func() error {
		auth, uris := target.seen()
		var sawToken, sawIface, sawProxy bool
		for i := range uris {
			sawToken = sawToken || (uris[i] == "/token" && auth[i] == "Bearer operator-token")
			sawIface = sawIface || uris[i] == "/iface"
			sawProxy = sawProxy || uris[i] == "http://169.254.169.254/latest/"
		}
		if !sawToken || !sawIface || !sawProxy {
			return fmt.Errorf("token %v, interface %v, proxied %v in %v", sawToken, sawIface, sawProxy, uris)
		}
		return nil
	})
}

// TestNodeEnforcesItsOwnPolicy checks defence in depth: whatever was stored, a node runs only what its own
// operator allows. A symlink inside the allowed directory passes the leader's check by name and is refused by
// the node that resolves it; inputs stored while nodes allowed more stop, unassigned with the reason, when the
// nodes restart without the opt-in; and inputs written straight into raft, past the API, never run.
func TestNodeEnforcesItsOwnPolicy(t *testing.T) {
	dir := t.TempDir()
	outside := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(outside, []byte("node-secret"), 0o600)
	os.Symlink(outside, filepath.Join(dir, "escape"))
	token := filepath.Join(dir, "token")
	os.WriteFile(token, []byte("operator-token"), 0o600)
	pol, err := policy.New(false, []string{dir}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	allow := true
	c := testcluster.New(t, testcluster.Options{Nodes: 3, Configure: func(_ int, cfg *cluster.Config) {
		mu.Lock()
		defer mu.Unlock()
		if allow {
			cfg.Policy = pol
		}
	}})
	l := c.WaitLeader()
	target := newHeaderTarget(t)
	config := func(path, file string) string {
		return `{"urls":["` + target.URL + path + `"],"bearer_token":"` + file + `"}`
	}
	spec := func(path, file string) json.RawMessage {
		return json.RawMessage(`{"plugin":"http_response","interval":"1s","config":` + config(path, file) + `}`)
	}
	if code, b := c.Do(l, http.MethodPut, "/v1/inputs/escape", spec("/escape", filepath.Join(dir, "escape"))); code != http.StatusOK {
		t.Fatalf("a path inside the allowed directory by name: %d %s", code, b)
	}
	if code, b := c.Do(l, http.MethodPut, "/v1/inputs/token", spec("/token", token)); code != http.StatusOK {
		t.Fatalf("token: %d %s", code, b)
	}
	// The owner of "escape" resolves the link, refuses the input and says why in /v1/local.
	c.WaitFor("the owner refusing the symlink", testcluster.DefaultWait, func() error {
		for _, i := range c.Running() {
			var local struct {
				Inputs []struct {
					ID, State string
					LastError string `json:"last_error"`
				} `json:"inputs"`
			}
			c.GetJSON(i, "/v1/local", &local)
			for _, in := range local.Inputs {
				if in.ID == "escape" && in.State == "failed" && strings.Contains(in.LastError, "--allow-local-files") {
					return nil
				}
			}
		}
		return fmt.Errorf("no node reports escape failed")
	})
	// Every node shows the owner's refusal as the input's status (a follower's read may lag the assignment by
	// a commit, hence the wait).
	c.WaitFor("every node showing the owner's refusal", testcluster.DefaultWait, func() error {
		for _, i := range c.Running() {
			var in struct {
				Node   string
				Status struct {
					State     string
					LastError string `json:"last_error"`
				}
			}
			c.GetJSON(i, "/v1/inputs/escape", &in)
			if in.Status.State != "failed" || !strings.Contains(in.Status.LastError, "refused by this node's policy") {
				return fmt.Errorf("node %d: owner %q status %+v", i, in.Node, in.Status)
			}
		}
		return nil
	})
	c.WaitFor("the token input at the target", testcluster.DefaultWait, func() error {
		if auth, _ := target.seen(); len(auth) == 0 {
			return fmt.Errorf("no request yet")
		}
		return nil
	})

	// The operators take the opt-in away: after a restart no node runs "token", and it says why.
	mu.Lock()
	allow = false
	mu.Unlock()
	for i := range 3 {
		c.Kill(i)
	}
	for i := range 3 {
		c.Restart(i)
	}
	l = c.WaitLeader()
	c.WaitFor("token unassigned with the reason", testcluster.DefaultWait, func() error {
		var in struct{ Node, Reason string }
		c.GetJSON(l, "/v1/inputs/token", &in)
		if in.Node != "" || !strings.Contains(in.Reason, "--allow-local-files") {
			return fmt.Errorf("node %q reason %q", in.Node, in.Reason)
		}
		return nil
	})

	// Inputs written into raft past the API (as an older version or a compromised peer could): the two
	// requests. No node runs them.
	touched := filepath.Join(t.TempDir(), "x")
	cmd := &store.Command{Op: store.OpPutInputs, Inputs: []store.Input{
		{ID: "p1", Plugin: "ping", Interval: store.Duration(time.Second), Config: json.RawMessage(`{"urls":["127.0.0.1"],"method":"exec","binary":"/usr/bin/touch","arguments":["` + touched + `"]}`)},
		{ID: "x1", Plugin: "http_response", Interval: store.Duration(time.Second), Config: json.RawMessage(config("/x1", outside))},
	}}
	if _, err := c.Node(l).Node.Apply(cmd); err != nil {
		t.Fatal(err)
	}
	c.WaitFor("p1 and x1 unassigned with reasons", testcluster.DefaultWait, func() error {
		for _, id := range []string{"p1", "x1"} {
			var in struct{ Node, Reason string }
			c.GetJSON(l, "/v1/inputs/"+id, &in)
			if in.Node != "" || in.Reason == "" {
				return fmt.Errorf("%s: node %q reason %q", id, in.Node, in.Reason)
			}
		}
		return nil
	})
	before, _ := target.seen()
	time.Sleep(3 * time.Second) // three slots of the 1 s inputs: any of them that ran would show
	auth, uris := target.seen()
	for i, a := range auth {
		if strings.Contains(a, "node-secret") {
			t.Fatalf("the node's secret left it: %s %q", uris[i], a)
		}
	}
	if len(auth) != len(before) {
		t.Fatalf("the target got %d requests after every input was refused: %v", len(auth)-len(before), uris[len(before):])
	}
	if _, err := os.Stat(touched); err == nil {
		t.Fatal("the program ran")
	}
}
