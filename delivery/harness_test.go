package delivery

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gatherd/gatherd/client"
	"github.com/gatherd/gatherd/demotarget"
	"github.com/gatherd/gatherd/testcluster"
)

// The binary the nodes run, built once per test process.
var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	binDir    string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

func gatherdBin(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "gatherd-delivery-")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "gatherd")
		goBin := "go"
		if _, err := exec.LookPath(goBin); err != nil {
			goBin = filepath.Join(runtime.GOROOT(), "bin", "go") // go test without go on PATH
		}
		cmd := exec.Command(goBin, "build", "-o", binPath, "github.com/gatherd/gatherd/cmd/gatherd")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// target is the demo target in this process: it records each probe (one per gathered slot) per input.
type target struct {
	hits *demotarget.HitLog
	url  string
}

func newTarget(t *testing.T) *target {
	hits := demotarget.NewHitLog(demotarget.Limits{Keep: time.Hour})
	srv := httptest.NewServer(demotarget.NewHandler(hits, time.Now))
	t.Cleanup(srv.Close)
	return &target{hits: hits, url: srv.URL}
}

// node is one `gatherd agent` process; it can be killed and started again on its data dir.
type node struct {
	t       *testing.T
	id      string
	dataDir string
	args    []string
	api     string
	logPath string
	cmd     *exec.Cmd
	done    chan struct{}
}

// nodes starts n agent processes on 127.0.0.1 that form one cluster, each with the outputs file given.
func startNodes(t *testing.T, n int, outputs string, dataDirs []string) []*node {
	t.Helper()
	bin := gatherdBin(t)
	dir := t.TempDir()
	outPath := filepath.Join(dir, "outputs.toml")
	if err := os.WriteFile(outPath, []byte(outputs), 0o600); err != nil {
		t.Fatal(err)
	}
	gossip := make([]int, n)
	var seeds []string
	for i := range gossip {
		gossip[i] = testcluster.FreePort(t)
		seeds = append(seeds, "127.0.0.1:"+strconv.Itoa(gossip[i]))
	}
	var ns []*node
	for i := range n {
		id := fmt.Sprintf("n%d", i+1)
		data := filepath.Join(dir, id)
		if dataDirs != nil && dataDirs[i] != "" {
			data = dataDirs[i]
		}
		httpPort := testcluster.FreePort(t)
		nd := &node{t: t, id: id, dataDir: data, api: "http://127.0.0.1:" + strconv.Itoa(httpPort),
			logPath: filepath.Join(dir, id+".log")}
		nd.args = []string{bin, "agent", "--node-id", id, "--data-dir", data, "--bind", "127.0.0.1",
			"--gossip-port", strconv.Itoa(gossip[i]), "--raft-port", strconv.Itoa(testcluster.FreePort(t)),
			"--http", "127.0.0.1:" + strconv.Itoa(httpPort), "--join", strings.Join(seeds, ","),
			"--bootstrap-expect", strconv.Itoa(n), "--outputs", outPath, "--log-format", "json"}
		nd.start()
		ns = append(ns, nd)
	}
	t.Cleanup(func() {
		for _, nd := range ns {
			nd.kill()
		}
		if t.Failed() {
			keepLogs(t, ns)
			for _, nd := range ns {
				b, _ := os.ReadFile(nd.logPath)
				lines := strings.Split(strings.TrimSpace(string(b)), "\n")
				t.Logf("--- %s log, last lines:\n%s", nd.id, strings.Join(lines[max(0, len(lines)-40):], "\n"))
			}
		}
	})
	return ns
}

func (n *node) start() {
	n.t.Helper()
	log, err := os.OpenFile(n.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		n.t.Fatal(err)
	}
	cmd := exec.Command(n.args[0], n.args[1:]...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		n.t.Fatalf("start %s: %v", n.id, err)
	}
	n.cmd, n.done = cmd, make(chan struct{})
	go func() {
		_ = cmd.Wait()
		log.Close()
		close(n.done)
	}()
}

// kill is kill -9.
func (n *node) kill() {
	if n.cmd == nil {
		return
	}
	_ = n.cmd.Process.Signal(syscall.SIGKILL)
	<-n.done
	n.cmd = nil
}

// term is SIGTERM, waiting for the process to exit.
func (n *node) term(timeout time.Duration) {
	n.t.Helper()
	_ = n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.done:
	case <-time.After(timeout):
		n.t.Fatalf("%s did not exit within %s of SIGTERM", n.id, timeout)
	}
	n.cmd = nil
}

func (n *node) client() *client.Client {
	c, err := client.New(n.api)
	if err != nil {
		n.t.Fatal(err)
	}
	return c
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

// logHas reports whether the node's log has a line containing every one of parts.
func (n *node) logHas(parts ...string) bool {
	b, _ := os.ReadFile(n.logPath)
	for _, line := range strings.Split(string(b), "\n") {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(line, p)
		}
		if ok {
			return true
		}
	}
	return false
}

// applyProbes stores n http_response inputs probing the target every interval and waits until each has been
// probed.
func applyProbes(t *testing.T, via *node, tg *target, prefix string, n int, interval time.Duration) []string {
	t.Helper()
	var ids []string
	var specs []client.InputSpec
	for i := range n {
		id := fmt.Sprintf("%s-%d", prefix, i)
		ids = append(ids, id)
		cfg, _ := json.Marshal(map[string]any{"urls": []string{tg.url + "/probe/" + id}})
		specs = append(specs, client.InputSpec{ID: id, Plugin: "http_response", Interval: interval.String(), Config: cfg})
	}
	since := time.Now()
	wait(t, "the cluster taking the inputs", 60*time.Second, func() error {
		_, err := via.client().ApplyInputs(ctx(t), specs)
		return err
	})
	wait(t, "every input probed", 60*time.Second, func() error {
		got := tg.hits.Since(since, time.Now())
		for _, id := range ids {
			if len(got[id]) == 0 {
				return fmt.Errorf("%s not probed yet", id)
			}
		}
		return nil
	})
	return ids
}

func wait(t *testing.T, what string, d time.Duration, f func() error) {
	t.Helper()
	if err := testcluster.Poll(d, f); err != nil {
		t.Fatalf("%s: not within %s: %v", what, d, err)
	}
}

// owner returns the node (of those running) that runs input id.
func owner(t *testing.T, ns []*node, id string) *node {
	t.Helper()
	for _, n := range ns {
		if n.cmd == nil {
			continue
		}
		a, err := n.client().Assignments(ctx(t))
		if err != nil {
			continue
		}
		for nid, ids := range a.Nodes {
			if slices.Contains(ids, id) {
				for _, m := range ns {
					if m.id == nid {
						return m
					}
				}
			}
		}
	}
	t.Fatalf("no node runs %s", id)
	return nil
}

// missingSlots returns, per input, the probes the target saw in [from, to) that have no point in InfluxDB:
// a gather at slot S probes the target at S+ε and writes a point stamped S, so each probe needs a point
// within interval before it.
func missingSlots(t *testing.T, db *testcluster.InfluxDB, tg *target, ids []string, from, to time.Time, interval time.Duration) (map[string][]time.Time, int) {
	t.Helper()
	series, err := db.Query("gatherd", "ms", fmt.Sprintf("SELECT response_time FROM http_response WHERE time >= %dms GROUP BY server", from.Add(-interval).UnixMilli()))
	if err != nil {
		t.Fatalf("query InfluxDB: %v", err)
	}
	points := map[string][]int64{}
	for _, s := range series {
		id := s.Tags["server"][strings.LastIndex(s.Tags["server"], "/")+1:]
		for _, v := range s.Values {
			ms, _ := v[0].(float64)
			points[id] = append(points[id], int64(ms)*int64(time.Millisecond))
		}
	}
	// Every point sits on its input's slot grid, whichever node wrote it, however often: a point written
	// twice is the same point (same series, same slot timestamp), which the database keeps once.
	for id, ps := range points {
		for _, p := range ps {
			if (p-ps[0])%int64(interval) != 0 {
				t.Fatalf("%s: point at %s is off the slot grid of %s", id, time.Unix(0, p).Format(time.StampMilli), time.Unix(0, ps[0]).Format(time.StampMilli))
			}
		}
	}
	missing := map[string][]time.Time{}
	probes := 0
	hits := tg.hits.Since(from, time.Now())
	for _, id := range ids {
		ps := points[id]
		slices.Sort(ps)
		for _, h := range hits[id] {
			if h.At >= to.UnixNano() {
				continue
			}
			probes++
			i, _ := slices.BinarySearch(ps, h.At+1) // first point after the probe
			if i == 0 || h.At-ps[i-1] >= int64(interval) {
				missing[id] = append(missing[id], time.Unix(0, h.At))
			}
		}
	}
	return missing, probes
}

func countMissing(m map[string][]time.Time) int {
	n := 0
	for _, ts := range m {
		n += len(ts)
	}
	return n
}

// outputHealth returns the node's first output as /v1/local shows it.
func outputHealth(t *testing.T, n *node) client.OutputHealth {
	t.Helper()
	l, err := n.client().Local(ctx(t))
	if err != nil {
		t.Fatalf("%s: /v1/local: %v", n.id, err)
	}
	if len(l.Outputs) == 0 {
		t.Fatalf("%s: /v1/local shows no outputs", n.id)
	}
	return l.Outputs[0]
}

// keepLogs copies the nodes' whole logs to $GATHERD_ARTIFACTS, when set, for a failure to be read later.
func keepLogs(t *testing.T, ns []*node) {
	base := os.Getenv("GATHERD_ARTIFACTS")
	if base == "" {
		return
	}
	dir := filepath.Join(base, fmt.Sprintf("%s-%s", strings.ReplaceAll(t.Name(), "/", "_"), time.Now().Format("150405")))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Logf("keep logs: %v", err)
		return
	}
	for _, nd := range ns {
		if b, err := os.ReadFile(nd.logPath); err == nil {
			_ = os.WriteFile(filepath.Join(dir, nd.id+".log"), b, 0o644)
		}
	}
	t.Logf("node logs kept in %s", dir)
}

// explainMissing logs, for each probe without a point, every point InfluxDB holds of that input around it
// (all fields and the node that wrote it), so a loss can be told from a late or failed gather.
func explainMissing(t *testing.T, db *testcluster.InfluxDB, missing map[string][]time.Time) {
	t.Helper()
	for id, ts := range missing {
		for _, at := range ts {
			q := fmt.Sprintf("SELECT * FROM http_response WHERE server =~ /\\/%s$/ AND time >= %dms AND time <= %dms",
				id, at.Add(-4*time.Second).UnixMilli(), at.Add(4*time.Second).UnixMilli())
			series, err := db.Query("gatherd", "ms", q)
			if err != nil {
				t.Logf("explain %s: %v", id, err)
				continue
			}
			t.Logf("%s probed at %s without a point; its points around it:", id, at.Format("15:04:05.000"))
			for _, s := range series {
				for _, v := range s.Values {
					ms, _ := v[0].(float64)
					t.Logf("  %s %v %v", time.UnixMilli(int64(ms)).Format("15:04:05.000"), s.Columns, v)
				}
			}
		}
	}
}
