package telegrafx_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gatherd/gatherd/testcluster"
)

func seriesKeys(t *testing.T, base string) []string {
	t.Helper()
	s, err := testcluster.InfluxQuery(base, "gatherd", "", "SHOW SERIES FROM http_response")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, ser := range s {
		for _, v := range ser.Values {
			keys = append(keys, fmt.Sprint(v[0]))
		}
	}
	sort.Strings(keys)
	return keys
}

func TestInfluxDBSeriesContinueWhenANodeDies(t *testing.T) {
	influx := testcluster.StartInfluxDB(t).URL
	outputsDoc := fmt.Sprintf("[[outputs.influxdb]]\n  urls = [%q]\n  database = \"gatherd\"\n  flush_interval = \"1s\"\n", influx)
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(web.Close)

	// The nodes write through the outputs of their own config, as --outputs makes a node do.
	c := testcluster.New(t, testcluster.Options{Nodes: 3, Outputs: outputsDoc})
	l := c.WaitLeader()
	const n = 9
	var specs []map[string]any
	for i := range n {
		specs = append(specs, map[string]any{"id": fmt.Sprintf("web-%d", i), "plugin": "http_response", "interval": "1s",
			"config": map[string]any{"urls": []string{fmt.Sprintf("%s/probe/%d", web.URL, i)}}})
	}
	if code, b := c.Do(l, http.MethodPost, "/v1/inputs", map[string]any{"inputs": specs}); code != http.StatusOK {
		t.Fatalf("apply: %d %s", code, b)
	}
	c.WaitFor("one series per input in InfluxDB", testcluster.DefaultWait, func() error {
		if k := seriesKeys(t, influx); len(k) != n {
			return fmt.Errorf("%d series: %v", len(k), k)
		}
		return nil
	})
	before := seriesKeys(t, influx)
	for _, k := range before {
		if strings.Contains(k, "host=") || strings.Contains(k, "gatherd_node=") {
			t.Fatalf("series %s carries the collecting node", k)
		}
	}
	victim := (l + 1) % 3
	killed := time.Now()
	c.Kill(victim)
	c.WaitFor("every input's series growing after the kill", testcluster.DefaultWait, func() error {
		s, err := testcluster.InfluxQuery(influx, "gatherd", "", fmt.Sprintf("SELECT count(response_time) FROM http_response WHERE time > %ds GROUP BY server", killed.Unix()+2))
		if err != nil {
			return err
		}
		if len(s) != n {
			return fmt.Errorf("%d of %d inputs wrote since the kill", len(s), n)
		}
		return nil
	})
	after := seriesKeys(t, influx)
	if strings.Join(after, "\n") != strings.Join(before, "\n") {
		t.Fatalf("series changed when a node died:\nbefore %v\nafter  %v", before, after)
	}
}
