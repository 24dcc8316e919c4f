package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// runtimeStats is what a node's /metrics says about its Go runtime at one moment: cumulative counts of
// goroutine scheduling waits (a goroutine ready to run waiting for a thread), CPU seconds in total and in
// garbage collection, and stop-the-world GC pauses.
type runtimeStats struct {
	waits       map[float64]uint64 // cumulative count of waits <= bucket bound, by bound
	waitCount   uint64
	cpu, gcCPU  float64
	pauses      map[float64]uint64
	pausesCount uint64
}

func (n *node) runtimeStats() (runtimeStats, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, n.api+"/metrics", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return runtimeStats{}, err
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		return runtimeStats{}, err
	}
	value := func(name string) float64 {
		if mf := mfs[name]; mf != nil && len(mf.Metric) > 0 {
			if c := mf.Metric[0].Counter; c != nil {
				return c.GetValue()
			}
		}
		return 0
	}
	hist := func(name string) (map[float64]uint64, uint64) {
		out := map[float64]uint64{}
		mf := mfs[name]
		if mf == nil || len(mf.Metric) == 0 || mf.Metric[0].Histogram == nil {
			return out, 0
		}
		h := mf.Metric[0].Histogram
		for _, b := range h.Bucket {
			out[b.GetUpperBound()] = b.GetCumulativeCount()
		}
		return out, h.GetSampleCount()
	}
	var st runtimeStats
	st.waits, st.waitCount = hist("go_sched_latencies_seconds")
	st.pauses, st.pausesCount = hist("go_sched_pauses_total_gc_seconds")
	st.cpu = value("process_cpu_seconds_total")
	st.gcCPU = value("go_cpu_classes_gc_total_cpu_seconds_total")
	return st, nil
}

// over counts the events between a and b (cumulative histograms) that took longer than bound: the count
// minus those in buckets up to the largest bound <= bound.
func over(a, b map[float64]uint64, ca, cb uint64, bound float64) uint64 {
	best := -1.0
	for ub := range b {
		if ub <= bound && ub > best {
			best = ub
		}
	}
	if best < 0 {
		return cb - ca
	}
	return (cb - ca) - (b[best] - a[best])
}

// describe sums up the runtime between two scrapes: scheduling waits over 10 ms and over 117 ms (the
// histogram's buckets), the share of CPU spent in garbage collection, and GC pauses over 10 ms.
func describe(a, b runtimeStats) string {
	if b.waitCount == 0 {
		return "runtime metrics unavailable"
	}
	gc := 0.0
	if b.cpu > a.cpu {
		gc = (b.gcCPU - a.gcCPU) / (b.cpu - a.cpu)
	}
	return fmt.Sprintf("goroutine waits for a thread: %d, of which %d over 10 ms and %d over 117 ms; GC %.0f%% of CPU, %d GC pauses over 10 ms",
		b.waitCount-a.waitCount, over(a.waits, b.waits, a.waitCount, b.waitCount, 0.0105),
		over(a.waits, b.waits, a.waitCount, b.waitCount, 0.118), 100*gc,
		over(a.pauses, b.pauses, a.pausesCount, b.pausesCount, 0.0105))
}
