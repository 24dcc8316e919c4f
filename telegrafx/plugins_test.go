package telegrafx_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/influxdata/telegraf"

	"github.com/gatherd/gatherd/testcluster"
)

// waitMetric waits until input id produced a metric that ok accepts, and returns it.
func waitMetric(t *testing.T, c *testcluster.Cluster, id string, ok func(telegraf.Metric) error) telegraf.Metric {
	t.Helper()
	var got telegraf.Metric
	err := testcluster.Poll(testcluster.DefaultWait, func() error {
		ms := c.Metrics.Of(id)
		if len(ms) == 0 {
			return fmt.Errorf("no metrics yet")
		}
		got = ms[len(ms)-1].Metric
		return ok(got)
	})
	if err != nil {
		t.Fatalf("no good metric from %s: %v", id, err)
	}
	return got
}

func field(m telegraf.Metric, name string) any {
	v, _ := m.GetField(name)
	return v
}

func tag(m telegraf.Metric, name string) string {
	v, _ := m.GetTag(name)
	return v
}

func TestEachAllowlistedInputGathersFromARealTarget(t *testing.T) {
	c := testcluster.New(t, testcluster.Options{Nodes: 3})
	l := c.WaitLeader()

	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/metrics":
			fmt.Fprintln(w, "# TYPE queue_depth gauge\nqueue_depth{queue=\"a\"} 42")
		case "/json":
			fmt.Fprintln(w, `{"temperature": 21.5}`)
		case "/influx":
			fmt.Fprintln(w, "room,floor=2 temperature=19.5")
		default:
			fmt.Fprintln(w, "ok")
		}
	}))
	t.Cleanup(web.Close)
	tlsWeb := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(tlsWeb.Close)

	cases := []struct {
		id, plugin string
		config     map[string]any
		check      func(telegraf.Metric) error
	}{
		{"web", "http_response", map[string]any{"urls": []string{web.URL + "/"}}, func(m telegraf.Metric) error {
			if m.Name() != "http_response" || field(m, "http_response_code") != int64(200) || tag(m, "result") != "success" {
				return fmt.Errorf("got %v", m)
			}
			return nil
		}},
		{"tcp", "net_response", map[string]any{"protocol": "tcp", "address": tcpTarget(t)}, func(m telegraf.Metric) error {
			if m.Name() != "net_response" || tag(m, "result") != "success" {
				return fmt.Errorf("got %v", m)
			}
			return nil
		}},
		{"dns", "dns_query", map[string]any{"servers": []string{"127.0.0.1"}, "port": dnsTarget(t), "domains": []string{"example.test"}}, func(m telegraf.Metric) error {
			if m.Name() != "dns_query" || tag(m, "result") != "success" || tag(m, "rcode") != "NOERROR" {
				return fmt.Errorf("got %v", m)
			}
			return nil
		}},
		{"cert", "x509_cert", map[string]any{"sources": []string{tlsWeb.URL}}, func(m telegraf.Metric) error {
			if m.Name() != "x509_cert" || field(m, "expiry") == nil {
				return fmt.Errorf("got %v", m)
			}
			return nil
		}},
		{"scrape", "http", map[string]any{"urls": []string{web.URL + "/metrics"}, "data_format": "prometheus"}, func(m telegraf.Metric) error {
			// Telegraf's prometheus parser (metric_version 2): measurement "prometheus", field per metric.
			if m.Name() != "prometheus" || tag(m, "queue") != "a" || field(m, "queue_depth") != 42.0 {
				return fmt.Errorf("got %v", m)
			}
			return nil
		}},
		{"json", "http", map[string]any{"urls": []string{web.URL + "/json"}, "data_format": "json"}, func(m telegraf.Metric) error {
			if m.Name() != "http" || field(m, "temperature") != 21.5 {
				return fmt.Errorf("got %v", m)
			}
			return nil
		}},
		{"influx", "http", map[string]any{"urls": []string{web.URL + "/influx"}, "data_format": "influx"}, func(m telegraf.Metric) error {
			if m.Name() != "room" || tag(m, "floor") != "2" {
				return fmt.Errorf("got %v", m)
			}
			return nil
		}},
		{"ping", "ping", map[string]any{"urls": []string{"127.0.0.1"}, "method": "native", "count": 1}, func(m telegraf.Metric) error {
			if m.Name() != "ping" || field(m, "result_code") != int64(0) {
				return fmt.Errorf("got %v (native ping needs root or CAP_NET_RAW)", m)
			}
			return nil
		}},
	}
	for _, tc := range cases {
		spec := map[string]any{"plugin": tc.plugin, "interval": "1s", "config": tc.config}
		if code, b := c.Do(l, http.MethodPut, "/v1/inputs/"+tc.id, spec); code != http.StatusOK {
			t.Fatalf("PUT %s: %d %s", tc.id, code, b)
		}
	}
	for _, tc := range cases {
		t.Run(tc.plugin+"/"+tc.id, func(t *testing.T) {
			m := waitMetric(t, c, tc.id, tc.check)
			if tag(m, "host") != "" {
				t.Fatalf("metric carries a host tag: series would change when the input moves: %v", m)
			}
			if m.Time().Truncate(time.Second) != m.Time() {
				t.Fatalf("time %s not rounded to the second as Telegraf does at a 1s interval", m.Time())
			}
		})
	}
	t.Run("snmp", func(t *testing.T) {
		port := snmpTarget(t)
		spec := map[string]any{"plugin": "snmp", "interval": "1s", "config": map[string]any{
			"agents": []string{fmt.Sprintf("udp://127.0.0.1:%d", port)}, "version": 2, "community": "public",
			"field": []map[string]any{{"name": "uptime", "oid": ".1.3.6.1.2.1.1.3.0"}, {"name": "location", "oid": ".1.3.6.1.2.1.1.6.0"}},
		}}
		if code, b := c.Do(l, http.MethodPut, "/v1/inputs/snmp", spec); code != http.StatusOK {
			t.Fatalf("PUT snmp: %d %s", code, b)
		}
		waitMetric(t, c, "snmp", func(m telegraf.Metric) error {
			if m.Name() != "snmp" || field(m, "location") != "gatherd-test" {
				return fmt.Errorf("got %v", m)
			}
			return nil
		})
	})
}

func TestTOMLAppliedTwiceCreatesOnceAndRejectsBadTables(t *testing.T) {
	c := testcluster.New(t, testcluster.Options{Nodes: 3})
	l := c.WaitLeader()
	doc := `
[[inputs.net_response]]
  protocol = "tcp"
  address = "127.0.0.1:1"
  interval = "5s"

[[inputs.http_response]]
  alias = "home"
  urls = ["http://127.0.0.1:1/"]
  [inputs.http_response.tags]
    team = "web"
`
	post := func(body string) (int, string) {
		code, b := c.DoWithType(l, http.MethodPost, "/v1/inputs", "application/toml", body)
		return code, string(b)
	}
	code, b := post(doc)
	if code != http.StatusOK {
		t.Fatalf("first apply: %d %s", code, b)
	}
	var st struct {
		AppliedIndex uint64 `json:"applied_index"`
		Inputs       int    `json:"inputs"`
	}
	c.GetJSON(l, "/v1/status", &st)
	versions := func() map[string]uint64 {
		var list struct {
			Inputs []struct {
				ID      string `json:"id"`
				Version uint64 `json:"version"`
			} `json:"inputs"`
		}
		c.GetJSON(l, "/v1/inputs", &list)
		out := map[string]uint64{}
		for _, in := range list.Inputs {
			out[in.ID] = in.Version
		}
		return out
	}
	first := versions()
	if len(first) != 2 || first["home"] == 0 {
		t.Fatalf("after the first apply: %v", first)
	}
	if code, b := post(doc); code != http.StatusOK {
		t.Fatalf("second apply: %d %s", code, b)
	}
	second := versions()
	for id, v := range first {
		if second[id] != v {
			t.Fatalf("applying the same file again changed %s: version %d -> %d", id, v, second[id])
		}
	}
	if len(second) != 2 {
		t.Fatalf("second apply created inputs: %v", second)
	}
	bad := []struct{ name, doc, field, reason string }{
		{"unknown plugin", "[[inputs.cpu]]\n", "inputs.cpu[0].plugin", "available"},
		{"unknown key", "[[inputs.net_response]]\nprotocol='tcp'\naddress='127.0.0.1:1'\nadress='x'\n", "inputs.net_response[0].adress", "adress"},
		{"mistyped key", "[[inputs.net_response]]\nprotocol='tcp'\naddress=7\n", "inputs.net_response[0].address", "string"},
		{"failing init", "[[inputs.net_response]]\nprotocol='udp'\naddress='127.0.0.1:1'\n", "inputs.net_response[0].config", "init"},
		{"env reference", "[[inputs.http_response]]\nurls=['http://${SECRET}/']\n", "body", "environment"},
		{"agent table", "[agent]\ninterval='1s'\n", "agent", "not allowed"},
		{"outputs table", "[[outputs.file]]\n", "outputs", "not allowed"},
		{"processors table", "[[processors.rename]]\n", "processors", "not allowed"},
		{"secretstores table", "[[secretstores.os]]\nid='s'\n", "secretstores", "not allowed"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			code, b := post(tc.doc)
			if code != http.StatusBadRequest || !strings.Contains(b, `"field": "`+tc.field+`"`) || !strings.Contains(strings.ToLower(b), tc.reason) {
				t.Fatalf("want 400 on %s mentioning %q, got %d %s", tc.field, tc.reason, code, b)
			}
		})
	}
	if got := versions(); len(got) != 2 {
		t.Fatalf("rejected files stored inputs: %v", got)
	}
}
