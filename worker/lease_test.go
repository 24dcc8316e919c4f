package worker

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/influxdata/telegraf"
	"github.com/rs/zerolog"
)

// TestLeaseCheckedAtEachGather: while the node does not hold its lease, no slot is gathered, each is skipped
// and counted, and none is caught up once the lease is back.
func TestLeaseCheckedAtEachGather(t *testing.T) {
	var held atomic.Bool
	f := newFixtureWith(t, zerolog.WarnLevel, func(time.Time) bool { return held.Load() },
		func(_ Task, p *recPlugin) telegraf.Input { return p })
	const id, iv = "leased", 100 * time.Millisecond
	f.w.Apply(tasks(Task{ID: id, Plugin: "rec", Interval: iv, Version: 1}))
	p := f.rec(t, id, 0)
	waitFor(t, 5*time.Second, "5 slots skipped without the lease", func() bool { return status(t, f.w, id).Skipped >= 5 })
	if n := len(p.gatherTimes()); n != 0 {
		t.Fatalf("%d gathers without the lease", n)
	}
	held.Store(true)
	back := time.Now()
	waitFor(t, 5*time.Second, "gathers with the lease", func() bool { return len(p.gatherTimes()) >= 3 })
	for _, at := range p.gatherTimes() {
		if at.Before(back) {
			t.Fatalf("a gather at %v, before the lease came back at %v", at, back)
		}
	}
	// Only slots due after the lease returned are gathered: none from the skipped stretch.
	for _, s := range f.sink.slotTimes(id) {
		if s.Before(back.Add(-maxLate(iv))) {
			t.Fatalf("slot %v gathered, due while the lease was not held (back at %v)", s, back)
		}
	}
}

func TestMaxLate(t *testing.T) {
	for iv, want := range map[time.Duration]time.Duration{
		100 * time.Millisecond: 250 * time.Millisecond, time.Second: 500 * time.Millisecond, time.Minute: 30 * time.Second,
	} {
		if got := maxLate(iv); got != want {
			t.Errorf("maxLate(%v) = %v, want %v", iv, got, want)
		}
	}
}

// TestStartGateSoonestFirst: with every place taken, waiting starts get in by due time, and a waiter that is
// stopped leaves its place to the next.
func TestStartGateSoonestFirst(t *testing.T) {
	g := newStartGate(1)
	never := make(chan struct{})
	if !g.acquire(time.Unix(0, 0), never) {
		t.Fatal("a free place was refused")
	}
	base := time.Unix(1000, 0)
	order := make(chan int, 4)
	stopped := make(chan struct{})
	var wg sync.WaitGroup
	for i, due := range []int{30, 10, 20} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stop := never
			if due == 20 {
				stop = stopped
			}
			if g.acquire(base.Add(time.Duration(due)*time.Second), stop) {
				order <- due
				g.release()
			}
		}()
		waitFor(t, time.Second, "waiter queued", func() bool {
			g.mu.Lock()
			defer g.mu.Unlock()
			return g.waiting.Len() == i+1
		})
	}
	close(stopped) // the one due at 20 gives up
	waitFor(t, time.Second, "waiter left", func() bool {
		g.mu.Lock()
		defer g.mu.Unlock()
		return g.waiting.Len() == 2
	})
	g.release()
	wg.Wait()
	close(order)
	var got []int
	for d := range order {
		got = append(got, d)
	}
	if fmt.Sprint(got) != "[10 30]" {
		t.Fatalf("started in order %v, want [10 30]", got)
	}
}
