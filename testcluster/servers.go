package testcluster

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// The output servers tests write to: Debian's InfluxDB 1.x and Prometheus, started on loopback ports with
// their data in the test's temporary directory. A test skips, saying what to install, when the binary is
// missing.

// FreePort returns a TCP port free on 127.0.0.1 right now.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// server is a child process that can be stopped and started again on the same data.
type server struct {
	t    testing.TB
	name string
	args []string
	port int
	mu   sync.Mutex
	cmd  *exec.Cmd
}

func lookBin(t testing.TB, name, pkg string) string {
	t.Helper()
	if bin, err := exec.LookPath(name); err == nil {
		return bin
	}
	for _, dir := range []string{"/usr/bin", "/usr/sbin"} {
		if bin := filepath.Join(dir, name); fileExists(bin) {
			return bin
		}
	}
	t.Skipf("%s not installed (apt-get install -y --no-install-recommends %s)", name, pkg)
	return ""
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// Start starts the server (again) and waits until its port answers.
func (s *server) Start() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	cmd := exec.Command(s.args[0], s.args[1:]...)
	log, err := os.Create(filepath.Join(s.t.TempDir(), s.name+".log"))
	if err == nil {
		cmd.Stdout, cmd.Stderr = log, log
	}
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("start %s: %v", s.name, err)
	}
	s.cmd = cmd
	if err := Poll(30*time.Second, func() error {
		c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(s.port))
		if err == nil {
			c.Close()
		}
		return err
	}); err != nil {
		s.t.Fatalf("%s did not listen: %v", s.name, err)
	}
}

// Stop kills the server, as an outage would.
func (s *server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
		s.cmd = nil
	}
}

// InfluxDB is Debian's influxd (1.x) on a loopback port.
type InfluxDB struct {
	server
	URL string // http://127.0.0.1:PORT
}

// StartInfluxDB starts an InfluxDB, stopped when the test ends.
func StartInfluxDB(t testing.TB) *InfluxDB {
	t.Helper()
	bin := lookBin(t, "influxd", "influxdb")
	dir := t.TempDir()
	httpPort, rpcPort := FreePort(t), FreePort(t)
	conf := fmt.Sprintf(`reporting-disabled = true
bind-address = "127.0.0.1:%d"
[meta]
  dir = %q
[data]
  dir = %q
  wal-dir = %q
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:%d"
  log-enabled = false
[monitor]
  store-enabled = false
`, rpcPort, filepath.Join(dir, "meta"), filepath.Join(dir, "data"), filepath.Join(dir, "wal"), httpPort)
	path := filepath.Join(dir, "influxdb.conf")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	db := &InfluxDB{server: server{t: t, name: "influxd", args: []string{bin, "-config", path}, port: httpPort},
		URL: "http://127.0.0.1:" + strconv.Itoa(httpPort)}
	db.Start()
	t.Cleanup(db.Stop)
	return db
}

// InfluxSeries is one series of an InfluxQL answer.
type InfluxSeries struct {
	Name    string            `json:"name"`
	Tags    map[string]string `json:"tags"`
	Columns []string          `json:"columns"`
	Values  [][]any           `json:"values"`
}

// Query runs an InfluxQL query on database db (timestamps in epoch seconds, or the epoch given as
// precision, e.g. "ms") and returns the first statement's series.
func (db *InfluxDB) Query(database, precision, q string) ([]InfluxSeries, error) {
	return InfluxQuery(db.URL, database, precision, q)
}

// InfluxQuery is InfluxDB.Query against the InfluxDB at base.
func InfluxQuery(base, database, precision, q string) ([]InfluxSeries, error) {
	if precision == "" {
		precision = "s"
	}
	resp, err := http.Get(base + "/query?db=" + url.QueryEscape(database) + "&epoch=" + precision + "&q=" + url.QueryEscape(q))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out struct {
		Results []struct {
			Error  string         `json:"error"`
			Series []InfluxSeries `json:"series"`
		} `json:"results"`
		Error string `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, err
	}
	if out.Error != "" {
		return nil, fmt.Errorf("%s", out.Error)
	}
	if len(out.Results) == 0 {
		return nil, nil
	}
	if out.Results[0].Error != "" {
		return nil, fmt.Errorf("%s", out.Results[0].Error)
	}
	return out.Results[0].Series, nil
}

// Prometheus is Debian's prometheus with its remote-write receiver on, on a loopback port.
type Prometheus struct {
	server
	URL string // http://127.0.0.1:PORT; remote write goes to URL + "/api/v1/write"
}

// StartPrometheus starts a Prometheus that scrapes nothing and takes remote writes, accepting samples up to
// ten minutes out of order (what a disk buffer replays after a node comes back), stopped when the test ends.
func StartPrometheus(t testing.TB) *Prometheus {
	t.Helper()
	bin := lookBin(t, "prometheus", "prometheus")
	dir := t.TempDir()
	port := FreePort(t)
	conf := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(conf, []byte("global: {}\nstorage:\n  tsdb:\n    out_of_order_time_window: 10m\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := &Prometheus{server: server{t: t, name: "prometheus", port: port, args: []string{bin,
		"--config.file=" + conf, "--storage.tsdb.path=" + filepath.Join(dir, "data"),
		"--web.listen-address=127.0.0.1:" + strconv.Itoa(port), "--web.enable-remote-write-receiver"}},
		URL: "http://127.0.0.1:" + strconv.Itoa(port)}
	p.Start()
	t.Cleanup(p.Stop)
	if err := Poll(30*time.Second, func() error {
		resp, err := http.Get(p.URL + "/-/ready")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("ready: %s", resp.Status)
		}
		return nil
	}); err != nil {
		t.Fatalf("prometheus not ready: %v", err)
	}
	return p
}

// PromSeries is one series of a range-vector answer: its labels and raw (unix seconds, "value") samples.
type PromSeries struct {
	Metric map[string]string `json:"metric"`
	Values [][2]any          `json:"values"`
}

// Samples evaluates a range-vector PromQL expression (e.g. `up[5m]`) at time at: the raw samples.
func (p *Prometheus) Samples(q string, at time.Time) ([]PromSeries, error) {
	v := url.Values{"query": {q}, "time": {strconv.FormatFloat(float64(at.UnixMilli())/1000, 'f', 3, 64)}}
	resp, err := http.Get(p.URL + "/api/v1/query?" + v.Encode())
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			ResultType string       `json:"resultType"`
			Result     []PromSeries `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, err
	}
	if out.Status != "success" {
		return nil, fmt.Errorf("query %s: %s", q, out.Error)
	}
	if out.Data.ResultType != "matrix" {
		return nil, fmt.Errorf("query %s: a %s, want a range vector", q, out.Data.ResultType)
	}
	return out.Data.Result, nil
}
