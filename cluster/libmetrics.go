package cluster

import (
	"context"
	"slices"
	"sync"
	"time"

	// raft, raft-boltdb and memberlist all emit through go-metrics' compat package, which forwards to
	// armon/go-metrics by default and to hashicorp/go-metrics under the hashicorpmetrics build tag; importing
	// the same package keeps this file on whichever global those libraries use.
	gometrics "github.com/hashicorp/go-metrics/compat"
	metricsprom "github.com/hashicorp/go-metrics/compat/prometheus"
	"github.com/prometheus/client_golang/prometheus"
)

// raft and memberlist report their own metrics (commit time, heartbeat timeouts, leader contact, probe and
// gossip times) only through go-metrics' process-global sink: neither raft 1.7 nor memberlist 0.5 takes a sink
// per instance. memberlist does take labels per instance (Config.MetricLabels), raft takes none.
//
// So the process has one global sink, libSinks, installed once, which routes every sample to the nodes of this
// process: a sample carrying libNodeLabel (memberlist's, see gossipMetricLabels) goes to that node only, with
// the label removed; any other sample (raft's, raft-boltdb's) goes to every node. Each node has its own
// go-metrics Prometheus sink registered in its own registry, so registries never share a collector and a
// restarted node starts its counters from zero, as a restarted process would.
//
// With one node per process, as the binary runs, every series is exactly that node's. With several nodes in one
// process (tests), memberlist series stay per node but raft series are the sum of every node in the process.

// libNodeLabel is the label memberlist attaches to each of its samples to name the node that emitted it. It
// never reaches a registry.
const libNodeLabel = "gatherd_memberlist_node"

// libMetricsExpiry drops a series created on its first report (every series with a peer_id, rpcType or
// node_state label, and those not declared below) once it has not been updated for this long, so departed
// peers do not stay in /metrics forever. The series declared in libCounters, libSummaries and libGauges never
// expire.
const libMetricsExpiry = 5 * time.Minute

// libSinks is the process-wide go-metrics sink; installLibrarySink makes it the global one.
var (
	libSinks    = &libRouter{nodes: map[string]*metricsprom.PrometheusSink{}}
	libSinkOnce sync.Once
)

// installLibrarySink makes libSinks go-metrics' global sink, once per process. Only raft's and memberlist's
// keys pass, without host name or service prefix, and without raft's legacy series that carry a peer's ID in
// their name (each also exists with a peer_id label).
func installLibrarySink() {
	libSinkOnce.Do(func() {
		_, _ = gometrics.NewGlobal(libMetricsConfig(), libSinks) // it never fails
	})
}

// libMetricsConfig is go-metrics' configuration for the global sink.
func libMetricsConfig() *gometrics.Config {
	conf := gometrics.DefaultConfig("") // no service prefix
	conf.HostName = ""
	conf.EnableHostname = false       // no host name in series names
	conf.EnableRuntimeMetrics = false // the registry's Go collector reports the runtime; no extra goroutine
	conf.FilterDefault = false
	conf.AllowedPrefixes = []string{"raft.", "memberlist."}
	conf.BlockedPrefixes = []string{
		"raft.replication.heartbeat.",
		"raft.replication.appendEntries.rpc.",
		"raft.replication.appendEntries.logs.",
		"raft.replication.installSnapshot.",
	}
	return conf
}

// gossipMetricLabels are the labels memberlist puts on every sample of this node, so libSinks can route them.
func (n *Node) gossipMetricLabels() []gometrics.Label {
	return []gometrics.Label{{Name: libNodeLabel, Value: n.cfg.NodeID}}
}

// exportLibraryMetrics registers the node's share of raft's and memberlist's metrics in cfg.Registerer until
// the node stops. It must run before raft starts, so raft's first state change is counted. A registry that
// refuses the sink costs the node these series, nothing else.
func (n *Node) exportLibraryMetrics() {
	reg := n.cfg.Registerer
	if reg == nil {
		return
	}
	installLibrarySink()
	sink, err := newLibrarySink(reg)
	if err != nil {
		n.log.Warn().Err(err).Msg("raft and memberlist metrics not exported")
		return
	}
	id := n.cfg.NodeID
	libSinks.add(id, sink)
	n.goLoop(func(ctx context.Context) {
		<-ctx.Done()
		libSinks.remove(id, sink)
		reg.Unregister(sink)
	})
}

// newLibrarySink returns a go-metrics Prometheus sink registered in reg, with libCounters, libSummaries and
// libGauges declared.
func newLibrarySink(reg prometheus.Registerer) (*metricsprom.PrometheusSink, error) {
	return metricsprom.NewPrometheusSinkFrom(metricsprom.PrometheusOpts{
		Registerer:         reg,
		Name:               "gatherd_library_metrics", // only names the sink's placeholder descriptor
		Expiration:         libMetricsExpiry,
		CounterDefinitions: libCounters,
		SummaryDefinitions: libSummaries,
		GaugeDefinitions:   libGauges,
	})
}

// libRouter is a go-metrics sink that hands each sample to the Prometheus sinks of the nodes it belongs to.
type libRouter struct {
	mu    sync.RWMutex
	nodes map[string]*metricsprom.PrometheusSink // node ID -> its sink
}

func (r *libRouter) add(node string, s *metricsprom.PrometheusSink) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.nodes[node] = s
}

// remove forgets node's sink unless a restarted node with the same ID has replaced it already.
func (r *libRouter) remove(node string, s *metricsprom.PrometheusSink) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.nodes[node] == s {
		delete(r.nodes, node)
	}
}

// route calls emit for each sink the sample belongs to, with libNodeLabel removed from its labels.
func (r *libRouter) route(labels []gometrics.Label, emit func(*metricsprom.PrometheusSink, []gometrics.Label)) {
	node := ""
	if i := slices.IndexFunc(labels, func(l gometrics.Label) bool { return l.Name == libNodeLabel }); i >= 0 {
		node = labels[i].Value
		// a copy: the caller's slice is memberlist's own, shared by its goroutines
		labels = slices.Concat(labels[:i], labels[i+1:])
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if node != "" {
		if s := r.nodes[node]; s != nil {
			emit(s, labels)
		}
		return
	}
	for _, s := range r.nodes {
		emit(s, labels)
	}
}

func (r *libRouter) SetGauge(key []string, val float32) { r.SetGaugeWithLabels(key, val, nil) }

func (r *libRouter) SetGaugeWithLabels(key []string, val float32, labels []gometrics.Label) {
	r.route(labels, func(s *metricsprom.PrometheusSink, l []gometrics.Label) { s.SetGaugeWithLabels(key, val, l) })
}

// EmitKey is dropped, as the Prometheus sink drops it: a pull model keeps no stream of values.
func (r *libRouter) EmitKey([]string, float32) {}

func (r *libRouter) IncrCounter(key []string, val float32) { r.IncrCounterWithLabels(key, val, nil) }

func (r *libRouter) IncrCounterWithLabels(key []string, val float32, labels []gometrics.Label) {
	r.route(labels, func(s *metricsprom.PrometheusSink, l []gometrics.Label) { s.IncrCounterWithLabels(key, val, l) })
}

func (r *libRouter) AddSample(key []string, val float32) { r.AddSampleWithLabels(key, val, nil) }

func (r *libRouter) AddSampleWithLabels(key []string, val float32, labels []gometrics.Label) {
	r.route(labels, func(s *metricsprom.PrometheusSink, l []gometrics.Label) { s.AddSampleWithLabels(key, val, l) })
}

// The series below exist from the node's start (at zero), never expire and carry a help text; everything else
// raft and memberlist emit appears when first reported, with its key as help. Times are in milliseconds, as
// go-metrics measures them.
var (
	libCounters = []metricsprom.CounterDefinition{
		{Name: []string{"raft", "state", "follower"}, Help: "Times raft entered the follower state."},
		{Name: []string{"raft", "state", "candidate"}, Help: "Elections raft started (entered the candidate state)."},
		{Name: []string{"raft", "state", "leader"}, Help: "Times raft became leader."},
		{Name: []string{"raft", "transition", "heartbeat_timeout"}, Help: "Times a follower heard no leader within the heartbeat timeout and started an election."},
		{Name: []string{"raft", "transition", "leader_lease_timeout"}, Help: "Times the leader stepped down, out of contact with a quorum for the lease timeout."},
		{Name: []string{"raft", "apply"}, Help: "Commands submitted to raft on the leader."},
		{Name: []string{"memberlist", "msg", "alive"}, Help: "Alive messages about a node processed by gossip."},
		{Name: []string{"memberlist", "msg", "suspect"}, Help: "Suspect messages processed by gossip: some node suspects a peer."},
		{Name: []string{"memberlist", "msg", "dead"}, Help: "Dead messages processed by gossip."},
		{Name: []string{"memberlist", "degraded", "probe"}, Help: "Probes run with a stretched interval because this node's own health score is degraded."},
		{Name: []string{"memberlist", "degraded", "timeout"}, Help: "Nodes declared dead before enough peers confirmed the suspicion."},
	}
	libSummaries = []metricsprom.SummaryDefinition{
		{Name: []string{"raft", "commitTime"}, Help: "Milliseconds from the leader dispatching a log entry to its commit (leader only)."},
		{Name: []string{"raft", "fsm", "apply"}, Help: "Milliseconds applying one log entry to the store."},
		{Name: []string{"raft", "leader", "dispatchLog"}, Help: "Milliseconds the leader takes to write entries to its own log."},
		{Name: []string{"raft", "leader", "lastContact"}, Help: "Milliseconds since the leader last heard from each voter, sampled at every lease check (leader only)."},
		{Name: []string{"raft", "rpc", "appendEntries"}, Help: "Milliseconds a follower takes to handle an AppendEntries RPC."},
		{Name: []string{"raft", "rpc", "processHeartbeat"}, Help: "Milliseconds a follower takes to handle a heartbeat."},
		{Name: []string{"memberlist", "probeNode"}, Help: "Milliseconds per failure-detection probe of a peer, indirect probes included."},
		{Name: []string{"memberlist", "gossip"}, Help: "Milliseconds per gossip round."},
		{Name: []string{"memberlist", "pushPullNode"}, Help: "Milliseconds per full state exchange with a peer."},
	}
	libGauges = []metricsprom.GaugeDefinition{
		{Name: []string{"raft", "peers"}, Help: "Servers in the latest raft configuration."},
		{Name: []string{"memberlist", "health", "score"}, Help: "This node's gossip health score: 0 is healthy; higher stretches its probe timeouts."},
	}
)

// libRouter is the sink raft and memberlist write into.
var _ gometrics.MetricSink = (*libRouter)(nil)
