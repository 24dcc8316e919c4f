//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatherd/gatherd/tlsutil"
	"github.com/gatherd/gatherd/wire"
)

// The harness drives a compose project through the docker CLI and talks to the nodes (over HTTPS, with the
// cluster CA and the write token that deploy/secrets.sh made for the project) and to the demo target (plain
// HTTP) on their published ports, bound to 127.0.0.1 on random host ports so that it never collides with a
// `make up` of the user.

// project is one compose project of the suite.
type project struct {
	t       testing.TB
	name    string
	compose []string // "docker compose" or "docker-compose"
	root    string   // repo root: the compose project directory
	env     []string
	network string // <project>_default, known once up

	mu    sync.Mutex
	ports map[string]string // container ID -> 127.0.0.1:port of 8080 (or 9000 for the target)
}

// container is one container of the project.
type container struct {
	ID       string
	Name     string
	Service  string
	Hostname string // the node ID of an agent
	IP       string // on the project's network; empty when disconnected or stopped
	Running  bool
}

func runCmd(ctx context.Context, env []string, dir string, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if err != nil {
		return out.String(), fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}

// docker runs the docker CLI with a minute's timeout.
func (p *project) docker(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return runCmd(ctx, p.env, p.root, "docker", args...)
}

func (p *project) mustDocker(args ...string) string {
	p.t.Helper()
	out, err := p.docker(args...)
	if err != nil {
		p.t.Fatal(err)
	}
	return out
}

// dc runs compose on the project with the repo's docker-compose.yml and the suite's override.
func (p *project) dc(timeout time.Duration, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	full := append(append([]string{}, p.compose[1:]...), "-p", p.name,
		"-f", filepath.Join(p.root, "docker-compose.yml"), "-f", filepath.Join(p.root, "e2e", "compose.e2e.yml"))
	full = append(full, args...)
	return runCmd(ctx, p.env, p.root, p.compose[0], full...)
}

func (p *project) mustDC(timeout time.Duration, args ...string) string {
	p.t.Helper()
	out, err := p.dc(timeout, args...)
	if err != nil {
		p.t.Fatal(err)
	}
	return out
}

// down removes the project's containers, networks and volumes.
func (p *project) down() {
	if out, err := p.dc(2*time.Minute, "down", "-v", "--remove-orphans", "-t", "1"); err != nil {
		p.t.Logf("compose down: %v\n%s", err, out)
	}
}

// findCompose returns the compose command: $GATHERD_COMPOSE, else `docker compose`, else `docker-compose`.
func findCompose() ([]string, error) {
	if c := strings.Fields(os.Getenv("GATHERD_COMPOSE")); len(c) > 0 {
		return c, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := runCmd(ctx, os.Environ(), "", "docker", "compose", "version"); err == nil {
		return []string{"docker", "compose"}, nil
	}
	if _, err := runCmd(ctx, os.Environ(), "", "docker-compose", "version"); err == nil {
		return []string{"docker-compose"}, nil
	}
	return nil, errors.New("neither `docker compose` nor `docker-compose` works")
}

// containers lists the project's containers of service (all services when empty), stopped ones included,
// sorted by name.
func (p *project) containers(service string) []container {
	p.t.Helper()
	args := []string{"ps", "-a", "-q", "--filter", "label=com.docker.compose.project=" + p.name}
	if service != "" {
		args = append(args, "--filter", "label=com.docker.compose.service="+service)
	}
	ids := strings.Fields(p.mustDocker(args...))
	if len(ids) == 0 {
		return nil
	}
	var raw []struct {
		ID     string
		Name   string
		Config struct {
			Hostname string
			Labels   map[string]string
		}
		State struct {
			Running bool
		}
		NetworkSettings struct {
			Networks map[string]struct {
				IPAddress string
				Aliases   []string
			}
		}
	}
	out, err := p.docker(append([]string{"inspect"}, ids...)...)
	if err != nil { // a container removed between ps and inspect: ask again
		time.Sleep(time.Second)
		return p.containers(service)
	}
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		p.t.Fatalf("docker inspect: %v", err)
	}
	var cs []container
	for _, r := range raw {
		c := container{ID: r.ID, Name: strings.TrimPrefix(r.Name, "/"), Service: r.Config.Labels["com.docker.compose.service"],
			Hostname: r.Config.Hostname, Running: r.State.Running}
		if n, ok := r.NetworkSettings.Networks[p.network]; ok {
			c.IP = n.IPAddress
		}
		cs = append(cs, c)
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].Name < cs[j].Name })
	return cs
}

// one returns the single container of service.
func (p *project) one(service string) container {
	p.t.Helper()
	cs := p.containers(service)
	if len(cs) != 1 {
		p.t.Fatalf("service %s has %d containers, want 1", service, len(cs))
	}
	return cs[0]
}

// agents returns the running gatherd nodes (node1..3 and the workers) by node ID.
func (p *project) agents() map[string]container {
	out := map[string]container{}
	for _, c := range p.containers("") {
		if c.Service == "target" || c.Service == "seed" || c.Service == "secrets" || c.Service == "rogue" || !c.Running {
			continue
		}
		out[c.Hostname] = c
	}
	return out
}

// forget drops the cached published port of a container (it changes when the container restarts).
func (p *project) forget(ids ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(ids) == 0 {
		p.ports = map[string]string{}
	}
	for _, id := range ids {
		delete(p.ports, id)
	}
}

// addr returns https://127.0.0.1:<port> for the container's published API port, http://127.0.0.1:<port> for
// the target's.
func (p *project) addr(c container) (string, error) {
	p.mu.Lock()
	hp, ok := p.ports[c.ID]
	p.mu.Unlock()
	if !ok {
		port := "8080/tcp"
		if c.Service == "target" {
			port = "9000/tcp"
		}
		out, err := p.docker("port", c.ID, port)
		if err != nil {
			return "", err
		}
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			if strings.HasPrefix(line, "127.0.0.1:") || strings.HasPrefix(line, "0.0.0.0:") {
				hp = "127.0.0.1:" + line[strings.LastIndex(line, ":")+1:]
				break
			}
		}
		if hp == "" {
			return "", fmt.Errorf("container %s publishes no %s: %q", c.Name, port, out)
		}
		p.mu.Lock()
		p.ports[c.ID] = hp
		p.mu.Unlock()
	}
	if c.Service == "target" {
		return "http://" + hp, nil
	}
	return "https://" + hp, nil
}

// --- HTTP ---

var httpc = &http.Client{Timeout: 3 * time.Second}

// useSecrets makes httpc trust the CA in dir/tls/ca.pem and send the token in dir/write-token to HTTPS URLs
// (the nodes), never to plain HTTP ones (the target).
func useSecrets(dir string) error {
	pool, err := tlsutil.LoadCAPool(filepath.Join(dir, "tls", "ca.pem"))
	if err != nil {
		return err
	}
	tok, err := os.ReadFile(filepath.Join(dir, "write-token"))
	if err != nil {
		return err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	httpc.Transport = bearer{token: strings.TrimSpace(string(tok)), next: tr}
	return nil
}

type bearer struct {
	token string
	next  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Scheme == "https" {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer "+b.token)
	}
	return b.next.RoundTrip(r)
}

func getJSON(url string, v any) error {
	resp, err := httpc.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %d %s", url, resp.StatusCode, strings.TrimSpace(string(b)))
	}
	return json.Unmarshal(b, v)
}

func postJSON(url string, body, v any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	resp, err := httpc.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("POST %s: %d %s", url, resp.StatusCode, strings.TrimSpace(string(rb)))
	}
	if v == nil {
		return nil
	}
	return json.Unmarshal(rb, v)
}

// putInput PUTs an input and returns the status and the error's field.
func putInput(url, body string) (int, string, error) {
	req, err := http.NewRequest(http.MethodPut, url, strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	resp, err := httpc.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	var e struct {
		Field string `json:"field"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&e)
	return resp.StatusCode, e.Field, nil
}

// postEmpty POSTs an empty body and wants a 2xx.
func postEmpty(url string) error {
	resp, err := httpc.Post(url, "", nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("POST %s: %d %s", url, resp.StatusCode, strings.TrimSpace(string(b)))
	}
	return nil
}

// The API's answers, declared once in package wire.
type (
	status      = wire.Status
	assignments = wire.Assignments
	local       = wire.Local
)

// owners maps input ID to node.
func owners(a assignments) map[string]string {
	out := map[string]string{}
	for n, ids := range a.Nodes {
		for _, id := range ids {
			out[id] = n
		}
	}
	return out
}

// spec is an input to submit, its config marshalled from a map.
func spec(id, plugin, interval string, config map[string]any) wire.InputSpec {
	b, err := json.Marshal(config)
	if err != nil {
		panic(err) // the suite's own literals
	}
	return wire.InputSpec{ID: id, Plugin: plugin, Interval: interval, Config: b}
}

// --- waiting ---

// eventually calls f every interval until it returns nil or timeout passes; it returns f's last error.
func eventually(timeout, interval time.Duration, f func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(interval)
	}
}

func randSuffix() string {
	const letters = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 6)
	for i := range b {
		b[i] = letters[rand.IntN(len(letters))]
	}
	return string(b)
}
