package worker

import (
	"fmt"
	"testing"
	"time"

	"github.com/influxdata/telegraf"
	"github.com/rs/zerolog"
	"go.uber.org/goleak"
)

// TestMain fails the package if any test leaves a goroutine behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestStartStopCycles starts and stops 10,000 inputs in batches (half of
// them ServiceInputs, some gathering while they are stopped) and checks
// that the kill-map empties and every goroutine is gone, without relying
// on Worker.Stop to clean up.
func TestStartStopCycles(t *testing.T) {
	const total, batch = 10_000, 1_000
	// Error level: timeouts of overloaded -race runs are expected noise here.
	f := newFixtureLevel(t, zerolog.ErrorLevel, func(task Task, p *recPlugin) telegraf.Input {
		if task.Version%2 == 0 {
			return &recService{recPlugin: p}
		}
		return p
	})
	for b := 0; b < total/batch; b++ {
		desired := make(map[string]Task, batch)
		for i := range batch {
			id := fmt.Sprintf("cycle-%d", i) // same IDs each batch: exercises the draining chain
			desired[id] = Task{ID: id, Plugin: "rec", Interval: 20 * time.Millisecond, Version: uint64(b*batch + i)}
		}
		if p := f.w.Apply(desired); len(p.Start) != batch {
			t.Fatalf("batch %d: started %d", b, len(p.Start))
		}
		if f.w.Running() != batch {
			t.Fatalf("batch %d: Running = %d", b, f.w.Running())
		}
		// Let every instance get built (and services started) so stopping
		// exercises ServiceInput.Stop and in-flight gathers, not only
		// goroutines that never got going.
		waitFor(t, 20*time.Second, "batch built", func() bool { return f.builds.Load() == int32((b+1)*batch) })
		if p := f.w.Apply(nil); len(p.Stop) != batch {
			t.Fatalf("batch %d: stopped %d", b, len(p.Stop))
		}
	}
	if n := f.w.Running(); n != 0 {
		t.Fatalf("Running = %d after stopping everything", n)
	}
	// Every loop and gather winds down by itself once stopped.
	waitFor(t, 20*time.Second, "stopped goroutines to exit", func() bool { return goleak.Find() == nil })
	goleak.VerifyNone(t)
	// Services that got as far as Start were stopped.
	f.mu.Lock()
	defer f.mu.Unlock()
	for id, ins := range f.instances {
		for _, in := range ins {
			if s, ok := in.(*recService); ok && s.started.Load() != s.stopped.Load() {
				t.Fatalf("%s: started %d, stopped %d", id, s.started.Load(), s.stopped.Load())
			}
		}
	}
}
