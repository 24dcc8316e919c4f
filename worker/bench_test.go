package worker

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/influxdata/telegraf"
)

// noopInput gathers nothing; one shared instance so the benchmark measures
// the worker's per-input cost, not the plugin's.
type noopInput struct{}

func (noopInput) SampleConfig() string              { return "" }
func (noopInput) Gather(telegraf.Accumulator) error { return nil }

// cheapInput adds one small metric per gather.
type cheapInput struct{}

func (cheapInput) SampleConfig() string { return "" }
func (cheapInput) Gather(acc telegraf.Accumulator) error {
	acc.AddFields("cheap", map[string]any{"v": 1}, map[string]string{"k": "v"})
	return nil
}

type countSink struct{ metrics atomic.Int64 }

func (c *countSink) Write(_ string, ms []telegraf.Metric) { c.metrics.Add(int64(len(ms))) }

func benchTasks(n int, iv time.Duration) map[string]Task {
	m := make(map[string]Task, n)
	for i := range n {
		id := fmt.Sprintf("bench-input-%06d", i)
		m[id] = Task{ID: id, Plugin: "noop", Interval: iv, Version: 1}
	}
	return m
}

// allRunning reports whether every entry's loop is past Build and parked.
func allRunning(w *Worker) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, e := range w.entries {
		e.mu.Lock()
		st := e.state
		e.mu.Unlock()
		if st != stateRunning {
			return false
		}
	}
	return true
}

func heapAndStack() uint64 {
	runtime.GC()
	runtime.GC() // second cycle: stacks shrink and finalisers settle
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse + ms.StackInuse
}

// BenchmarkIdleInputs measures the resident cost of idle inputs (10 s
// interval, no-op plugin): bytes/input is the HeapInuse+StackInuse delta
// (kill-map entry, goroutine, stack, timer, channels) divided by n, and
// apply-ms the time Apply takes to start them all.
func BenchmarkIdleInputs(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("n=%dk", n/1000), func(b *testing.B) {
			tasks := benchTasks(n, 10*time.Second)
			build := func(Task) (telegraf.Input, error) { return noopInput{}, nil }
			var perInput, applyMs float64
			for range b.N {
				before := heapAndStack()
				w := New(Options{Build: build})
				t0 := time.Now()
				w.Apply(tasks)
				apply := time.Since(t0)
				waitFor(b, 60*time.Second, "all inputs running", func() bool { return allRunning(w) })
				after := heapAndStack()
				perInput = float64(int64(after)-int64(before)) / float64(n)
				applyMs = float64(apply) / float64(time.Millisecond)
				b.StopTimer()
				w.Stop()
				b.StartTimer()
			}
			b.ReportMetric(perInput, "bytes/input")
			b.ReportMetric(applyMs, "apply-ms")
			b.ReportMetric(applyMs*1e6/float64(n), "apply-ns/input")
		})
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkGatherCPU runs 500 cheap inputs at 20 ms (25k gathers/s) for
// one second per iteration and reports process CPU time per gather,
// including timer wake-ups, the helper goroutine, the accumulator, metric
// construction and Sink.Write.
func BenchmarkGatherCPU(b *testing.B) {
	const n, iv = 500, 20 * time.Millisecond
	tasks := benchTasks(n, iv)
	sink := &countSink{}
	var gathers, cpu float64
	for range b.N {
		w := New(Options{Build: func(Task) (telegraf.Input, error) { return cheapInput{}, nil }, Sink: sink})
		w.Apply(tasks)
		waitFor(b, 30*time.Second, "all inputs running", func() bool { return allRunning(w) })
		g0 := sumGathers(w)
		c0 := cpuTime()
		time.Sleep(time.Second) // the measured period
		gathers += float64(sumGathers(w) - g0)
		cpu += float64(cpuTime() - c0)
		w.Stop()
	}
	b.ReportMetric(cpu/gathers, "cpu-ns/gather")
	b.ReportMetric(gathers/float64(b.N), "gathers/s")
}

func sumGathers(w *Worker) uint64 {
	var n uint64
	for _, s := range w.Local() {
		n += s.Gathers
	}
	return n
}

// BenchmarkGatherPath is the per-gather cost without the scheduler and
// without the helper goroutine's creation (BenchmarkGatherCPU has both):
// accumulator, one metric, Sink.Write, stats, Prometheus.
func BenchmarkGatherPath(b *testing.B) {
	w := New(Options{Sink: &countSink{}})
	e := &entry{id: "path", plugin: "cheap"}
	e.refs.Store(1)
	slot := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		w.wg.Add(1)
		e.refs.Add(1)
		w.gather(e, cheapInput{}, nil, slot)
	}
}
