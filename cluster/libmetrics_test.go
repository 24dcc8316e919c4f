package cluster

import (
	"slices"
	"strings"
	"testing"

	gometrics "github.com/hashicorp/go-metrics/compat"
	metricsprom "github.com/hashicorp/go-metrics/compat/prometheus"
	"github.com/prometheus/client_golang/prometheus"
)

// GatheredSeries is gatheredSeries for the tests outside the package.
var GatheredSeries = gatheredSeries

// gatheredSeries gathers g into name{label=value,...} -> value: a counter's or gauge's value, a summary's
// sample count.
func gatheredSeries(g prometheus.Gatherer) (map[string]float64, error) {
	families, err := g.Gather()
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			slices.Sort(labels)
			key := f.GetName()
			if len(labels) > 0 {
				key += "{" + strings.Join(labels, ",") + "}"
			}
			switch {
			case m.Counter != nil:
				out[key] = m.GetCounter().GetValue()
			case m.Gauge != nil:
				out[key] = m.GetGauge().GetValue()
			case m.Summary != nil:
				out[key] = float64(m.GetSummary().GetSampleCount())
			}
		}
	}
	return out, nil
}

// TestLibraryMetricsRouteToTheirNode: a memberlist sample reaches only the node it names, without the routing
// label; a raft sample (no node) reaches every node of the process; a node removed gets nothing more.
func TestLibraryMetricsRouteToTheirNode(t *testing.T) {
	r := &libRouter{nodes: map[string]*metricsprom.PrometheusSink{}}
	regs := map[string]*prometheus.Registry{"a": prometheus.NewRegistry(), "b": prometheus.NewRegistry()}
	sinks := map[string]*metricsprom.PrometheusSink{}
	for id, reg := range regs {
		s, err := newLibrarySink(reg)
		if err != nil {
			t.Fatalf("sink for %s: %v", id, err)
		}
		sinks[id] = s
		r.add(id, s)
	}
	of := func(node string, more ...gometrics.Label) []gometrics.Label {
		return append([]gometrics.Label{{Name: libNodeLabel, Value: node}}, more...)
	}
	r.AddSampleWithLabels([]string{"memberlist", "probeNode"}, 3, of("a"))
	r.IncrCounterWithLabels([]string{"memberlist", "msg", "suspect"}, 1, of("b"))
	r.SetGaugeWithLabels([]string{"memberlist", "node", "instances"}, 2, of("a", gometrics.Label{Name: "node_state", Value: "alive"}))
	r.IncrCounterWithLabels([]string{"memberlist", "msg", "dead"}, 1, of("c")) // no such node here
	r.IncrCounter([]string{"raft", "state", "candidate"}, 1)
	r.AddSampleWithLabels([]string{"raft", "replication", "heartbeat"}, 1, []gometrics.Label{{Name: "peer_id", Value: "b"}})
	r.remove("b", sinks["a"]) // a stale sink does not remove the current one
	r.remove("a", sinks["a"])
	r.IncrCounter([]string{"raft", "state", "leader"}, 1)

	got := map[string]map[string]float64{}
	for id, reg := range regs {
		series, err := gatheredSeries(reg)
		if err != nil {
			t.Fatalf("gather %s: %v", id, err)
		}
		got[id] = series
		for k := range series {
			if strings.Contains(k, libNodeLabel) {
				t.Errorf("node %s exports the routing label: %s", id, k)
			}
		}
	}
	const absent = -1
	for _, tc := range []struct {
		series string
		a, b   float64
	}{
		{"memberlist_probeNode", 1, 0}, // declared, so b has it at zero
		{"memberlist_msg_suspect", 0, 1},
		{"memberlist_node_instances{node_state=alive}", 2, absent},
		{"memberlist_msg_dead", 0, 0},
		{"raft_state_candidate", 1, 1},
		{"raft_replication_heartbeat{peer_id=b}", 1, 1},
		{"raft_state_leader", 0, 1},
	} {
		for id, want := range map[string]float64{"a": tc.a, "b": tc.b} {
			v, ok := got[id][tc.series]
			switch {
			case want == absent && ok:
				t.Errorf("node %s has %s = %v, want none", id, tc.series, v)
			case want != absent && (!ok || v != want):
				t.Errorf("node %s has %s = %v (present: %v), want %v", id, tc.series, v, ok, want)
			}
		}
	}
}

// TestLibraryMetricsFilter: only raft's and memberlist's keys pass, without raft's legacy per-peer names and
// without a host name.
func TestLibraryMetricsFilter(t *testing.T) {
	reg := prometheus.NewRegistry()
	s, err := newLibrarySink(reg)
	if err != nil {
		t.Fatal(err)
	}
	m, err := gometrics.New(libMetricsConfig(), s)
	if err != nil {
		t.Fatal(err)
	}
	peer := []gometrics.Label{{Name: "peer_id", Value: "node2"}}
	m.AddSampleWithLabels([]string{"raft", "replication", "heartbeat"}, 1, peer)
	m.AddSample([]string{"raft", "replication", "heartbeat", "node2"}, 1) // legacy: the peer in the name
	m.IncrCounterWithLabels([]string{"raft", "replication", "appendEntries", "logs"}, 2, peer)
	m.IncrCounter([]string{"raft", "replication", "appendEntries", "logs", "node2"}, 2)
	m.SetGauge([]string{"raft", "peers"}, 3)
	m.SetGauge([]string{"runtime", "num_goroutines"}, 9)
	m.IncrCounter([]string{"consul", "rpc", "request"}, 1)
	got, err := gatheredSeries(reg)
	if err != nil {
		t.Fatal(err)
	}
	for series, want := range map[string]float64{
		"raft_replication_heartbeat{peer_id=node2}":          1,
		"raft_replication_appendEntries_logs{peer_id=node2}": 2,
		"raft_peers": 3,
	} {
		if got[series] != want {
			t.Errorf("%s = %v, want %v", series, got[series], want)
		}
	}
	for k := range got {
		if !strings.HasPrefix(k, "raft_") && !strings.HasPrefix(k, "memberlist_") || strings.Contains(k, "node2_") ||
			strings.HasSuffix(k, "_node2") {
			t.Errorf("unexpected series %s", k)
		}
	}
}
