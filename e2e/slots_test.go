//go:build e2e

package e2e

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gatherd/gatherd/worker"
)

// Gathers are counted where they land: the demo target records every GET /probe/<id> it answers, and the
// suite maps each probe's arrival time to a slot of its input (slot k of id is at k*interval + Phase(id); the
// nearest slot wins, so arrival latency below half an interval does not matter).

// hits are the target's probes per input ID, unix nanoseconds.
type hits map[string][]int64

func fetchHits(target string, since time.Time) (hits, error) {
	var h hits
	err := getJSON(target+"/hits?since="+url.QueryEscape(since.UTC().Format(time.RFC3339Nano)), &h)
	return h, err
}

// slotTally is what a window of slots looked like at the target.
type slotTally struct {
	Slots     int            // slots in the window, over every input counted
	Missed    int            // slots nobody gathered
	Doubled   int            // extra gathers of slots gathered more than once
	MaxMissed int            // most slots one input missed
	PerInput  map[string]int // missed slots per input, inputs that missed any
	Bad       []string       // "id slot 12:00:01.250 x0", at most 20
	hits      hits           // what was counted, for tallies of subsets
}

func (s slotTally) String() string {
	out := fmt.Sprintf("%d slots, %d missed (at most %d per input), %d doubled", s.Slots, s.Missed, s.MaxMissed, s.Doubled)
	if len(s.Bad) > 0 {
		out += ": " + strings.Join(s.Bad, ", ")
	}
	return out
}

// tally counts, for each input in ivs, the slots in [from, to] and how often the target saw each.
func tally(h hits, ivs map[string]time.Duration, from, to time.Time) slotTally {
	s := slotTally{PerInput: map[string]int{}, hits: h}
	ids := make([]string, 0, len(ivs))
	for id := range ivs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		iv := ivs[id]
		first := worker.SlotIndex(id, iv, worker.NextSlot(id, iv, from))
		last := worker.SlotIndex(id, iv, to)
		if slotAt(id, iv, last).After(to) {
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
				s.Bad = append(s.Bad, fmt.Sprintf("%s slot %s x%d", id, slotAt(id, iv, k).Local().Format("15:04:05.000"), n))
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

func slotAt(id string, iv time.Duration, k int64) time.Time {
	return time.Unix(0, k*int64(iv)+int64(worker.Phase(id, iv)))
}

// firstAfter returns, per input of ids, the first probe strictly after t (zero when none).
func firstAfter(h hits, ids []string, t time.Time) map[string]time.Time {
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

func TestTally(t *testing.T) {
	iv := time.Second
	id := "x"
	base := worker.NextSlot(id, iv, time.Unix(1_700_000_000, 0))
	at := func(k int, late time.Duration) int64 { return base.Add(time.Duration(k)*iv + late).UnixNano() }
	h := hits{id: {at(0, 3*time.Millisecond), at(1, 0), at(1, 40*time.Millisecond), at(3, 0), at(4, 0)}}
	got := tally(h, map[string]time.Duration{id: iv}, base.Add(-time.Millisecond), base.Add(4*iv))
	if got.Slots != 5 || got.Missed != 1 || got.Doubled != 1 || got.MaxMissed != 1 || got.PerInput[id] != 1 {
		t.Fatalf("tally = %+v, want 5 slots, 1 missed (slot 2), 1 doubled (slot 1)", got)
	}
	// A window ending just before slot 4 leaves it out.
	if got := tally(h, map[string]time.Duration{id: iv}, base, base.Add(4*iv-time.Millisecond)); got.Slots != 4 {
		t.Fatalf("window to just before slot 4: %d slots, want 4", got.Slots)
	}
	if f := firstAfter(h, []string{id, "y"}, base.Add(1500*time.Millisecond)); !f[id].Equal(time.Unix(0, at(3, 0))) || !f["y"].IsZero() {
		t.Fatalf("firstAfter = %v", f)
	}
}
