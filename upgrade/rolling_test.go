//go:build upgrade

package upgrade

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gatherd/gatherd/demotarget"
	"github.com/gatherd/gatherd/testcluster"
)

// The previous release. A clone without tags still has the commit: previousCommit names it.
const (
	previousRelease = "v0.1.0"
	previousCommit  = "0d41efb00384e05ab699c2f9ec026701ad718daf"
)

const interval = time.Second

// TestRollingUpgrade starts three nodes of the previous release on loopback, applies inputs that probe a demo
// target every second, then replaces the nodes one by one (followers first, the leader last) with the current
// build: SIGTERM (the node hands its inputs over), then the new binary on the same data dir and ports. Every
// slot from the first gathers to the end must be gathered exactly once (a planned move's guarantee), and every
// input must still be there on every node.
func TestRollingUpgrade(t *testing.T) {
	root := strings.TrimSpace(run(t, "", "git", "rev-parse", "--show-toplevel"))
	dir := t.TempDir()
	rev := previousCommit
	if out, err := exec.Command("git", "-C", root, "rev-parse", "--verify", previousRelease+"^{commit}").Output(); err == nil {
		rev = strings.TrimSpace(string(out))
	}
	start := time.Now()
	oldBin := buildAt(t, root, rev, dir)
	newBin := filepath.Join(dir, "gatherd-new")
	build(t, root, newBin)
	t.Logf("built %s (%s) and the current tree in %s", previousRelease, rev[:12], time.Since(start).Round(time.Second))

	hits := demotarget.NewHitLog(demotarget.Limits{})
	target := httptest.NewServer(demotarget.NewHandler(hits, time.Now))
	defer target.Close()

	nodes := make([]*node, 3)
	var seeds []string
	for i := range nodes {
		nodes[i] = &node{id: fmt.Sprintf("n%d", i+1), dir: filepath.Join(dir, fmt.Sprintf("n%d", i+1)),
			gossip: freePort(t), raft: freePort(t), http: freePort(t)}
		seeds = append(seeds, "127.0.0.1:"+strconv.Itoa(nodes[i].gossip))
	}
	for _, n := range nodes {
		n.start(t, oldBin, strings.Join(seeds, ","))
	}
	t.Cleanup(func() {
		for _, n := range nodes {
			n.kill()
		}
	})
	waitReady(t, nodes)

	var specs []map[string]any
	ivs := map[string]time.Duration{}
	for i := range 12 {
		id := fmt.Sprintf("up-%02d", i)
		ivs[id] = interval
		specs = append(specs, map[string]any{"id": id, "plugin": "http_response", "interval": interval.String(),
			"config": map[string]any{"urls": []string{target.URL + "/probe/" + id}, "response_timeout": "500ms"}})
	}
	if code, body := call(t, nodes[0], http.MethodPost, "/v1/inputs", map[string]any{"inputs": specs}); code != http.StatusOK {
		t.Fatalf("apply: %d %s", code, body)
	}
	poll(t, "every input gathering on the old release", 30*time.Second, func() error {
		got := hits.Since(time.Time{}, time.Now())
		for id := range ivs {
			if len(got[id]) == 0 {
				return fmt.Errorf("%s never gathered", id)
			}
		}
		return nil
	})
	from := time.Now()
	time.Sleep(3 * time.Second) // some slots on the old release alone

	var leader *node
	for _, n := range nodes {
		if n.id == status(t, nodes[0]).LeaderID {
			leader = n
		}
	}
	order := []*node{}
	for _, n := range nodes {
		if n != leader {
			order = append(order, n)
		}
	}
	order = append(order, leader)
	for _, n := range order {
		began := time.Now()
		n.stop(t)
		n.start(t, newBin, strings.Join(seeds, ","))
		waitReady(t, nodes)
		time.Sleep(5 * time.Second) // the rejoin hands inputs back after the handoff delay
		t.Logf("%s upgraded in %s", n.id, time.Since(began).Round(100*time.Millisecond))
	}
	time.Sleep(3 * time.Second)
	to := time.Now().Add(-time.Second) // the last slot's probe has arrived

	got := demotarget.Hits{}
	for id, hs := range hits.Since(from.Add(-time.Second), time.Now()) {
		for _, h := range hs {
			got[id] = append(got[id], h.At)
		}
	}
	tally := demotarget.CountSlots(got, ivs, from, to)
	t.Logf("rolling upgrade %s -> current, 3 nodes, 12 inputs at %s: %s; whole test %s", previousRelease, interval, tally, time.Since(start).Round(time.Second))
	if tally.Missed != 0 || tally.Doubled != 0 {
		t.Errorf("slots missed or doubled across planned moves: %s", tally)
	}
	for _, n := range nodes {
		var list struct {
			Inputs []struct{ ID string } `json:"inputs"`
		}
		code, body := call(t, n, http.MethodGet, "/v1/inputs", nil)
		if code != http.StatusOK || json.Unmarshal(body, &list) != nil || len(list.Inputs) != len(ivs) {
			t.Errorf("%s lists %d inputs, want %d: %d %s", n.id, len(list.Inputs), len(ivs), code, body)
		}
	}
}

type node struct {
	id, dir            string
	gossip, raft, http int
	cmd                *exec.Cmd
	exited             chan error
}

func (n *node) url() string { return "http://127.0.0.1:" + strconv.Itoa(n.http) }

func (n *node) start(t *testing.T, bin, join string) {
	t.Helper()
	log, err := os.OpenFile(filepath.Join(filepath.Dir(n.dir), n.id+".log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	n.cmd = exec.Command(bin, "agent", "--node-id", n.id, "--data-dir", n.dir, "--bind", "127.0.0.1",
		"--gossip-port", strconv.Itoa(n.gossip), "--raft-port", strconv.Itoa(n.raft), "--http", "127.0.0.1:"+strconv.Itoa(n.http),
		"--join", join, "--shutdown-timeout", "25s")
	n.cmd.Stdout, n.cmd.Stderr = log, log
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	n.exited = make(chan error, 1)
	go func() { n.exited <- n.cmd.Wait(); log.Close() }()
}

// stop sends SIGTERM and waits for the node to hand its inputs over and exit.
func (n *node) stop(t *testing.T) {
	t.Helper()
	_ = n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-n.exited:
		if err != nil {
			t.Fatalf("%s exited with %v after SIGTERM", n.id, err)
		}
	case <-time.After(40 * time.Second):
		t.Fatalf("%s still running 40 s after SIGTERM", n.id)
	}
	n.cmd = nil
}

func (n *node) kill() {
	if n.cmd != nil {
		_ = n.cmd.Process.Kill()
		<-n.exited
	}
}

type statusView struct {
	LeaderID string `json:"leader_id"`
	Members  []struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	} `json:"members"`
}

func status(t *testing.T, n *node) statusView {
	t.Helper()
	var st statusView
	if code, body := call(t, n, http.MethodGet, "/v1/status", nil); code == http.StatusOK {
		_ = json.Unmarshal(body, &st)
	}
	return st
}

// waitReady waits until every node answers /readyz with 200 and they agree on a leader.
func waitReady(t *testing.T, nodes []*node) {
	t.Helper()
	poll(t, "every node ready under one leader", 60*time.Second, func() error {
		leader := ""
		for _, n := range nodes {
			if code, body := call(t, n, http.MethodGet, "/readyz", nil); code != http.StatusOK {
				return fmt.Errorf("%s: /readyz %d %s", n.id, code, body)
			}
			st := status(t, n)
			if st.LeaderID == "" || (leader != "" && st.LeaderID != leader) {
				return fmt.Errorf("%s follows %q, another %q", n.id, st.LeaderID, leader)
			}
			leader = st.LeaderID
		}
		return nil
	})
}

// call sends a request; a transport error is status 0.
func call(t *testing.T, n *node, method, path string, body any) (int, []byte) {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, err := http.NewRequest(method, n.url()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return 0, []byte(err.Error())
	}
	defer resp.Body.Close()
	var out bytes.Buffer
	_, _ = out.ReadFrom(resp.Body)
	return resp.StatusCode, out.Bytes()
}

func poll(t *testing.T, what string, timeout time.Duration, cond func() error) {
	t.Helper()
	if err := testcluster.Poll(timeout, cond); err != nil {
		t.Fatalf("waited %s for %s: %v", timeout, what, err)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// buildAt builds cmd/gatherd as of commit rev (git archive into dir, the module cache shared).
func buildAt(t *testing.T, root, rev, dir string) string {
	t.Helper()
	src := filepath.Join(dir, "src-"+rev[:12])
	if err := os.MkdirAll(src, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("sh", "-c", `git -C "$1" archive "$2" | tar -x -C "$3"`, "sh", root, rev, src).CombinedOutput(); err != nil {
		t.Fatalf("git archive %s | tar -x: %v: %s", rev, err, out)
	}
	bin := filepath.Join(dir, "gatherd-"+rev[:12])
	build(t, src, bin)
	return bin
}

func build(t *testing.T, dir, out string) {
	t.Helper()
	cmd := exec.Command("go", "build", "-o", out, "./cmd/gatherd")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build in %s: %v: %s", dir, err, b)
	}
}

func run(t *testing.T, dir string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %v: %v", name, args, err)
	}
	return string(out)
}
