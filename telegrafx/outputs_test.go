package telegrafx

import (
	"bufio"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/influxdata/telegraf"
	"github.com/influxdata/telegraf/metric"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/rs/zerolog"
)

func TestParseOutputsReadsTheBufferKeys(t *testing.T) {
	outs, err := ParseOutputs([]byte(`
[agent]
  buffer_strategy = "disk"
  buffer_size_limit = "1MiB"
  interval = "10s"

[[outputs.file]]
  files = ["stdout"]

[[outputs.file]]
  files = ["stderr"]
  buffer_strategy = "memory"

[[outputs.influxdb]]
  urls = ["http://127.0.0.1:1"]
  buffer_directory = "/var/spool/gatherd"
  buffer_size_limit = 4096
`))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range outs {
		got = append(got, fmt.Sprintf("%s %s %q %d", o.Config.Name, o.Buffer.Strategy, o.Buffer.Directory, o.Buffer.SizeLimit))
	}
	want := []string{`file disk "" 1048576`, `file memory "" 1048576`, `influxdb disk "/var/spool/gatherd" 4096`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, bad := range []string{
		"[[outputs.file]]\n  buffer_strategy = \"tape\"\n",
		"[agent]\n  buffer_size_limit = \"lots\"\n[[outputs.file]]\n",
		"[[outputs.file]]\n  buffer_size_limit = -1\n",
	} {
		if _, err := ParseOutputs([]byte(bad)); err == nil || !strings.Contains(err.Error(), "buffer_") {
			t.Errorf("%q: error %v, want one naming the key", bad, err)
		}
	}
}

// lineSink is an HTTP endpoint for outputs.http (data_format influx) that refuses writes while down and keeps
// the lines it accepted.
type lineSink struct {
	down  atomic.Bool
	mu    sync.Mutex
	lines map[string]int
}

func (s *lineSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.down.Load() {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sc := bufio.NewScanner(r.Body)
	for sc.Scan() {
		s.lines[sc.Text()]++
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *lineSink) distinct() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.lines)
}

func gathered(i int) []telegraf.Metric {
	return []telegraf.Metric{metric.New("probe", map[string]string{"input": "a"}, map[string]any{"n": int64(i)}, time.Unix(1700000000+int64(i), 0))}
}

func TestDiskBufferKeepsWhatTheOutputRefusedAcrossARestart(t *testing.T) {
	sink := &lineSink{lines: map[string]int{}}
	sink.down.Store(true)
	srv := httptest.NewServer(sink)
	t.Cleanup(srv.Close)
	doc := fmt.Sprintf(`[[outputs.http]]
  url = %q
  data_format = "influx"
  flush_interval = "100ms"
  metric_batch_size = 7
  buffer_strategy = "disk"
`, srv.URL)
	dataDir := t.TempDir()
	start := func() (*Outputs, *prometheus.Registry) {
		outs, err := ParseOutputs([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		reg := prometheus.NewRegistry()
		o, err := StartOutputs(outs, "", dataDir, zerolog.Nop(), reg)
		if err != nil {
			t.Fatal(err)
		}
		return o, reg
	}
	o, reg := start()
	const n = 50
	for i := range n {
		o.Write("a", gathered(i))
	}
	deadline := time.Now().Add(10 * time.Second)
	for o.Health()[0].WriteErrors == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	h := o.Health()[0]
	if h.Buffer != "disk" || h.Buffered != n || h.BytesOnDisk == 0 || h.WriteErrors == 0 || !strings.Contains(h.LastError, "503") ||
		!h.OldestPoint.Equal(time.Unix(1700000000, 0)) || h.Written != 0 {
		t.Fatalf("health while the output is down: %+v", h)
	}
	if v := testutil.ToFloat64(collectorFor(reg, "gatherd_output_buffer_length")); v != n {
		t.Fatalf("gatherd_output_buffer_length = %v, want %d", v, n)
	}
	o.Close() // still down: what it holds stays on disk

	sink.down.Store(false)
	o2, _ := start()
	defer o2.Close()
	for sink.distinct() < n && time.Now().Before(deadline.Add(10*time.Second)) {
		time.Sleep(50 * time.Millisecond)
	}
	if got := sink.distinct(); got != n {
		t.Fatalf("%d of %d metrics arrived after the restart", got, n)
	}
	for o2.Health()[0].Buffered != 0 && time.Now().Before(deadline.Add(15*time.Second)) {
		time.Sleep(50 * time.Millisecond)
	}
	if h := o2.Health()[0]; h.Buffered != 0 || h.Written < n || h.Dropped != 0 || h.OldestPointAge != 0 {
		t.Fatalf("health once delivered: %+v", h)
	}
}

// collectorFor gathers reg and returns the one metric named name as a collector testutil can read.
func collectorFor(reg *prometheus.Registry, name string) prometheus.Collector {
	return prometheus.CollectorFunc(func(ch chan<- prometheus.Metric) {
		mfs, _ := reg.Gather()
		for _, mf := range mfs {
			if mf.GetName() == name {
				for _, m := range mf.GetMetric() {
					ch <- prometheus.MustNewConstMetric(prometheus.NewDesc(name, "", nil, nil), prometheus.GaugeValue, m.GetGauge().GetValue())
				}
			}
		}
	})
}

func TestTheDiskRecordKeepsEveryFieldTypeAndTheTime(t *testing.T) {
	m := metric.New("m", map[string]string{"a": "1", "b": ""},
		map[string]any{"f": 1.5, "i": int64(-3), "u": uint64(1 << 63), "s": "x y", "t": true, "n": false},
		time.Unix(1700000000, 123456789), telegraf.Counter)
	rec, err := encodeMetric(nil, m)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeMetric(rec)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name() != m.Name() || got.Type() != m.Type() || !got.Time().Equal(m.Time()) ||
		fmt.Sprint(got.Tags()) != fmt.Sprint(m.Tags()) || fmt.Sprint(got.Fields()) != fmt.Sprint(m.Fields()) {
		t.Fatalf("round trip: %v, want %v", got, m)
	}
	for i := range rec {
		if _, err := decodeMetric(rec[:i]); err == nil {
			t.Fatalf("a record cut at %d of %d decoded", i, len(rec))
		}
	}
}

func TestAFailingOutputIsRetriedAtTheFlushIntervalNotOnEveryGather(t *testing.T) {
	sink := &lineSink{lines: map[string]int{}}
	sink.down.Store(true)
	srv := httptest.NewServer(sink)
	t.Cleanup(srv.Close)
	outs, err := ParseOutputs([]byte(fmt.Sprintf(`[[outputs.http]]
  url = %q
  data_format = "influx"
  flush_interval = "500ms"
  metric_batch_size = 5
  buffer_strategy = "disk"
`, srv.URL)))
	if err != nil {
		t.Fatal(err)
	}
	o, err := StartOutputs(outs, "", t.TempDir(), zerolog.Nop(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	start := time.Now()
	for i := range 40 { // a full batch on every gather after the fifth
		o.Write("a", gathered(i))
		time.Sleep(50 * time.Millisecond)
	}
	h := o.Health()[0]
	if most := uint64(time.Since(start)/(500*time.Millisecond)) + 2; h.WriteErrors == 0 || h.WriteErrors > most {
		t.Fatalf("%d failed writes in %s at a 500ms flush interval: %+v", h.WriteErrors, time.Since(start), h)
	}
}

func TestTwoOutputsCannotShareADiskBuffer(t *testing.T) {
	outs, err := ParseOutputs([]byte("[agent]\n  buffer_strategy = \"disk\"\n[[outputs.file]]\n  files = [\"/dev/null\"]\n[[outputs.file]]\n  files = [\"/dev/null\"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if o, err := StartOutputs(outs, "", t.TempDir(), zerolog.Nop(), nil); err == nil || !strings.Contains(err.Error(), "alias") {
		if o != nil {
			o.Close()
		}
		t.Fatalf("two identical disk-buffered outputs started: %v", err)
	}
}
