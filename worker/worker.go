package worker

import (
	"cmp"
	"encoding/json"
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/influxdata/telegraf"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

// Task is one input this node should run.
type Task struct {
	ID     string
	Plugin string
	Config json.RawMessage
	// Interval is the slot period; it must be positive (otherwise the entry
	// fails like a Build error). Timeout 0 means Interval. Jitter 0 means
	// none; a Jitter above Interval is clamped to Interval.
	Interval, Timeout, Jitter time.Duration
	// Version changes whenever the spec changes; a new Version restarts the
	// input (new plugin instance).
	Version uint64
	// Window changes in place: no restart, no missed slot.
	Window Window
}

// Build makes a ready-to-run plugin for a task (the caller has already
// initialised it). It is called from the input's own goroutine, not from
// Apply, so a slow Build delays only its input; it may be called
// concurrently for different tasks. A panic in Build is treated as an error.
type Build func(t Task) (telegraf.Input, error)

// Sink receives the metrics of one gather (called from the input's goroutine;
// must be safe for concurrent use). The slice and the metrics are handed
// over: the worker does not touch them after Write returns. Write should not
// block for long: it runs inside the gather, so a slow Sink shows up as
// slow gathers, then as overruns.
type Sink interface {
	Write(inputID string, metrics []telegraf.Metric)
}

// Options configures a Worker.
type Options struct {
	Build Build
	Sink  Sink // nil = discard
	// Logger receives structured events (fields input, plugin, version).
	// The zero Logger discards.
	Logger zerolog.Logger
	// Registerer gets the worker's Prometheus series; nil = none. Use a
	// per-worker registry in tests (several workers live in one process).
	Registerer prometheus.Registerer
	// Now is the clock for Status.Started and for Apply's "is this window
	// still open" check; nil = time.Now. The gather loop always uses real
	// timers.
	Now func() time.Time
	// Lease, when set, is asked right before each gather whether this node may gather now; a slot it refuses
	// is skipped and counted (Status.Skipped), never caught up. A node frozen or cut off longer than its
	// fence timeout may have lost its inputs to the majority in the meantime, and must not gather them when
	// it resumes, not even once, before the periodic fence notices.
	Lease func(now time.Time) bool
	// MaxStarting bounds how many inputs run Build and Start at once; 0 =
	// DefaultMaxStarting. A node taking over thousands of inputs (a cold
	// start, a dead peer's share) would otherwise build them all at once,
	// and every Build's garbage and grown stack would be live together: the
	// process's peak memory, not its steady state, would size the container.
	MaxStarting int
}

// DefaultMaxStarting is MaxStarting's default: half the cores (at least
// one). Building a Telegraf plugin costs ~0.4 ms of CPU and ~0.5 MB of
// garbage; a survivor taking over 5,000 inputs with every core building
// starved its own raft heartbeats and gossip probes: in `make
// bench-failover` (30,000 inputs on 3 nodes, 10,000 orphaned) 4 x GOMAXPROCS
// builds at once gave 2 and 4 raft term changes and a healthy node marked
// dead, half the cores gave none, and reassigned faster.
func DefaultMaxStarting() int { return max(1, runtime.GOMAXPROCS(0)/2) }

// Status is one kill-map entry as seen by Local.
type Status struct {
	ID      string
	Plugin  string
	Version uint64
	// State is "starting" (waiting for the previous instance of the ID to
	// wind down, or in Build/Start), "running", "ended" (the Window's Until
	// was reached; the goroutine has exited), or "failed" (Build, Start or
	// the Task was invalid; not retried until the Version changes).
	State      string
	Started    time.Time
	LastGather time.Time
	// LastDuration is how long the last Gather took (until it returned or panicked).
	LastDuration time.Duration
	Gathers      uint64
	// Errors counts returned errors, AddError calls, timeouts, panics and
	// Build/Start failures.
	Errors uint64
	// Overruns counts slots inside the window that were not gathered: the
	// previous gather was still running, or the loop woke more than one
	// interval late (process stall, suspend).
	Overruns uint64
	// Skipped counts slots dropped at the moment of the gather: fired late by more than half the interval,
	// or without the node's lease.
	Skipped   uint64
	Panics    uint64
	LastError string
	// Cost is the smoothed wall time of a gather (costMeter), what placement balances once divided by the
	// interval; 0 until measured.
	Cost time.Duration
	Window
}

// Worker runs exactly the inputs of the last applied desired set: one
// goroutine per input, at most one in-flight gather per input. All methods
// are safe for concurrent use.
type Worker struct {
	build Build
	lease func(time.Time) bool
	sink  Sink
	log   zerolog.Logger
	now   func() time.Time
	m     *promMetrics
	// gate admits MaxStarting inputs at a time to Build and Start, soonest due first.
	gate *startGate

	// wg counts every goroutine the worker started: start-up goroutines,
	// input loops, and the gather and timeout-recording helpers they spawn.
	wg sync.WaitGroup

	mu      sync.Mutex // serialises Apply/Stop; guards the maps below
	closed  bool
	entries map[string]*entry // the kill-map
	// draining holds the done channel of inputs stopped by Apply whose
	// goroutine may still be winding down (in-flight gather, service Stop),
	// so that re-adding the ID waits for the old instance instead of
	// overlapping it. Pruned on every Apply.
	draining map[string]<-chan struct{}
	// stopped remembers when Apply last stopped each ID, for floor.
	stopped map[string]stopMark
	born    time.Time // when New ran, real clock
}

// New returns an idle worker. It starts no goroutine.
func New(o Options) *Worker {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	return &Worker{
		build:    o.Build,
		lease:    o.Lease,
		sink:     o.Sink,
		log:      o.Logger,
		now:      now,
		m:        newPromMetrics(o.Registerer),
		gate:     newStartGate(cmp.Or(o.MaxStarting, DefaultMaxStarting())),
		entries:  make(map[string]*entry),
		draining: make(map[string]<-chan struct{}),
		stopped:  make(map[string]stopMark),
		born:     time.Now(),
	}
}

// Apply reconciles the kill-map against desired (keyed by input ID): it
// starts new IDs, stops IDs absent from desired, restarts IDs whose Version
// changed and updates the Window in place when only it changed. It returns
// the Plan it executed, which is Diff's plan except that an Update of an
// input whose goroutine already ended at its old Until, and whose new Window
// admits a future slot, is executed (and reported) as a Restart.
//
// Apply never waits for a plugin: stopping closes the input's stop channel
// and removes it from the kill-map at once, and a new instance of the same
// ID waits in its own goroutine for the old one to finish (in-flight gather,
// ServiceInput.Stop). Build and Start also run in the input's goroutine, so
// a slow plugin never stalls a reconcile. Calls are serialised; after Stop,
// Apply does nothing and returns an empty Plan. Cost: O(n log n) in the
// number of inputs (about 5-8 us per started input on 2 cores, most of it
// goroutine creation and GC), and about 3.5 KiB resident per running idle
// input (2 KiB goroutine stack, g, entry, timer).
func (w *Worker) Apply(desired map[string]Task) Plan {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		w.log.Warn().Int("desired", len(desired)).Msg("apply ignored: worker stopped")
		return Plan{}
	}
	w.pruneDraining()

	running := make(map[string]Running, len(w.entries))
	for id, e := range w.entries {
		running[id] = Running{Version: e.version, Window: e.window()}
	}
	p := Diff(desired, running)
	now := w.now()

	for _, id := range p.Stop {
		e := w.entries[id]
		close(e.stop)
		w.markStopped(e, time.Now())
		delete(w.entries, id)
		w.draining[id] = e.doneChan()
		w.m.stops.Inc()
		w.m.running.Dec()
		w.log.Debug().Str("input", id).Str("plugin", e.plugin).Uint64("version", e.version).Msg("input stopped")
	}

	// Window-only changes. An entry whose loop already ended at its old
	// Until cannot take a new window in place; if the new one still has
	// slots ahead (e.g. the leader cancelled a handoff) it is restarted.
	var update []string
	var reopened bool
	for _, id := range p.Update {
		t := desired[id]
		e := w.entries[id]
		if e.setWindow(t.Window) == stateEnded && windowOpen(id, t.Interval, t.Window, now) {
			p.Restart = append(p.Restart, id)
			reopened = true
			continue
		}
		update = append(update, id)
		w.log.Debug().Str("input", id).Str("plugin", e.plugin).Uint64("version", e.version).
			Time("from", t.Window.From).Time("until", t.Window.Until).Msg("input window updated")
	}
	p.Update = update
	if reopened {
		slices.Sort(p.Restart)
	}

	for _, id := range p.Restart {
		old := w.entries[id]
		close(old.stop)
		w.markStopped(old, time.Now())
		t := desired[id]
		// The new instance waits for old.done, so the two never overlap and
		// a later re-add chains on the new done, which closes after old's.
		w.entries[id] = w.startEntry(id, t, now, old.doneChan())
		w.m.restarts.Inc()
		w.log.Info().Str("input", id).Str("plugin", t.Plugin).Uint64("version", t.Version).
			Uint64("old_version", old.version).Msg("input restarted")
	}

	for _, id := range p.Start {
		t := desired[id]
		prev := w.draining[id]
		delete(w.draining, id)
		w.entries[id] = w.startEntry(id, t, now, prev)
		w.m.starts.Inc()
		w.m.running.Inc()
		w.log.Debug().Str("input", id).Str("plugin", t.Plugin).Uint64("version", t.Version).Msg("input started")
	}

	if !p.Empty() {
		w.log.Info().Int("start", len(p.Start)).Int("stop", len(p.Stop)).Int("restart", len(p.Restart)).
			Int("update", len(p.Update)).Int("running", len(w.entries)).Msg("applied assignment")
	}
	return p
}

// windowOpen reports whether win admits a slot of id at or after now.
func windowOpen(id string, interval time.Duration, win Window, now time.Time) bool {
	if win.Until.IsZero() {
		return true
	}
	from := now
	if win.From.After(from) {
		from = win.From
	}
	return NextSlot(id, interval, from).Before(win.Until)
}

func (w *Worker) pruneDraining() {
	for id, done := range w.draining {
		select {
		case <-done:
			delete(w.draining, id)
		default:
		}
	}
	now := time.Now().UnixNano()
	for id, m := range w.stopped {
		if m.expires < now {
			delete(w.stopped, id)
		}
	}
}

// floor is how far back a new instance of id may gather a slot that fell due while it was being built: from
// the window's From, which the leader stamps when it decides a move (the previous owner gathers only slots
// before it, or is dead), but not before this worker began (this node's previous process may have gathered
// it) nor before the last instance of id here stopped. Without a From (an input new to the cluster, or a
// move an older leader wrote), from now: Apply runs after the commit that made the input this node's.
func (w *Worker) floor(id string, win Window) int64 {
	if win.From.IsZero() {
		return time.Now().UnixNano()
	}
	f := max(win.From.UnixNano(), w.born.UnixNano())
	if m, ok := w.stopped[id]; ok {
		f = max(f, m.at)
	}
	return f
}

// stopMark is when an instance of an ID stopped here, kept while a new instance could still gather a slot
// from before it (maxLate of its interval).
type stopMark struct{ at, expires int64 }

func (w *Worker) markStopped(e *entry, now time.Time) {
	w.stopped[e.id] = stopMark{at: now.UnixNano(), expires: now.Add(maxLate(e.interval)).UnixNano()}
}

func (w *Worker) startEntry(id string, t Task, now time.Time, prev <-chan struct{}) *entry {
	e := &entry{
		id:       id,
		plugin:   t.Plugin,
		version:  t.Version,
		interval: t.Interval,
		started:  now.UnixNano(),
		stop:     make(chan struct{}),
	}
	e.setWindow(t.Window)
	if f := w.floor(id, t.Window); f < e.floor {
		e.floor = f // no goroutine sees e yet
	}
	w.wg.Add(1)
	go w.run(e, t, prev)
	return e
}

// Running returns the size of the kill-map: inputs assigned to this node,
// including ended and failed ones that the next Apply has not removed yet.
func (w *Worker) Running() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.entries)
}

// Local returns a snapshot of every kill-map entry, sorted by ID. Counters
// are read atomically one by one, so a snapshot taken during a gather may be
// off by one between fields. Cost: O(n log n), one Status per input.
func (w *Worker) Local() []Status {
	w.mu.Lock()
	es := make([]*entry, 0, len(w.entries))
	for _, e := range w.entries {
		es = append(es, e)
	}
	w.mu.Unlock()
	out := make([]Status, len(es))
	for i, e := range es {
		out[i] = e.status()
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Stop stops every input and waits until every goroutine the worker started
// (input loops and gather helpers) has returned, ServiceInput.Stop included.
// Because Telegraf's Gather cannot be cancelled, Stop waits for in-flight
// gathers; a Gather that never returns blocks Stop forever. Stop is
// idempotent; Apply after Stop is a no-op.
func (w *Worker) Stop() {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		for _, e := range w.entries {
			close(e.stop)
			w.m.stops.Inc()
			w.m.running.Dec()
		}
		n := len(w.entries)
		w.entries = map[string]*entry{}
		w.draining = map[string]<-chan struct{}{}
		w.log.Info().Int("inputs", n).Msg("worker stopping")
	}
	w.mu.Unlock()
	w.wg.Wait()
}

// entry states.
const (
	stateStarting uint8 = iota
	stateRunning
	stateEnded
	stateFailed
)

var stateNames = [...]string{"starting", "running", "ended", "failed"}

// entry is one kill-map slot. It is kept small because a node holds one per
// assigned input (target <= 4 KiB per idle input including goroutine stack
// and timer): no copy of the Task, the window is a pointer that stays nil
// while unbounded, and times are stored as Unix nanoseconds.
type entry struct {
	id       string
	plugin   string
	version  uint64
	interval time.Duration
	started  int64 // Unix ns, Options.Now's clock (shown)

	stop chan struct{} // closed by Apply/Stop: the kill handle

	// refs counts the holders of this instance: the loop goroutine and,
	// while a gather is in flight, its helper. refs > 1 means "a gather is
	// running"; the holder that drops it to 0 stops the service and marks
	// the entry exited. This replaces a per-input completion channel and
	// the sudog a third select case would pin (~200 B per idle input).
	refs atomic.Int32

	// mu makes "loop decides the window ended" and "Apply sets a new
	// window" atomic with respect to each other (see setWindow, admit),
	// and guards the lazily created done channel.
	mu  sync.Mutex
	win *Window // nil = unbounded
	// floor is the earliest slot this instance may gather late when it begins (loop), Unix ns on the real
	// clock: no other instance here, and by the window no other node, gathers a slot from it on. See
	// Worker.floor; a window change resets it to the time of the change (a window that loses its From hands
	// this instance slots another node gathered).
	floor  int64
	state  uint8
	exited bool          // no code of this instance runs any more
	done   chan struct{} // created on demand by doneChan, closed on exit

	gathers, errors, overruns, skipped, panics atomic.Uint64
	lastGather                                 atomic.Int64 // Unix ns of the last Gather start
	lastErr                                    atomic.Pointer[string]
	cost                                       costMeter
}

func (e *entry) window() Window {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.win == nil {
		return Window{}
	}
	return *e.win
}

// setWindow installs win and returns the state observed under the same
// lock, so Apply knows whether the loop can still see the new window.
func (e *entry) setWindow(win Window) uint8 {
	var p *Window
	if !win.From.IsZero() || !win.Until.IsZero() {
		p = &win
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.win = p
	e.floor = time.Now().UnixNano()
	return e.state
}

// lateFloor returns floor.
func (e *entry) lateFloor() int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.floor
}

func (e *entry) setState(s uint8) {
	e.mu.Lock()
	e.state = s
	e.mu.Unlock()
}

// admit decides slot s against the current window: gather it, skip it
// (before From, or a late slot due before the window was set), or end the
// loop (at or after Until; the state flips to ended under the lock so Apply
// cannot miss it).
func (e *entry) admit(s time.Time, late bool) (gather, end bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if late && s.UnixNano() < e.floor {
		return false, false
	}
	if e.win == nil {
		return true, false
	}
	if !e.win.Until.IsZero() && !s.Before(e.win.Until) {
		e.state = stateEnded
		return false, true
	}
	return e.win.From.IsZero() || !s.Before(e.win.From), false
}

// closedChan is what doneChan returns for an instance that already exited,
// so waiting on a finished instance allocates nothing.
var closedChan = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// doneChan returns a channel closed once no code of this instance runs any
// more (loop, in-flight gather, ServiceInput.Stop). It is created only when
// someone needs to wait (restart, stop-then-re-add), which saves a channel
// per idle input.
func (e *entry) doneChan() <-chan struct{} {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.done == nil {
		if e.exited {
			return closedChan
		}
		e.done = make(chan struct{})
	}
	return e.done
}

func (e *entry) markExited() {
	e.mu.Lock()
	e.exited = true
	if e.done != nil {
		close(e.done)
	}
	e.mu.Unlock()
}

func (e *entry) ended() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.state == stateEnded
}

func (e *entry) recordError(w *Worker, msg string) {
	e.errors.Add(1)
	e.lastErr.Store(&msg)
	w.m.errors.Inc()
}

func (e *entry) status() Status {
	e.mu.Lock()
	st := e.state
	var win Window
	if e.win != nil {
		win = *e.win
	}
	e.mu.Unlock()
	s := Status{
		ID:       e.id,
		Plugin:   e.plugin,
		Version:  e.version,
		State:    stateNames[st],
		Started:  time.Unix(0, e.started),
		Gathers:  e.gathers.Load(),
		Errors:   e.errors.Load(),
		Overruns: e.overruns.Load(),
		Skipped:  e.skipped.Load(),
		Panics:   e.panics.Load(),
		Window:   win,

		LastDuration: e.cost.lastDuration(),
		Cost:         e.cost.smoothed(),
	}
	if ns := e.lastGather.Load(); ns != 0 {
		s.LastGather = time.Unix(0, ns)
	}
	if p := e.lastErr.Load(); p != nil {
		s.LastError = *p
	}
	return s
}
