package cluster

import (
	"slices"

	"github.com/hashicorp/raft"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatherd/gatherd/store"
)

// metrics are the node's Prometheus collectors. Every node has its own registerer (tests run several nodes in
// one process), so nothing is registered globally.
type metrics struct {
	reg        prometheus.Registerer
	collectors []prometheus.Collector
	leader     prometheus.Gauge
	moves      *prometheus.CounterVec
	failover   prometheus.Histogram
}

func newMetrics(n *Node, reg prometheus.Registerer) *metrics {
	m := &metrics{
		reg:    reg,
		leader: prometheus.NewGauge(prometheus.GaugeOpts{Name: "gatherd_raft_leader", Help: "1 while this node is the raft leader."}),
		moves: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gatherd_placement_moves_total",
			Help: "Inputs moved by this node while leader, by reason (new, failed, planned, cancelled: back to the node still gathering it before its handoff, unassigned)."}, []string{"reason"}),
		failover: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "gatherd_failover_seconds",
			Help:    "From gossip declaring a node dead to its inputs' new owners committed in raft (leader's view).",
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 3, 5, 10, 30}}),
	}
	gauge := func(name, help string, f func() float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f)
	}
	m.collectors = []prometheus.Collector{
		m.leader, m.moves, m.failover,
		gauge("gatherd_raft_term", "Current raft term.", func() float64 { return float64(n.raft.CurrentTerm()) }),
		gauge("gatherd_raft_applied_index", "Last raft index applied to the store.", func() float64 { return float64(n.raft.AppliedIndex()) }),
		gauge("gatherd_raft_commit_index", "Last raft index known committed.", func() float64 { return float64(n.raft.CommitIndex()) }),
		gauge("gatherd_fenced", "1 while this node has stopped its inputs for lack of leader contact.", func() float64 {
			if n.fenced.Load() {
				return 1
			}
			return 0
		}),
		gauge("gatherd_placement_generation", "Placement generation in the store.", func() float64 {
			var g uint64
			n.store.Read(func(st *store.State) { g = st.Generation })
			return float64(g)
		}),
		gauge("gatherd_inputs", "Inputs in the store.", func() float64 {
			var c int
			n.store.Read(func(st *store.State) { c = len(st.Inputs) })
			return float64(c)
		}),
		&stateCollector{n: n},
	}
	if reg != nil {
		for _, c := range m.collectors {
			reg.MustRegister(c)
		}
	}
	return m
}

func (m *metrics) setLeader(on bool) {
	if on {
		m.leader.Set(1)
	} else {
		m.leader.Set(0)
	}
}

func (m *metrics) unregister() {
	if m == nil || m.reg == nil {
		return
	}
	for _, c := range m.collectors {
		m.reg.Unregister(c)
	}
}

var (
	raftStateDesc = prometheus.NewDesc("gatherd_raft_state", "1 for this node's current raft state.", []string{"state"}, nil)
	membersDesc   = prometheus.NewDesc("gatherd_members", "Members by gossip status.", []string{"status"}, nil)
	assignedDesc  = prometheus.NewDesc("gatherd_inputs_assigned", "Inputs assigned per node.", []string{"node"}, nil)
)

// stateCollector reports labelled gauges whose label sets change with the cluster.
type stateCollector struct{ n *Node }

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- raftStateDesc
	ch <- membersDesc
	ch <- assignedDesc
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	cur := c.n.raft.State()
	for _, s := range []raft.RaftState{raft.Follower, raft.Candidate, raft.Leader, raft.Shutdown} {
		v := 0.0
		if s == cur {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(raftStateDesc, prometheus.GaugeValue, v, s.String())
	}
	counts := map[string]int{StatusAlive: 0, StatusDead: 0, StatusLeft: 0}
	for _, m := range c.n.members.list() {
		counts[m.Status]++
	}
	for s, v := range counts {
		ch <- prometheus.MustNewConstMetric(membersDesc, prometheus.GaugeValue, float64(v), s)
	}
	perNode := map[string]int{}
	c.n.store.Read(func(st *store.State) {
		for _, a := range st.Assignments {
			if a.Node != "" {
				perNode[a.Node]++
			}
		}
	})
	nodes := make([]string, 0, len(perNode))
	for id := range perNode {
		nodes = append(nodes, id)
	}
	slices.Sort(nodes)
	for _, id := range nodes {
		ch <- prometheus.MustNewConstMetric(assignedDesc, prometheus.GaugeValue, float64(perNode[id]), id)
	}
}
