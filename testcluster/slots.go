package testcluster

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/gatherd/gatherd/worker"
)

// SlotReport counts, on the target's side, how often each gather slot of a set of inputs was hit.
type SlotReport struct {
	Slots   int            // slots in the window, over all inputs
	Missed  int            // slots nobody gathered
	Doubled int            // extra gathers: a slot gathered n>1 times adds n-1
	ByNode  map[string]int // gathers per node
	Worst   []string       // a few examples of missed or doubled slots
}

func (r SlotReport) String() string {
	return fmt.Sprintf("%d slots, %d missed, %d doubled; examples: %s", r.Slots, r.Missed, r.Doubled, strings.Join(r.Worst, "; "))
}

// Slots reports the gathers of ids (recording inputs keyed by their ID) for the slots whose times fall in
// [from, to). Each gather is mapped to its nearest slot.
func (c *Cluster) Slots(ids []string, interval time.Duration, from, to time.Time) SlotReport {
	r := SlotReport{ByNode: map[string]int{}}
	for _, id := range ids {
		first := worker.SlotIndex(id, interval, worker.NextSlot(id, interval, from))
		last := worker.SlotIndex(id, interval, worker.NextSlot(id, interval, to)) - 1
		hits := map[int64][]string{}
		for _, h := range c.Recorder.Hits(id) {
			k := worker.SlotIndex(id, interval, h.At)
			if k >= first && k <= last {
				hits[k] = append(hits[k], h.Node)
				r.ByNode[h.Node]++
			}
		}
		for k := first; k <= last; k++ {
			r.Slots++
			n := len(hits[k])
			switch {
			case n == 0:
				r.Missed++
				r.note(fmt.Sprintf("%s slot %d missed", id, k))
			case n > 1:
				r.Doubled += n - 1
				sort.Strings(hits[k])
				r.note(fmt.Sprintf("%s slot %d by %v", id, k, hits[k]))
			}
		}
	}
	return r
}

func (r *SlotReport) note(s string) {
	if len(r.Worst) < 5 {
		r.Worst = append(r.Worst, s)
	}
}
