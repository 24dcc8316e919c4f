package worker

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"time"

	"github.com/influxdata/telegraf"
)

var errNoBuild = errors.New("worker has no Build function")

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// maxLate is how late a slot may fire and still be gathered: half its interval, and never less than 250 ms,
// so that timer slack on a busy machine does not drop the slots of sub-second inputs.
func maxLate(iv time.Duration) time.Duration { return max(iv/2, 250*time.Millisecond) }

// run is the short-lived start-up goroutine of one kill-map entry: wait for
// the previous instance of the ID, build, start (ServiceInput), then hand
// over to a fresh goroutine running loop. The split exists for memory:
// Build and Start are arbitrary plugin code that can grow a goroutine's
// stack, and a grown stack never shrinks back while the goroutine parks
// with a non-trivial frame, so the long-lived loop must start on a fresh
// minimum (2 KiB) stack and itself stay shallow.
func (w *Worker) run(e *entry, t Task, prev <-chan struct{}) {
	defer w.wg.Done()
	if prev != nil {
		select {
		case <-prev:
		case <-e.stop:
			e.markExited()
			return
		}
	}
	select {
	case <-e.stop:
		e.markExited()
		return
	default:
	}

	if t.Interval <= 0 {
		w.fail(e, "invalid task", fmt.Errorf("interval must be positive, got %s", t.Interval))
		return
	}
	// Queued behind other starts, soonest first slot first.
	if !w.gate.acquire(NextSlot(t.ID, t.Interval, later(w.now(), t.Window.From)), e.stop) {
		e.markExited() // stopped while queued
		return
	}
	in, svc, err := w.start(e, t)
	w.gate.release()
	if err != nil {
		w.fail(e, err.what, err.err)
		return
	}
	if in == nil { // stopped during Build
		e.markExited()
		return
	}
	e.setState(stateRunning)
	w.log.Debug().Str("input", e.id).Str("plugin", e.plugin).Uint64("version", e.version).Msg("input running")

	timeout := t.Timeout
	if timeout <= 0 {
		timeout = t.Interval
	}
	e.refs.Store(1) // the loop's reference
	w.wg.Add(1)
	go w.loop(e, in, svc, t.Interval, timeout, min(t.Jitter, t.Interval))
}

// loop is the long-lived goroutine of a running input. It fires slot after
// slot until the stop channel closes or a slot reaches Window.Until. One
// reused timer serves both the next slot and the in-flight gather's
// deadline; nothing is allocated while idle, and nothing deep (plugin code,
// logging) runs on this stack while it loops, so it stays at the minimum
// size. On exit it drops its reference; whichever of loop and in-flight
// gather finishes last stops the service and marks the entry exited.
func (w *Worker) loop(e *entry, in telegraf.Input, svc telegraf.ServiceInput, iv, timeout, jitter time.Duration) {
	defer w.wg.Done()
	var (
		timedOut bool      // the in-flight gather's timeout was already counted
		deadline time.Time // of the in-flight gather
	)
	now := time.Now()
	s := NextSlot(e.id, iv, now)
	late := false // s is a slot that fell due before the loop began
	if p := s.Add(-iv); p.UnixNano() >= e.lateFloor() && now.Sub(p) <= maxLate(iv) {
		// The slot fell due while this instance was being built (a survivor building thousands of orphans, a
		// planned move whose stamp passed mid-build): gather it late, as a slot fired late is, rather than
		// miss it. Only a slot from the entry's floor on (admit checks it again, with the window, under one
		// lock): no other instance here gathers those, nor by the window another node; the lease still
		// decides as for any slot.
		s, late = p, true
	}
	fire := s.Add(jitterDelay(jitter))
	timer := time.NewTimer(time.Until(fire))

loop:
	for {
		select {
		case <-e.stop:
			break loop
		case <-timer.C:
		}
		select {
		case <-e.stop:
			// Stopped as the timer fired (select picks at random among ready cases): a slot due after the stop
			// belongs to whoever replaces this instance.
			break loop
		default:
		}
		now := time.Now()
		busy := e.refs.Load() > 1
		if busy && !timedOut && !now.Before(deadline) {
			timedOut = true // count once; the gather keeps blocking slots as overruns
			// Recording (allocation) and logging (encoder, writer) are
			// deep; doing them here would grow this stack for good.
			w.wg.Add(1)
			go w.timedOut(e, timeout)
		}
		if !now.Before(fire) {
			gather, end := e.admit(s, late)
			late = false
			if end {
				break loop
			}
			switch {
			case !gather: // before Window.From: not ours yet
			case busy:
				e.overruns.Add(1)
				w.m.overruns.Inc()
			case now.Sub(fire) > maxLate(iv):
				// Late by more than half an interval: the process was frozen or starved. Its owner may have
				// changed meanwhile; skip it rather than gather a slot another node may have gathered.
				e.skipped.Add(1)
				w.m.late.Inc()
			case w.lease != nil && !w.lease(now):
				e.skipped.Add(1)
				w.m.unleased.Inc()
			default:
				timedOut, deadline = false, now.Add(timeout)
				e.refs.Add(1) // the helper's reference, dropped when Gather returns
				w.wg.Add(1)
				go w.gather(e, in, svc, s)
			}
			s = s.Add(iv)
			// Slots more than one interval old are dropped, not replayed
			// back to back (they would only overrun each other); a slot
			// late by more than half an interval was skipped above.
			if !now.Before(s.Add(iv)) {
				next := NextSlot(e.id, iv, now.Add(-iv+1))
				if n := uint64(next.Sub(s) / iv); n > 0 {
					e.overruns.Add(n)
					w.m.overruns.Add(float64(n))
				}
				s = next
			}
			fire = s.Add(jitterDelay(jitter))
		}
		next := fire
		if !timedOut && deadline.Before(next) && e.refs.Load() > 1 {
			next = deadline // wake to count the timeout if the gather hangs
		}
		timer.Reset(time.Until(next))
	}
	timer.Stop()
	w.release(e, svc)
}

// release drops one reference to the instance; the last holder stops the
// service (after any in-flight Gather returned, as Telegraf requires) and
// marks the entry exited, which lets a restarted instance of the ID start.
func (w *Worker) release(e *entry, svc telegraf.ServiceInput) {
	if e.refs.Add(-1) != 0 {
		return
	}
	if svc != nil {
		if err := protect(func() error { svc.Stop(); return nil }); err != nil {
			e.recordError(w, "service stop failed: "+err.Error())
			w.log.Error().Str("input", e.id).Str("plugin", e.plugin).Uint64("version", e.version).
				Err(err).Msg("service stop failed")
		}
	}
	if e.ended() {
		w.log.Debug().Str("input", e.id).Str("plugin", e.plugin).Uint64("version", e.version).Msg("input window ended")
	}
	e.markExited()
}

// timedOut records a gather timeout. It runs in its own goroutine, spawned
// by the loop, to keep the loop's stack minimal.
func (w *Worker) timedOut(e *entry, timeout time.Duration) {
	defer w.wg.Done()
	e.recordError(w, "gather timed out after "+timeout.String())
	w.log.Warn().Str("input", e.id).Str("plugin", e.plugin).Uint64("version", e.version).
		Dur("timeout", timeout).Msg("gather timed out")
}

// jitterDelay returns a random delay in [0, j). Only the firing time moves;
// the slot identity (and the metrics' default time) stays the slot.
func jitterDelay(j time.Duration) time.Duration {
	if j <= 0 {
		return 0
	}
	return rand.N(j)
}

// gather runs one Gather for slot s in its own goroutine (Gather cannot be
// cancelled, so the loop must stay free to time it out). It recovers
// panics, records the outcome, hands the gather's metrics to the Sink in
// one Write, then drops its reference to the instance.
func (w *Worker) gather(e *entry, in telegraf.Input, svc telegraf.ServiceInput, s time.Time) {
	defer w.wg.Done()
	defer w.release(e, svc) // last: after stats and Sink.Write
	acc := &accumulator{w: w, e: e, slot: s}
	start := time.Now()
	defer func() {
		if r := recover(); r != nil {
			e.panics.Add(1)
			w.m.panics.Inc()
			e.recordError(w, fmt.Sprintf("panic: %v", r))
			w.log.Error().Str("input", e.id).Str("plugin", e.plugin).Uint64("version", e.version).
				Str("panic", fmt.Sprint(r)).Bytes("stack", debug.Stack()).Msg("gather panicked; recovered")
		}
		e.gathers.Add(1)
		e.lastGather.Store(start.UnixNano())
		took := time.Since(start)
		e.cost.observe(took)
		w.m.gathers.Inc()
		w.m.duration.Observe(took.Seconds())
		acc.flush()
	}()
	if err := in.Gather(acc); err != nil {
		acc.AddError(err)
	}
}

// startErr is why start failed, as fail reports it.
type startErr struct {
	what string
	err  error
}

// start builds the input and, for a ServiceInput, starts it. It returns a nil
// input and no error when e was stopped during Build: nothing is started that
// nobody wants.
func (w *Worker) start(e *entry, t Task) (telegraf.Input, telegraf.ServiceInput, *startErr) {
	in, err := w.buildInput(t)
	if err != nil {
		return nil, nil, &startErr{"build failed", err}
	}
	select {
	case <-e.stop:
		return nil, nil, nil
	default:
	}
	s, ok := in.(telegraf.ServiceInput)
	if !ok {
		return in, nil, nil
	}
	acc := &accumulator{w: w, e: e} // service mode: wall-clock times, write-through
	if err := protect(func() error { return s.Start(acc) }); err != nil {
		return nil, nil, &startErr{"service start failed", err}
	}
	return in, s, nil
}

func (w *Worker) buildInput(t Task) (in telegraf.Input, err error) {
	if w.build == nil {
		return nil, errNoBuild
	}
	err = protect(func() error {
		var berr error
		in, berr = w.build(t)
		return berr
	})
	if err == nil && in == nil {
		err = errors.New("build returned a nil input")
	}
	return in, err
}

// fail marks the entry failed: it stays in the kill-map with LastError set
// and is not retried until its Version changes.
func (w *Worker) fail(e *entry, what string, err error) {
	e.recordError(w, what+": "+err.Error())
	e.setState(stateFailed)
	w.log.Error().Str("input", e.id).Str("plugin", e.plugin).Uint64("version", e.version).
		Err(err).Msg("input " + what)
	e.markExited()
}

// protect runs f and turns a panic into an error, so a plugin's Build,
// Start or Stop cannot take down the node.
func protect(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return f()
}
