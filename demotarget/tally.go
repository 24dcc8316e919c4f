package demotarget

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/gatherd/gatherd/worker"
)

// Gathers are counted where they land: the target records every GET /probe/<id> it answers, and a tally maps
// each probe's arrival time to a slot of its input (slot k of id is at k*interval + Phase(id); the nearest
// slot wins, so arrival latency below half an interval does not matter).

// Hits are the target's probes per input ID, unix nanoseconds: what GET /hits answers.
type Hits map[string][]int64

// Tally is what a window of slots looked like at the target.
type Tally struct {
	Slots     int            // slots in the window, over every input counted
	Missed    int            // slots nobody gathered
	Doubled   int            // extra gathers of slots gathered more than once
	MaxMissed int            // most slots one input missed
	PerInput  map[string]int // missed slots per input, inputs that missed any
	Bad       []string       // "id slot 12:00:01.250 x0", at most 20
	Hits      Hits           // what was counted, for tallies of subsets
}

func (s Tally) String() string {
	out := fmt.Sprintf("%d slots, %d missed (at most %d per input), %d doubled", s.Slots, s.Missed, s.MaxMissed, s.Doubled)
	if len(s.Bad) > 0 {
		out += ": " + strings.Join(s.Bad, ", ")
	}
	return out
}

// CountSlots counts, for each input in ivs, the slots in [from, to] and how often the target saw each.
func CountSlots(h Hits, ivs map[string]time.Duration, from, to time.Time) Tally {
	s := Tally{PerInput: map[string]int{}, Hits: h}
	ids := make([]string, 0, len(ivs))
	for id := range ivs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		iv := ivs[id]
		first := worker.SlotIndex(id, iv, worker.NextSlot(id, iv, from))
		last := worker.SlotIndex(id, iv, to)
		if SlotAt(id, iv, last).After(to) {
			last--
		}
		counts := map[int64]int{}
		for _, ns := range h[id] {
			if k := worker.SlotIndex(id, iv, time.Unix(0, ns)); k >= first && k <= last {
				counts[k]++
			}
		}
		missed := 0
		for k := first; k <= last; k++ {
			s.Slots++
			n := counts[k]
			switch {
			case n == 0:
				missed++
			case n > 1:
				s.Doubled += n - 1
			}
			if n != 1 && len(s.Bad) < 20 {
				s.Bad = append(s.Bad, fmt.Sprintf("%s slot %s x%d", id, SlotAt(id, iv, k).Local().Format("15:04:05.000"), n))
			}
		}
		s.Missed += missed
		if missed > 0 {
			s.PerInput[id] = missed
		}
		s.MaxMissed = max(s.MaxMissed, missed)
	}
	return s
}

// SlotAt is the time of slot k of input id.
func SlotAt(id string, iv time.Duration, k int64) time.Time {
	return time.Unix(0, k*int64(iv)+int64(worker.Phase(id, iv)))
}

// FirstAfter returns, per input of ids, the first probe strictly after t (zero when none).
func FirstAfter(h Hits, ids []string, t time.Time) map[string]time.Time {
	out := map[string]time.Time{}
	for _, id := range ids {
		for _, ns := range h[id] {
			if ns > t.UnixNano() {
				out[id] = time.Unix(0, ns)
				break
			}
		}
	}
	return out
}
