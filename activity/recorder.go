package activity

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatherd/gatherd/wire"
	"github.com/gatherd/gatherd/worker"
)

// Source is what the recorder observes: the node's status and what its worker runs. *cluster.Node is one.
type Source interface {
	Status() wire.Status
	Local() []worker.Status
}

// Bounds of what a recorder keeps.
const (
	MaxEvents = 1000
	// SampleEvery is the width of one point of the gathers and errors series; MaxPoints of them make an hour.
	SampleEvery = 10 * time.Second
	MaxPoints   = 360
	// StatusEvery is how often the recorder samples the node's status: a change shows on a page within it.
	StatusEvery = 250 * time.Millisecond
)

// Recorder samples a node's status and counters in the background. Its methods are safe for concurrent use.
type Recorder struct {
	src Source

	mu      sync.Mutex
	last    wire.Status
	index   uint64 // bumped whenever the sampled status changes
	changed chan struct{}
	events  []wire.Event // oldest first, at most MaxEvents
	points  []wire.Point // oldest first, at most MaxPoints
	counts  map[string]counter
	lastAt  time.Time

	started atomic.Bool
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once
}

type counter struct {
	started       time.Time
	gathers, errs uint64
}

// New returns a recorder of src; Start starts it.
func New(src Source) *Recorder {
	return &Recorder{src: src, changed: make(chan struct{}), counts: map[string]counter{}, stop: make(chan struct{}), done: make(chan struct{})}
}

// Start samples until Stop: the status every StatusEvery, the counters every SampleEvery.
func (r *Recorder) Start() {
	r.started.Store(true)
	r.observe(time.Now())
	r.sample(time.Now())
	go r.run()
}

func (r *Recorder) run() {
	defer close(r.done)
	status := time.NewTicker(StatusEvery)
	defer status.Stop()
	counters := time.NewTicker(SampleEvery)
	defer counters.Stop()
	for {
		select {
		case <-r.stop:
			return
		case now := <-status.C:
			r.observe(now)
		case now := <-counters.C:
			r.sample(now)
		}
	}
}

// Stop ends sampling and releases every Wait. It is safe to call more than once, and without Start.
func (r *Recorder) Stop() {
	r.once.Do(func() {
		close(r.stop)
		if r.started.Load() {
			<-r.done
		}
	})
}

func (r *Recorder) observe(now time.Time) {
	next := r.src.Status()
	r.mu.Lock()
	defer r.mu.Unlock()
	evs := Diff(r.last, next, now)
	if r.last.NodeID != "" && !changed(r.last, next) && len(evs) == 0 {
		return
	}
	r.last = next
	r.events = append(r.events, evs...)
	if over := len(r.events) - MaxEvents; over > 0 {
		r.events = append([]wire.Event(nil), r.events[over:]...)
	}
	r.index++
	close(r.changed)
	r.changed = make(chan struct{})
}

// sample adds one point: the gathers and errors of every input since the previous sample. An input counts
// from zero when it (re)starts on this node, so a counter that went down, or a new start time, counts anew.
func (r *Recorder) sample(now time.Time) {
	local := r.src.Local()
	r.mu.Lock()
	defer r.mu.Unlock()
	p := wire.Point{At: now}
	if !r.lastAt.IsZero() {
		p.Seconds = now.Sub(r.lastAt).Seconds()
	}
	next := make(map[string]counter, len(local))
	for _, st := range local {
		c := counter{started: st.Started, gathers: st.Gathers, errs: st.Errors}
		prev, ok := r.counts[st.ID]
		if !ok || !prev.started.Equal(c.started) || c.gathers < prev.gathers || c.errs < prev.errs {
			prev = counter{}
		}
		p.Gathers += c.gathers - prev.gathers
		p.Errors += c.errs - prev.errs
		next[st.ID] = c
	}
	r.counts, r.lastAt = next, now
	if p.Seconds == 0 {
		return // the first sample is the baseline
	}
	r.points = append(r.points, p)
	if over := len(r.points) - MaxPoints; over > 0 {
		r.points = append([]wire.Point(nil), r.points[over:]...)
	}
}

// Index is a number that grows whenever the node's status (members, leader, term, indexes, fencing) changes;
// pass it to Wait to learn of the next change.
func (r *Recorder) Index() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.index
}

// Wait returns once Index is past index, ctx ends or the recorder stops, with the Index then.
func (r *Recorder) Wait(ctx context.Context, index uint64) uint64 {
	for {
		r.mu.Lock()
		cur, ch := r.index, r.changed
		r.mu.Unlock()
		if cur > index {
			return cur
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return cur
		case <-r.stop:
			return cur
		}
	}
}

// Changed returns a channel closed at the next status change.
func (r *Recorder) Changed() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.changed
}

// Events returns the last limit events, newest first (limit <= 0: all kept).
func (r *Recorder) Events(limit int) []wire.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := len(r.events)
	if limit <= 0 || limit > n {
		limit = n
	}
	out := make([]wire.Event, 0, limit)
	for i := n - 1; i >= n-limit; i-- {
		out = append(out, r.events[i])
	}
	return out
}

// Points returns the gathers and errors series, oldest first, at most an hour of it.
func (r *Recorder) Points() []wire.Point {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]wire.Point{}, r.points...)
}
