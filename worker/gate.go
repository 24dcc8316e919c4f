package worker

import (
	"container/heap"
	"sync"
	"time"
)

// startGate bounds how many inputs build and start at once (Options.MaxStarting) and lets the waiting ones in
// by when their first slot falls due, soonest first. A node taking over thousands of orphans then builds the
// ones due in the next second before those due in half a minute, instead of in arbitrary order: fewer slots
// fall due before their input runs.
type startGate struct {
	mu      sync.Mutex
	free    int
	seq     uint64
	waiting waiters
}

func newStartGate(n int) *startGate { return &startGate{free: n} }

type waiter struct {
	due   time.Time
	seq   uint64 // arrival order, to keep equal due times first come, first served
	ready chan struct{}
	index int
}

type waiters []*waiter

func (w waiters) Len() int { return len(w) }
func (w waiters) Less(i, j int) bool {
	if !w[i].due.Equal(w[j].due) {
		return w[i].due.Before(w[j].due)
	}
	return w[i].seq < w[j].seq
}
func (w waiters) Swap(i, j int) { w[i], w[j] = w[j], w[i]; w[i].index = i; w[j].index = j }
func (w *waiters) Push(x any)   { x.(*waiter).index = len(*w); *w = append(*w, x.(*waiter)) }
func (w *waiters) Pop() any {
	old := *w
	x := old[len(old)-1]
	*w = old[:len(old)-1]
	x.index = -1
	return x
}

// acquire waits for a place, due deciding the order among waiters; it returns false, holding nothing, when stop
// closes first.
func (g *startGate) acquire(due time.Time, stop <-chan struct{}) bool {
	g.mu.Lock()
	if g.free > 0 && g.waiting.Len() == 0 {
		g.free--
		g.mu.Unlock()
		return true
	}
	g.seq++
	w := &waiter{due: due, seq: g.seq, ready: make(chan struct{})}
	heap.Push(&g.waiting, w)
	g.mu.Unlock()
	select {
	case <-w.ready:
		return true
	case <-stop:
		g.mu.Lock()
		defer g.mu.Unlock()
		if w.index >= 0 {
			heap.Remove(&g.waiting, w.index)
			return false
		}
		// Granted just as it was stopped: pass the place on.
		g.releaseLocked()
		return false
	}
}

// release gives a place back, to the waiter due soonest if any.
func (g *startGate) release() {
	g.mu.Lock()
	g.releaseLocked()
	g.mu.Unlock()
}

func (g *startGate) releaseLocked() {
	if g.waiting.Len() > 0 {
		close(heap.Pop(&g.waiting).(*waiter).ready)
		return
	}
	g.free++
}
