package worker

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// promMetrics are the worker's Prometheus series. They deliberately carry no
// per-input labels: a node may run 100k inputs and per-input series would
// dwarf the metrics themselves; per-input detail is in Worker.Local.
type promMetrics struct {
	running  prometheus.Gauge
	gathers  prometheus.Counter
	errors   prometheus.Counter
	overruns prometheus.Counter
	late     prometheus.Counter
	unleased prometheus.Counter
	panics   prometheus.Counter
	duration prometheus.Histogram
	starts   prometheus.Counter
	stops    prometheus.Counter
	restarts prometheus.Counter
}

// newPromMetrics builds the collectors and registers them on r when r is not
// nil. Collectors are always created so the hot path never branches on nil.
// If r already holds a collector of the same name (two workers sharing one
// registry), the existing one is used; that is why the running gauge is only
// ever moved with Add/Sub, never Set: shared, it sums over workers.
func newPromMetrics(r prometheus.Registerer) *promMetrics {
	c := func(name, help string) prometheus.Counter {
		return register(r, prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help}))
	}
	return &promMetrics{
		running: register(r, prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "gatherd_worker_inputs_running",
			Help: "Inputs in the worker's kill-map (assigned to this node).",
		})),
		gathers:  c("gatherd_gathers_total", "Gathers completed (including failed ones)."),
		errors:   c("gatherd_gather_errors_total", "Gather errors: returned errors, AddError calls, timeouts, panics, build and start failures."),
		overruns: c("gatherd_gather_overruns_total", "Slots skipped because the previous gather was still running or the loop woke more than an interval late."),
		late:     c("gatherd_gather_late_skipped_total", "Slots skipped because they fired late by more than half their interval (at least 250 ms): the process was frozen or starved. Never caught up."),
		unleased: c("gatherd_gather_unleased_skipped_total", "Slots skipped because the node did not hold its lease at the moment of the gather (fenced, or frozen longer than the fence timeout)."),
		panics:   c("gatherd_gather_panics_total", "Panics recovered from Gather."),
		duration: register(r, prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "gatherd_gather_duration_seconds",
			Help:    "Wall time of Gather calls.",
			Buckets: []float64{.001, .005, .01, .05, .1, .5, 1, 5, 10, 30, 60},
		})),
		starts:   c("gatherd_worker_starts_total", "Inputs started by Apply."),
		stops:    c("gatherd_worker_stops_total", "Inputs stopped by Apply or Stop."),
		restarts: c("gatherd_worker_restarts_total", "Inputs restarted by Apply (Version changed, or a finished window was reopened)."),
	}
}

func register[T prometheus.Collector](r prometheus.Registerer, c T) T {
	if r == nil {
		return c
	}
	if err := r.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(T); ok {
				return existing
			}
		}
		// A conflicting collector of another type: keep ours unregistered
		// rather than fail the worker; the series is simply not exported.
	}
	return c
}
