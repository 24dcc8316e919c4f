//go:build e2e

package e2e

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatherd/gatherd/wire"
)

// secured meets the compose cluster as a stranger would: the API answers only HTTPS with a token of the right
// role, and a node started on the cluster's network without the gossip key never becomes a member.
func (s *suite) secured(t *testing.T) {
	api := s.voterAPI()
	read, err := os.ReadFile(filepath.Join(s.secrets, "read-token"))
	if err != nil {
		t.Fatal(err)
	}
	readToken := strings.TrimSpace(string(read))
	for _, c := range []struct {
		what, method, url, token string
		want                     int
	}{
		{"no token", http.MethodGet, api + "/v1/status", "", http.StatusUnauthorized},
		{"a wrong token", http.MethodGet, api + "/v1/status", "not-the-token", http.StatusUnauthorized},
		{"the read token", http.MethodGet, api + "/v1/status", readToken, http.StatusOK},
		{"the read token on a write", http.MethodDelete, api + "/v1/inputs/" + s.ids[0], readToken, http.StatusForbidden},
		{"no token, /healthz", http.MethodGet, api + "/healthz", "", http.StatusOK},
		{"no token, the console's files", http.MethodGet, api + "/ui/", "", http.StatusOK},
		{"no token, the console's data", http.MethodGet, api + "/v1/history", "", http.StatusUnauthorized},
	} {
		code, err := s.bare(c.method, c.url, c.token)
		if err != nil || code != c.want {
			t.Errorf("%s: %s %s: %d %v, want %d", c.what, c.method, c.url, code, err, c.want)
		}
	}
	// The input the read token tried to delete is still there.
	var in wire.Input
	if err := getJSON(api+"/v1/inputs/"+s.ids[0], &in); err != nil {
		t.Errorf("after a refused delete: %v", err)
	}
	plain := "http://" + strings.TrimPrefix(api, "https://")
	if code, err := s.bare(http.MethodGet, plain+"/v1/status", ""); err == nil && code == http.StatusOK {
		t.Errorf("plain HTTP to the API answered 200")
	}
	s.fig("security", "API: no token / read token writing / plain HTTP", "401 / 403 / refused")

	// A writer may not make a node run a program or send its files away (DESIGN.md, decision 17): the compose
	// nodes allow nothing beyond network targets.
	for _, c := range []struct{ id, body, field string }{
		{"p1", `{"plugin":"ping","interval":"1s","config":{"urls":["127.0.0.1"],"method":"exec","binary":"/usr/bin/touch","arguments":["/tmp/x"]}}`, "config.arguments"},
		{"x1", `{"plugin":"http_response","config":{"urls":["http://target:9000/x1"],"bearer_token":"/secrets/agent.yaml"}}`, "config.bearer_token"},
		{"m1", `{"plugin":"http_response","config":{"urls":["http://169.254.169.254/latest/meta-data/"]}}`, "config.urls[0]"},
		// The rest of the audit's list (README, Security).
		{"a1", `{"plugin":"ping","config":{"urls":["127.0.0.1"]}}`, "config.method"},
		{"a2", `{"plugin":"ping","config":{"urls":["127.0.0.1"],"method":"native","interface":"eth0"}}`, "config.interface"},
		{"a3", `{"plugin":"http","config":{"urls":["http://target:9000/"],"token_file":"/secrets/write-token"}}`, "config.token_file"},
		{"a4", `{"plugin":"http","config":{"urls":["http+unix:/var/run/docker.sock:/info"]}}`, "config.urls[0]"},
		{"a5", `{"plugin":"http_response","config":{"urls":["https://target:9000/"],"tls_ca":"/secrets/tls/ca.pem"}}`, "config.tls_ca"},
		{"a6", `{"plugin":"http_response","config":{"urls":["https://target:9000/"],"tls_cert":"/secrets/tls/node.pem"}}`, "config.tls_cert"},
		{"a7", `{"plugin":"http_response","config":{"urls":["https://target:9000/"],"tls_key":"/secrets/tls/node-key.pem"}}`, "config.tls_key"},
		{"a8", `{"plugin":"http_response","config":{"urls":["http://target:9000/"],"interface":"eth0"}}`, "config.interface"},
		{"a9", `{"plugin":"x509_cert","config":{"sources":["file:///secrets/tls/ca.pem"]}}`, "config.sources[0]"},
		{"a10", `{"plugin":"x509_cert","config":{"sources":["tcp://target:9000"],"tls_key":"/secrets/tls/node-key.pem"}}`, "config.tls_key"},
		{"a11", `{"plugin":"snmp","config":{"agents":["udp://target:161"],"path":["/secrets"]}}`, "config.path[0]"},
		{"a12", `{"plugin":"dns_query","config":{"servers":["/run/x"],"network":"unix"}}`, "config.network"},
		{"a13", `{"plugin":"http_response","config":{"urls":["http://target:9000/"],"headers":{"X":"\u0024{GATHERD_API_TOKEN}"}}}`, "config.headers.X"},
		{"a14", `{"plugin":"net_response","config":{"address":"2852039166:80","protocol":"tcp"}}`, "config.address"},
	} {
		code, field, err := putInput(api+"/v1/inputs/"+c.id, c.body)
		if err != nil || code != http.StatusBadRequest || field != c.field {
			t.Errorf("PUT %s: %d field %q %v, want 400 on %s", c.id, code, field, err, c.field)
		}
		if err := getJSON(api+"/v1/inputs/"+c.id+"?consistent=true", &in); err == nil {
			t.Errorf("refused input %s was stored", c.id)
		}
	}
	s.fig("security", "inputs that run a program, send a node's file or reach cloud metadata", "400, nothing stored")

	// A node with no gossip key (nor certificates) on the cluster's own network, joining node1.
	name := s.name + "-rogue"
	image := envOr("GATHERD_IMAGE", "gatherd:dev")
	if _, err := s.docker("run", "-d", "--name", name, "--hostname", "rogue", "--network", s.network,
		// The project's labels let `compose down --remove-orphans` remove it if the suite is interrupted.
		"--label", "com.docker.compose.project="+s.name, "--label", "com.docker.compose.service=rogue",
		image, "agent", "--join", "node1:7946", "--bootstrap-expect", "0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = s.docker("rm", "-f", name) })
	deadline := time.Now().Add(8 * time.Second)
	for time.Now().Before(deadline) {
		st, err := s.status()
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range st.Members {
			if m.ID == "rogue" {
				t.Fatalf("a node without the gossip key became a member: %+v", m)
			}
		}
		time.Sleep(500 * time.Millisecond)
	}
	// docker logs writes what the container wrote to stderr on its own stderr.
	out, err := exec.Command("docker", "logs", name).CombinedOutput()
	if err != nil {
		t.Fatalf("docker logs %s: %v", name, err)
	}
	logs := string(out)
	lower := strings.ToLower(logs)
	if !strings.Contains(lower, "join failed") || !(strings.Contains(lower, "encrypt") || strings.Contains(lower, "decrypt")) {
		t.Errorf("the rogue node's log does not say that its join failed for lack of the key:\n%s", lastLines(logs, 20))
	}
	s.fig("security", "a node without the gossip key joining for 8s", "kept out, its log says why")
}

// bare sends one request to a node with the cluster CA but only the given token (none if empty).
func (s *suite) bare(method, url, token string) (int, error) {
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		return 0, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	c := &http.Client{Timeout: 3 * time.Second, Transport: httpc.Transport.(bearer).next}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
