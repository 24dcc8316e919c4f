package worker

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/influxdata/telegraf"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	"go.uber.org/goleak"
)

// waitFor polls cond until it holds or the deadline passes. Tests use it
// instead of sleeping for a guessed duration.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// recPlugin is the recording test input: it records the wall time of each
// Gather and can be told to sleep, panic or fail.
type recPlugin struct {
	id    string
	sleep atomic.Int64 // time.Duration per Gather
	panic atomic.Bool
	fail  atomic.Bool

	mu    sync.Mutex
	times []time.Time

	active, maxActive atomic.Int32
}

func (p *recPlugin) SampleConfig() string { return "" }

func (p *recPlugin) Gather(acc telegraf.Accumulator) error {
	n := p.active.Add(1)
	defer p.active.Add(-1)
	for {
		m := p.maxActive.Load()
		if n <= m || p.maxActive.CompareAndSwap(m, n) {
			break
		}
	}
	p.mu.Lock()
	p.times = append(p.times, time.Now())
	p.mu.Unlock()
	if p.panic.Load() {
		panic("boom")
	}
	if d := time.Duration(p.sleep.Load()); d > 0 {
		time.Sleep(d) // the plugin being slow, not the test waiting
	}
	acc.AddFields("rec", map[string]any{"v": 1}, map[string]string{"id": p.id})
	if p.fail.Load() {
		return errors.New("rec failed")
	}
	return nil
}

func (p *recPlugin) gatherTimes() []time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.times)
}

// recService is a recPlugin that is also a telegraf.ServiceInput.
type recService struct {
	*recPlugin
	started, stopped  atomic.Int32
	gatherBeforeStart atomic.Bool
}

func (s *recService) Start(telegraf.Accumulator) error { s.started.Add(1); return nil }
func (s *recService) Stop()                            { s.stopped.Add(1) }
func (s *recService) Gather(acc telegraf.Accumulator) error {
	if s.started.Load() == 0 {
		s.gatherBeforeStart.Store(true)
	}
	return s.recPlugin.Gather(acc)
}

// recSink records every Write.
type recSink struct {
	mu     sync.Mutex
	writes map[string]int
	times  map[string][]time.Time
}

func newRecSink() *recSink {
	return &recSink{writes: map[string]int{}, times: map[string][]time.Time{}}
}

func (s *recSink) Write(id string, ms []telegraf.Metric) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes[id]++
	for _, m := range ms {
		s.times[id] = append(s.times[id], m.Time())
	}
}

func (s *recSink) slotTimes(id string) []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.times[id])
}

// fixture builds one plugin instance per Build call and remembers them.
type fixture struct {
	w     *Worker
	sink  *recSink
	reg   *prometheus.Registry
	setup func(t Task, p *recPlugin) telegraf.Input // nil: plain recPlugin

	mu        sync.Mutex
	instances map[string][]telegraf.Input
	builds    atomic.Int32
}

func newFixture(t *testing.T, setup func(Task, *recPlugin) telegraf.Input) *fixture {
	return newFixtureLevel(t, zerolog.WarnLevel, setup)
}

func newFixtureLevel(t *testing.T, level zerolog.Level, setup func(Task, *recPlugin) telegraf.Input) *fixture {
	return newFixtureWith(t, level, nil, setup)
}

// newFixtureWith is newFixtureLevel with a lease (Options.Lease); nil for none.
func newFixtureWith(t *testing.T, level zerolog.Level, lease func(time.Time) bool, setup func(Task, *recPlugin) telegraf.Input) *fixture {
	f := &fixture{sink: newRecSink(), reg: prometheus.NewRegistry(), setup: setup, instances: map[string][]telegraf.Input{}}
	f.w = New(Options{
		Build:      f.build,
		Sink:       f.sink,
		Logger:     zerolog.New(zerolog.NewTestWriter(t)).Level(level),
		Registerer: f.reg,
		Lease:      lease,
	})
	t.Cleanup(f.w.Stop)
	return f
}

func (f *fixture) build(t Task) (telegraf.Input, error) {
	f.builds.Add(1)
	p := &recPlugin{id: t.ID}
	var in telegraf.Input = p
	if f.setup != nil {
		in = f.setup(t, p)
	}
	f.mu.Lock()
	f.instances[t.ID] = append(f.instances[t.ID], in)
	f.mu.Unlock()
	return in, nil
}

func (f *fixture) instance(t testing.TB, id string, n int) telegraf.Input {
	t.Helper()
	var in telegraf.Input
	waitFor(t, 5*time.Second, "instance of "+id, func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		if len(f.instances[id]) > n {
			in = f.instances[id][n]
			return true
		}
		return false
	})
	return in
}

func (f *fixture) rec(t testing.TB, id string, n int) *recPlugin {
	switch in := f.instance(t, id, n).(type) {
	case *recPlugin:
		return in
	case *recService:
		return in.recPlugin
	}
	t.Fatalf("unexpected plugin type for %s", id)
	return nil
}

func status(t testing.TB, w *Worker, id string) Status {
	t.Helper()
	for _, s := range w.Local() {
		if s.ID == id {
			return s
		}
	}
	t.Fatalf("%s not in Local()", id)
	return Status{}
}

func tasks(ts ...Task) map[string]Task {
	m := make(map[string]Task, len(ts))
	for _, t := range ts {
		m[t.ID] = t
	}
	return m
}

func asService(_ Task, p *recPlugin) telegraf.Input { return &recService{recPlugin: p} }

func TestApplyStartStopRestartUpdate(t *testing.T) {
	f := newFixture(t, asService)
	w := f.w
	a := Task{ID: "a", Plugin: "rec", Interval: time.Hour, Version: 1}
	b := Task{ID: "b", Plugin: "rec", Interval: time.Hour, Version: 1}

	if p := w.Apply(tasks(a, b)); !slices.Equal(p.Start, []string{"a", "b"}) || len(p.Stop)+len(p.Restart)+len(p.Update) != 0 {
		t.Fatalf("first plan = %+v", p)
	}
	if w.Running() != 2 {
		t.Fatalf("Running = %d", w.Running())
	}
	a0 := f.instance(t, "a", 0).(*recService)
	b0 := f.instance(t, "b", 0).(*recService)
	waitFor(t, 5*time.Second, "services started", func() bool { return a0.started.Load() == 1 && b0.started.Load() == 1 })

	// Same set again: nothing happens.
	if p := w.Apply(tasks(a, b)); !p.Empty() {
		t.Fatalf("idempotent apply gave %+v", p)
	}

	// b's spec changes, c is new.
	b2 := b
	b2.Version = 2
	c := Task{ID: "c", Plugin: "rec", Interval: time.Hour, Version: 1}
	p := w.Apply(tasks(a, b2, c))
	if !slices.Equal(p.Start, []string{"c"}) || !slices.Equal(p.Restart, []string{"b"}) || p.Stop != nil || p.Update != nil {
		t.Fatalf("restart plan = %+v", p)
	}
	b1 := f.instance(t, "b", 1).(*recService)
	waitFor(t, 5*time.Second, "old b stopped, new b started", func() bool { return b0.stopped.Load() == 1 && b1.started.Load() == 1 })
	if got := status(t, w, "b").Version; got != 2 {
		t.Fatalf("b version = %d", got)
	}

	// Window-only change of a: in place, no restart; b removed.
	a2 := a
	a2.Window = Window{From: time.Now().Add(time.Hour).Truncate(time.Second)}
	p = w.Apply(tasks(a2, c))
	if !slices.Equal(p.Update, []string{"a"}) || !slices.Equal(p.Stop, []string{"b"}) || p.Start != nil || p.Restart != nil {
		t.Fatalf("update plan = %+v", p)
	}
	waitFor(t, 5*time.Second, "b stopped", func() bool { return b1.stopped.Load() == 1 })
	if a0.stopped.Load() != 0 || a0.started.Load() != 1 || f.builds.Load() != 4 {
		t.Fatalf("window update restarted a: started=%d stopped=%d builds=%d", a0.started.Load(), a0.stopped.Load(), f.builds.Load())
	}
	if st := status(t, w, "a"); !st.From.Equal(a2.Window.From) || st.State != "running" {
		t.Fatalf("a status = %+v", st)
	}
	if w.Running() != 2 {
		t.Fatalf("Running = %d", w.Running())
	}

	// Removing a and re-adding it at once: the new instance must not
	// start before the old one stopped.
	w.Apply(tasks(c))
	w.Apply(tasks(a2, c))
	a1 := f.instance(t, "a", 1).(*recService)
	waitFor(t, 5*time.Second, "a re-added", func() bool { return a1.started.Load() == 1 })
	if a0.stopped.Load() != 1 {
		t.Fatal("re-added a started before the old instance stopped")
	}

	p = w.Apply(nil)
	if !slices.Equal(p.Stop, []string{"a", "c"}) || w.Running() != 0 {
		t.Fatalf("stop-all plan = %+v, running %d", p, w.Running())
	}
	c0 := f.instance(t, "c", 0).(*recService)
	waitFor(t, 5*time.Second, "all stopped", func() bool { return a1.stopped.Load() == 1 && c0.stopped.Load() == 1 })
}

func TestSlotsHonoured(t *testing.T) {
	f := newFixture(t, nil)
	const id = "slots"
	iv := 100 * time.Millisecond
	f.w.Apply(tasks(Task{ID: id, Plugin: "rec", Interval: iv, Version: 1}))
	p := f.rec(t, id, 0)
	time.Sleep(1100 * time.Millisecond) // let ~10 slots pass
	f.w.Stop()

	times := p.gatherTimes()
	if len(times) < 8 {
		t.Fatalf("only %d gathers in 1.1s at 100ms", len(times))
	}
	seen := map[int64]bool{}
	var prev int64
	for i, gt := range times {
		k := SlotIndex(id, iv, gt)
		lag := gt.Sub(slotTime(id, iv, k))
		if lag < 0 || lag > 40*time.Millisecond {
			t.Errorf("gather %d at %v is %v off its slot", i, gt, lag)
		}
		if seen[k] {
			t.Errorf("slot %d gathered twice", k)
		}
		seen[k] = true
		if i > 0 && k != prev+1 {
			t.Errorf("slot gap: %d then %d", prev, k)
		}
		prev = k
	}
	// Metrics carry the slot time exactly, whatever the wake-up latency.
	mts := f.sink.slotTimes(id)
	if len(mts) != len(times) {
		t.Fatalf("%d metrics for %d gathers", len(mts), len(times))
	}
	for i, mt := range mts {
		if !mt.Equal(slotTime(id, iv, SlotIndex(id, iv, times[i]))) {
			t.Errorf("metric %d time %v is not its slot", i, mt)
		}
	}
	if f.sink.writes[id] != len(times) {
		t.Errorf("%d Sink writes for %d gathers", f.sink.writes[id], len(times))
	}
}

func TestWindowHandoff(t *testing.T) {
	const id = "handoff"
	iv := 100 * time.Millisecond
	old, neu := newFixture(t, nil), newFixture(t, nil)
	T := NextSlot(id, iv, time.Now().Add(500*time.Millisecond))
	old.w.Apply(tasks(Task{ID: id, Plugin: "rec", Interval: iv, Version: 1, Window: Window{Until: T}}))
	neu.w.Apply(tasks(Task{ID: id, Plugin: "rec", Interval: iv, Version: 1, Window: Window{From: T}}))

	waitFor(t, 5*time.Second, "old owner's window to end", func() bool { return status(t, old.w, id).State == "ended" })
	waitFor(t, 5*time.Second, "new owner to gather 4 slots", func() bool { return len(neu.sink.slotTimes(id)) >= 4 })
	neu.w.Stop()
	if old.w.Running() != 1 {
		t.Fatal("ended entry must stay in the kill-map until the next Apply")
	}

	a, b := old.sink.slotTimes(id), neu.sink.slotTimes(id)
	for _, s := range a {
		if !s.Before(T) {
			t.Errorf("old owner gathered slot %v >= Until %v", s, T)
		}
	}
	for _, s := range b {
		if s.Before(T) {
			t.Errorf("new owner gathered slot %v < From %v", s, T)
		}
	}
	if len(a) < 3 {
		t.Fatalf("old owner gathered only %d slots before T", len(a))
	}
	all := append(a, b...)
	slices.SortFunc(all, func(x, y time.Time) int { return x.Compare(y) })
	for i := 1; i < len(all); i++ {
		if d := all[i].Sub(all[i-1]); d != iv {
			t.Errorf("slots %v -> %v: step %v (duplicate or gap across handoff)", all[i-1], all[i], d)
		}
	}

	// Removing the ended entry is a normal Stop.
	if p := old.w.Apply(nil); !slices.Equal(p.Stop, []string{id}) {
		t.Fatalf("plan = %+v", p)
	}
}

func TestWindowUpdateInPlaceAndReopen(t *testing.T) {
	f := newFixture(t, asService)
	const id = "reopen"
	iv := 50 * time.Millisecond
	task := Task{ID: id, Plugin: "rec", Interval: iv, Version: 1}
	f.w.Apply(tasks(task))
	s0 := f.instance(t, id, 0).(*recService)
	waitFor(t, 5*time.Second, "a gather", func() bool { return status(t, f.w, id).Gathers >= 1 })

	// Close the window shortly: the running goroutine ends by itself.
	task.Window = Window{Until: NextSlot(id, iv, time.Now().Add(150*time.Millisecond))}
	if p := f.w.Apply(tasks(task)); !slices.Equal(p.Update, []string{id}) {
		t.Fatalf("plan = %+v", p)
	}
	waitFor(t, 5*time.Second, "window end", func() bool { return status(t, f.w, id).State == "ended" })
	waitFor(t, 5*time.Second, "service stopped at window end", func() bool { return s0.stopped.Load() == 1 })
	for _, s := range f.sink.slotTimes(id) {
		if !s.Before(task.Window.Until) {
			t.Fatalf("gathered slot %v at or after Until %v", s, task.Window.Until)
		}
	}

	// The leader cancels the handoff: the window opens again, which an
	// ended loop cannot take in place, so it is executed as a restart.
	task.Window = Window{}
	p := f.w.Apply(tasks(task))
	if !slices.Equal(p.Restart, []string{id}) || p.Update != nil {
		t.Fatalf("reopen plan = %+v", p)
	}
	s1 := f.instance(t, id, 1).(*recService)
	waitFor(t, 5*time.Second, "reopened input gathers", func() bool { return s1.recPlugin.active.Load() > 0 || len(s1.gatherTimes()) > 0 })

	// A window change on a still-running loop stays an Update.
	task.Window = Window{From: time.Now().Add(-time.Hour).Truncate(time.Second)}
	if p := f.w.Apply(tasks(task)); !slices.Equal(p.Update, []string{id}) || p.Restart != nil {
		t.Fatalf("plan = %+v", p)
	}
}

func TestOverrunNeverConcurrent(t *testing.T) {
	f := newFixture(t, func(_ Task, p *recPlugin) telegraf.Input {
		p.sleep.Store(int64(250 * time.Millisecond))
		return p
	})
	const id = "slow"
	f.w.Apply(tasks(Task{ID: id, Plugin: "rec", Interval: 100 * time.Millisecond, Timeout: time.Second, Version: 1}))
	p := f.rec(t, id, 0)
	waitFor(t, 5*time.Second, "3 overruns", func() bool { return status(t, f.w, id).Overruns >= 3 })
	f.w.Stop()
	if m := p.maxActive.Load(); m != 1 {
		t.Fatalf("%d concurrent gathers of one input", m)
	}
	st := f.w.Local() // empty after Stop
	if len(st) != 0 {
		t.Fatalf("Local after Stop = %v", st)
	}
	if p.active.Load() != 0 {
		t.Fatal("gather still running after Stop")
	}
}

func TestTimeoutCounted(t *testing.T) {
	f := newFixture(t, func(_ Task, p *recPlugin) telegraf.Input {
		p.sleep.Store(int64(350 * time.Millisecond))
		return p
	})
	const id = "hang"
	f.w.Apply(tasks(Task{ID: id, Plugin: "rec", Interval: 100 * time.Millisecond, Timeout: 120 * time.Millisecond, Version: 1}))
	p := f.rec(t, id, 0)
	waitFor(t, 5*time.Second, "a timeout", func() bool { return status(t, f.w, id).Errors >= 1 })
	st := status(t, f.w, id)
	if !strings.Contains(st.LastError, "timed out") {
		t.Fatalf("LastError = %q", st.LastError)
	}
	waitFor(t, 5*time.Second, "an overrun behind the hung gather", func() bool { return status(t, f.w, id).Overruns >= 1 })
	waitFor(t, 5*time.Second, "the late gather to complete", func() bool { return status(t, f.w, id).Gathers >= 1 })
	if p.maxActive.Load() != 1 {
		t.Fatal("a timed-out gather overlapped the next one")
	}
	// One error per timed-out gather, not per slot it blocked.
	st = status(t, f.w, id)
	if st.Errors > st.Gathers+1 {
		t.Fatalf("errors %d for %d gathers", st.Errors, st.Gathers)
	}
}

func TestPanicRecovered(t *testing.T) {
	f := newFixture(t, func(_ Task, p *recPlugin) telegraf.Input {
		p.panic.Store(true)
		return p
	})
	const id = "panicky"
	iv := 50 * time.Millisecond
	f.w.Apply(tasks(Task{ID: id, Plugin: "rec", Interval: iv, Version: 1}))
	p := f.rec(t, id, 0)
	// Panics and gathers are counted at two moments of one gather: wait for both.
	waitFor(t, 5*time.Second, "3 panicking gathers", func() bool {
		st := status(t, f.w, id)
		return st.Panics >= 3 && st.Gathers >= 3
	})
	st := status(t, f.w, id)
	if st.Errors < st.Panics || st.State != "running" || !strings.Contains(st.LastError, "boom") || st.Gathers < 3 {
		t.Fatalf("status after panics = %+v", st)
	}
	// The schedule continues on consecutive slots.
	times := p.gatherTimes()
	for i := 1; i < len(times); i++ {
		if d := SlotIndex(id, iv, times[i]) - SlotIndex(id, iv, times[i-1]); d != 1 {
			t.Fatalf("slot step %d after a panic", d)
		}
	}
	// And it recovers once the plugin behaves.
	p.panic.Store(false)
	n := len(f.sink.slotTimes(id))
	waitFor(t, 5*time.Second, "metrics after recovery", func() bool { return len(f.sink.slotTimes(id)) > n })
}

func TestErrorsCounted(t *testing.T) {
	f := newFixture(t, func(_ Task, p *recPlugin) telegraf.Input {
		p.fail.Store(true)
		return p
	})
	const id = "failing"
	f.w.Apply(tasks(Task{ID: id, Plugin: "rec", Interval: 50 * time.Millisecond, Version: 1}))
	waitFor(t, 5*time.Second, "2 errors", func() bool { return status(t, f.w, id).Errors >= 2 })
	st := status(t, f.w, id)
	if st.LastError != "rec failed" || st.Panics != 0 {
		t.Fatalf("status = %+v", st)
	}
	// The metrics added before the error are still delivered.
	if len(f.sink.slotTimes(id)) == 0 {
		t.Fatal("no metrics from a gather that returned an error")
	}
}

func TestServiceInputStartStop(t *testing.T) {
	f := newFixture(t, asService)
	const id = "svc"
	task := Task{ID: id, Plugin: "rec", Interval: 50 * time.Millisecond, Version: 1}
	f.w.Apply(tasks(task))
	s0 := f.instance(t, id, 0).(*recService)
	waitFor(t, 5*time.Second, "gathers", func() bool { return len(s0.gatherTimes()) >= 2 })
	if s0.started.Load() != 1 || s0.gatherBeforeStart.Load() {
		t.Fatalf("Start calls %d, gathered before Start: %v", s0.started.Load(), s0.gatherBeforeStart.Load())
	}
	task.Version = 2
	f.w.Apply(tasks(task))
	s1 := f.instance(t, id, 1).(*recService)
	waitFor(t, 5*time.Second, "restart", func() bool { return s0.stopped.Load() == 1 && s1.started.Load() == 1 })
	n := len(s0.gatherTimes())
	f.w.Stop() // Stop must have called ServiceInput.Stop before returning
	if s1.stopped.Load() != 1 {
		t.Fatal("Worker.Stop returned before ServiceInput.Stop")
	}
	if len(s0.gatherTimes()) != n {
		t.Fatal("old instance gathered after its Stop")
	}
}

func TestStopWaitsForGathers(t *testing.T) {
	f := newFixture(t, func(_ Task, p *recPlugin) telegraf.Input {
		p.sleep.Store(int64(300 * time.Millisecond))
		return &recService{recPlugin: p}
	})
	all := map[string]Task{}
	for _, id := range []string{"s1", "s2", "s3"} {
		all[id] = Task{ID: id, Plugin: "rec", Interval: 50 * time.Millisecond, Timeout: 60 * time.Millisecond, Version: 1}
	}
	f.w.Apply(all)
	for id := range all {
		p := f.rec(t, id, 0)
		waitFor(t, 5*time.Second, id+" gathering", func() bool { return p.active.Load() == 1 })
	}
	// Only s3 is desired now; s1 and s2 wind down in the background, and
	// Stop must wait for them as well as for s3.
	delete(all, "s1")
	delete(all, "s2")
	f.w.Apply(all)
	f.w.Stop()
	for _, id := range []string{"s1", "s2", "s3"} {
		svc := f.instance(t, id, 0).(*recService)
		if svc.active.Load() != 0 {
			t.Errorf("%s: gather still running after Stop", id)
		}
		if svc.started.Load() == 1 && svc.stopped.Load() != 1 {
			t.Errorf("%s: ServiceInput.Stop not called before Stop returned", id)
		}
	}
	if f.w.Running() != 0 {
		t.Fatalf("Running after Stop = %d", f.w.Running())
	}
	if p := f.w.Apply(tasks(Task{ID: "late", Interval: time.Second})); !p.Empty() || f.w.Running() != 0 {
		t.Fatal("Apply after Stop started something")
	}
	f.w.Stop()           // idempotent
	goleak.VerifyNone(t) // Stop returned, so nothing of the worker may remain
}

func TestBuildFailureNotRetried(t *testing.T) {
	var builds atomic.Int32
	w := New(Options{Build: func(t Task) (telegraf.Input, error) {
		builds.Add(1)
		if t.Version == 1 {
			return nil, errors.New("bad config")
		}
		return &recPlugin{id: t.ID}, nil
	}})
	defer w.Stop()
	task := Task{ID: "x", Plugin: "rec", Interval: time.Hour, Version: 1}
	w.Apply(tasks(task))
	waitFor(t, 5*time.Second, "failed state", func() bool { return status(t, w, "x").State == "failed" })
	st := status(t, w, "x")
	if st.Errors != 1 || !strings.Contains(st.LastError, "bad config") || w.Running() != 1 {
		t.Fatalf("status = %+v running=%d", st, w.Running())
	}
	// Same version (even with a new window) is not retried.
	task.Window = Window{From: time.Now().Truncate(time.Second)}
	w.Apply(tasks(task))
	if builds.Load() != 1 {
		t.Fatalf("build retried without a version change: %d", builds.Load())
	}
	task.Version = 2
	if p := w.Apply(tasks(task)); !slices.Equal(p.Restart, []string{"x"}) {
		t.Fatalf("plan = %+v", p)
	}
	waitFor(t, 5*time.Second, "running after fix", func() bool { return status(t, w, "x").State == "running" })

	// Invalid interval and panicking Build fail the same way.
	w2 := New(Options{Build: func(Task) (telegraf.Input, error) { panic("build boom") }})
	defer w2.Stop()
	w2.Apply(tasks(Task{ID: "p", Interval: time.Second}, Task{ID: "z", Interval: 0}))
	waitFor(t, 5*time.Second, "both failed", func() bool {
		l := w2.Local()
		return l[0].State == "failed" && l[1].State == "failed"
	})
	if l := w2.Local(); !strings.Contains(l[0].LastError, "build boom") || !strings.Contains(l[1].LastError, "interval") {
		t.Fatalf("Local = %+v", l)
	}
}

func TestPrometheusMetrics(t *testing.T) {
	f := newFixture(t, nil)
	f.w.Apply(tasks(Task{ID: "m1", Interval: 50 * time.Millisecond, Version: 1}, Task{ID: "m2", Interval: time.Hour, Version: 1}))
	waitFor(t, 5*time.Second, "a gather", func() bool { return status(t, f.w, "m1").Gathers >= 1 })
	f.w.Apply(tasks(Task{ID: "m1", Interval: 50 * time.Millisecond, Version: 2}))

	mfs, err := f.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			if len(m.GetLabel()) != 0 {
				t.Errorf("%s has labels %v", mf.GetName(), m.GetLabel())
			}
			switch {
			case m.Gauge != nil:
				got[mf.GetName()] = m.GetGauge().GetValue()
			case m.Counter != nil:
				got[mf.GetName()] = m.GetCounter().GetValue()
			case m.Histogram != nil:
				got[mf.GetName()] = float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	want := map[string]float64{
		"gatherd_worker_inputs_running": 1,
		"gatherd_worker_starts_total":   2,
		"gatherd_worker_stops_total":    1,
		"gatherd_worker_restarts_total": 1,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	for _, k := range []string{"gatherd_gathers_total", "gatherd_gather_duration_seconds"} {
		if got[k] < 1 {
			t.Errorf("%s = %v, want >= 1", k, got[k])
		}
	}
	for _, k := range []string{"gatherd_gather_errors_total", "gatherd_gather_overruns_total", "gatherd_gather_panics_total"} {
		if _, ok := got[k]; !ok {
			t.Errorf("%s not exported", k)
		}
	}

	// Two workers on one registry share the series instead of failing.
	w2 := New(Options{Registerer: f.reg})
	w2.Apply(tasks(Task{ID: "x", Interval: time.Hour}))
	defer w2.Stop()
	mfs, _ = f.reg.Gather()
	for _, mf := range mfs {
		if mf.GetName() == "gatherd_worker_inputs_running" && mf.GetMetric()[0].GetGauge().GetValue() != 2 {
			t.Errorf("shared running gauge = %v, want 2", mf.GetMetric()[0].GetGauge().GetValue())
		}
	}
}

func TestLocalStatusJSONShape(t *testing.T) {
	w := New(Options{})
	defer w.Stop()
	w.Apply(tasks(Task{ID: "b", Plugin: "p", Interval: time.Hour, Version: 3}, Task{ID: "a", Interval: time.Hour}))
	l := w.Local()
	if len(l) != 2 || l[0].ID != "a" || l[1].ID != "b" || l[1].Plugin != "p" || l[1].Version != 3 || l[1].Started.IsZero() {
		t.Fatalf("Local = %+v", l)
	}
}

func TestJitterKeepsSlotIdentity(t *testing.T) {
	f := newFixture(t, nil)
	const id = "jittery"
	iv, jitter := 100*time.Millisecond, 40*time.Millisecond
	f.w.Apply(tasks(Task{ID: id, Plugin: "rec", Interval: iv, Jitter: jitter, Version: 1}))
	p := f.rec(t, id, 0)
	waitFor(t, 5*time.Second, "5 gathers", func() bool { return len(f.sink.slotTimes(id)) >= 5 })
	f.w.Stop()
	times, mts := p.gatherTimes(), f.sink.slotTimes(id)
	seen := map[int64]bool{}
	for i, mt := range mts {
		k := SlotIndex(id, iv, mt)
		if !mt.Equal(slotTime(id, iv, k)) {
			t.Fatalf("metric time %v is not a slot", mt)
		}
		if seen[k] {
			t.Fatalf("slot %d gathered twice", k)
		}
		seen[k] = true
		if lag := times[i].Sub(mt); lag < 0 || lag > jitter+40*time.Millisecond {
			t.Errorf("gather %d fired %v after its slot (jitter %v)", i, lag, jitter)
		}
	}
}

// Builds run at most MaxStarting at a time; inputs queued behind them can be stopped before they ever build,
// and the rest all end up running.
func TestStartsAreBounded(t *testing.T) {
	const limit, n = 3, 40
	var inBuild, most atomic.Int32
	release := make(chan struct{})
	var built sync.Map
	w := New(Options{
		MaxStarting: limit,
		Logger:      zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel),
		Build: func(t Task) (telegraf.Input, error) {
			cur := inBuild.Add(1)
			defer inBuild.Add(-1)
			for m := most.Load(); cur > m && !most.CompareAndSwap(m, cur); m = most.Load() {
			}
			built.Store(t.ID, true)
			<-release
			return &recPlugin{id: t.ID}, nil
		},
	})
	defer w.Stop()
	var all []Task
	for i := range n {
		all = append(all, Task{ID: fmt.Sprintf("in-%02d", i), Version: 1, Interval: time.Hour})
	}
	w.Apply(tasks(all...))
	waitFor(t, 5*time.Second, "the first builds", func() bool { return inBuild.Load() == limit })
	time.Sleep(50 * time.Millisecond) // room for any build beyond the limit to start
	if got := inBuild.Load(); got != limit {
		t.Fatalf("%d builds at once, want %d", got, limit)
	}
	// Stop half, among them some still queued: they must never build.
	w.Apply(tasks(all[:n/2]...))
	close(release)
	waitFor(t, 5*time.Second, "the remaining inputs running", func() bool {
		running := 0
		for _, s := range w.Local() {
			if s.State == "running" {
				running++
			}
		}
		return running == n/2
	})
	if m := most.Load(); m > limit {
		t.Errorf("%d builds ran at once, limit %d", m, limit)
	}
	queuedBuilt := 0
	for _, task := range all[n/2:] {
		if _, ok := built.Load(task.ID); ok {
			queuedBuilt++
		}
	}
	if queuedBuilt > limit {
		t.Errorf("%d stopped inputs were built; only those already building (at most %d) may have been", queuedBuilt, limit)
	}
}

// A slot that falls due while its input is still being built (a survivor building thousands of orphans) is
// gathered late, with its own slot time, when the build ends within maxLate; a slot due before Apply never is,
// and a build that ends later than maxLate leaves its slot skipped.
func TestSlotDueDuringBuildIsGatheredLate(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	const iv = time.Second
	for _, c := range []struct {
		name   string
		past   time.Duration // how long after the first slot due after Apply the build returns
		caught bool
	}{
		{"within maxLate", 200 * time.Millisecond, true},
		{"beyond maxLate", maxLate(iv) + 200*time.Millisecond, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var due time.Time
			f := newFixture(t, func(tk Task, p *recPlugin) telegraf.Input {
				time.Sleep(time.Until(due.Add(c.past))) // a slow build, past the slot
				return p
			})
			// Apply right after a slot of the ID, so the slot before Apply is recent enough to be caught up
			// if the floor did not hold.
			id := "late-" + strings.ReplaceAll(c.name, " ", "-")
			time.Sleep(time.Until(NextSlot(id, iv, time.Now()).Add(50 * time.Millisecond)))
			applied := time.Now()
			due = NextSlot(id, iv, applied)
			f.w.Apply(map[string]Task{id: {ID: id, Plugin: "rec", Interval: iv, Version: 1}})
			waitFor(t, 5*time.Second, "two gathers", func() bool { return len(f.sink.slotTimes(id)) >= 2 })
			got := f.sink.slotTimes(id)
			if got[0].Before(applied) {
				t.Fatalf("gathered slot %s, due before Apply at %s", got[0], applied)
			}
			if c.caught && !got[0].Equal(due) {
				t.Fatalf("first gathered slot %s, want the slot %s that fell due during the build", got[0], due)
			}
			if !c.caught && !got[0].Equal(due.Add(iv)) {
				t.Fatalf("first gathered slot %s, want %s: the slot %s was due longer than maxLate before the input ran", got[0], due.Add(iv), due)
			}
			f.w.Stop()
		})
	}
}

// A new input whose window starts before Apply (the leader stamps a crash move when it decides it) gathers the
// slot that fell due between the decision and Apply, late; an input this worker ran and stopped after that
// slot (a fence, a move away and back) does not gather it again.
func TestLateFirstSlotFromTheWindowButNotBeforeTheLastStop(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	const iv = time.Second
	f := newFixture(t, nil)
	id := "decided-before-apply"
	due := NextSlot(id, iv, time.Now().Add(100*time.Millisecond))
	time.Sleep(time.Until(due.Add(100 * time.Millisecond)))
	// Decided 50 ms before the slot, applied 100 ms after it.
	task := Task{ID: id, Plugin: "rec", Interval: iv, Version: 1, Window: Window{From: due.Add(-50 * time.Millisecond)}}
	f.w.Apply(map[string]Task{id: task})
	waitFor(t, 5*time.Second, "a gather", func() bool { return len(f.sink.slotTimes(id)) >= 1 })
	if got := f.sink.slotTimes(id)[0]; !got.Equal(due) {
		t.Fatalf("first gathered slot %s, want %s, due after the window's From, before Apply", got, due)
	}

	// Stopped right after its next slot, and given back with the same window: that slot was gathered here.
	next := due.Add(iv)
	waitFor(t, 5*time.Second, "the next gather", func() bool { return len(f.sink.slotTimes(id)) >= 2 })
	f.w.Apply(map[string]Task{})
	time.Sleep(time.Until(next.Add(150 * time.Millisecond)))
	f.w.Apply(map[string]Task{id: task})
	waitFor(t, 5*time.Second, "a gather after the restart", func() bool { return len(f.sink.slotTimes(id)) >= 3 })
	for i, s := range f.sink.slotTimes(id) {
		if i > 0 && !s.After(f.sink.slotTimes(id)[i-1]) {
			t.Fatalf("slot %s gathered twice (slots %v)", s, f.sink.slotTimes(id))
		}
	}
	f.w.Stop()
}
