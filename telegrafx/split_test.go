package telegrafx_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/influxdata/telegraf"
	tagent "github.com/influxdata/telegraf/agent"
	"github.com/influxdata/telegraf/config"
	"github.com/influxdata/telegraf/plugins/parsers/influx"

	"github.com/gatherd/gatherd/testcluster"
)

// series describes metrics as their series keys (measurement and tags) and, per key, the field names.
func series(ms []telegraf.Metric) map[string][]string {
	out := map[string][]string{}
	for _, m := range ms {
		tags := m.Tags()
		var b strings.Builder
		b.WriteString(m.Name())
		for _, k := range slices.Sorted(maps.Keys(tags)) {
			fmt.Fprintf(&b, ",%s=%s", k, tags[k])
		}
		var fields []string
		for _, f := range m.FieldList() {
			fields = append(fields, f.Key)
		}
		slices.Sort(fields)
		out[b.String()] = fields
	}
	return out
}

// TestSplitSeriesMatchTelegraf runs one http_response table listing three URLs in Telegraf's own agent, and
// the same table in gatherd, where it becomes three inputs: the series (measurement, tags) and their fields are
// the same.
func TestSplitSeriesMatchTelegraf(t *testing.T) {
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") }))
	defer web.Close()
	table := fmt.Sprintf("[[inputs.http_response]]\n  alias = \"web\"\n  interval = \"1s\"\n  urls = [%q, %q, %q]\n  response_string_match = \"ok\"\n",
		web.URL+"/a", web.URL+"/b", web.URL+"/c")

	// Telegraf, once, writing line protocol to a file.
	out := filepath.Join(t.TempDir(), "metrics.out")
	cfg := config.NewConfig()
	doc := fmt.Sprintf("[agent]\n  omit_hostname = true\n[[outputs.file]]\n  files = [%q]\n  data_format = \"influx\"\n", out) + table
	if err := cfg.LoadConfigData([]byte(doc), "split-test"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := tagent.NewAgent(cfg).Once(ctx, 0); err != nil {
		t.Fatalf("telegraf --once: %v", err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	parser := &influx.Parser{}
	if err := parser.Init(); err != nil {
		t.Fatal(err)
	}
	theirs, err := parser.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	want := series(theirs)
	if len(want) != 3 {
		t.Fatalf("telegraf wrote %d series, want 3: %s", len(want), b)
	}

	// gatherd: three inputs, one per URL.
	c := testcluster.New(t, testcluster.Options{Nodes: 1})
	l := c.WaitLeader()
	if code, b := c.DoWithType(l, http.MethodPost, "/v1/inputs", "application/toml", table); code != http.StatusOK {
		t.Fatalf("apply: %d %s", code, b)
	}
	var got map[string][]string
	c.WaitFor("a metric from each of the three inputs", testcluster.DefaultWait, func() error {
		var ms []telegraf.Metric
		for _, p := range []string{"a", "b", "c"} {
			g := c.Metrics.Of("web.http_127.0.0.1_" + web.URL[strings.LastIndex(web.URL, ":")+1:] + "_" + p)
			if len(g) == 0 {
				return fmt.Errorf("no metric from %s yet", p)
			}
			ms = append(ms, g[0].Metric)
		}
		got = series(ms)
		return nil
	})
	if !maps.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("series differ:\ngatherd  %v\ntelegraf %v", got, want)
	}
}
