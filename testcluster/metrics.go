package testcluster

import (
	"sync"

	"github.com/influxdata/telegraf"

	"github.com/gatherd/gatherd/worker"
)

// Gathered is one metric as a node's sink received it.
type Gathered struct {
	Node   string
	Input  string
	Metric telegraf.Metric
}

// MetricSink keeps every metric the nodes gathered, by input.
type MetricSink struct {
	mu   sync.Mutex
	byIn map[string][]Gathered
}

// NewMetricSink returns an empty sink.
func NewMetricSink() *MetricSink { return &MetricSink{byIn: map[string][]Gathered{}} }

// For returns the worker sink of one node.
func (s *MetricSink) For(node string) worker.Sink { return nodeSink{s: s, node: node} }

// Of returns the metrics gathered for input.
func (s *MetricSink) Of(input string) []Gathered {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Gathered(nil), s.byIn[input]...)
}

type nodeSink struct {
	s    *MetricSink
	node string
}

func (n nodeSink) Write(input string, ms []telegraf.Metric) {
	n.s.mu.Lock()
	defer n.s.mu.Unlock()
	for _, m := range ms {
		n.s.byIn[input] = append(n.s.byIn[input], Gathered{Node: n.node, Input: input, Metric: m})
	}
}
