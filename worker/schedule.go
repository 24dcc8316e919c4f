package worker

import "time"

// FNV-64a constants, inlined so Phase neither allocates nor goes through a
// hash.Hash interface (it runs once per input start, 100k times on a cold start).
const (
	fnvOffset64 = 14695981039346656037
	fnvPrime64  = 1099511628211
)

func fnv64a(s string) uint64 {
	h := uint64(fnvOffset64)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime64
	}
	return h
}

// PhaseStep is the grid Phase puts slots on, for intervals of at least ten
// steps. Gathers spread evenly over the interval each wake an idle process:
// a timer, a scheduler thread spinning up, netpoll, for every single one. On
// a grid, the gathers of one step wake it once. Measured with 10,000
// http_response inputs at 10 s on one node (make bench-telegraf): CPU per
// gather 0.36 ms spread evenly, 0.28 ms on a 10 ms grid, 0.22 ms on 50 ms,
// 100 ms and 1 s grids. 100 ms keeps each burst at a tenth of a second's
// share of the inputs (100 here), well below the all-at-once tick that made a
// Telegraf agent's gathers time out.
const PhaseStep = 100 * time.Millisecond

// Phase is the offset of id's slots inside an interval: FNV-64a(id) picks
// one of the interval's PhaseStep steps (intervals below ten steps: any
// nanosecond of the interval). Every node computes the same value, so
// whichever node owns the input gathers at the same instants, and inputs
// with equal intervals are spread over the interval instead of all firing at
// once. It returns 0 for a non-positive interval. Cost: one pass over id, no
// allocation.
func Phase(id string, interval time.Duration) time.Duration {
	if interval <= 0 {
		return 0
	}
	if interval < 10*PhaseStep {
		return time.Duration(fnv64a(id) % uint64(interval))
	}
	return time.Duration(fnv64a(id)%uint64(interval/PhaseStep)) * PhaseStep
}

// floorDiv is integer division rounding towards negative infinity, so slots
// before the Unix epoch (only ever seen in tests) stay on the same grid.
func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// NextSlot returns the first slot of id at or after after. Slots are
// k*interval + Phase(id, interval) nanoseconds since the Unix epoch, in UTC.
// A non-positive interval returns after unchanged. Cost: a few integer
// operations, no allocation.
func NextSlot(id string, interval time.Duration, after time.Time) time.Time {
	if interval <= 0 {
		return after
	}
	iv := int64(interval)
	ph := int64(Phase(id, interval))
	// ceil((after - phase) / interval) without overflow for realistic times.
	k := -floorDiv(-(after.UnixNano() - ph), iv)
	return time.Unix(0, k*iv+ph).UTC()
}

// SlotIndex returns the index k of the slot of id nearest to t (slot k is at
// k*interval + Phase). Tests use it to map gather wall-clock times back to
// slots; two gathers with the same index gathered the same slot. A
// non-positive interval returns 0.
func SlotIndex(id string, interval time.Duration, t time.Time) int64 {
	if interval <= 0 {
		return 0
	}
	iv := int64(interval)
	return floorDiv(t.UnixNano()-int64(Phase(id, interval))+iv/2, iv)
}

// slotTime is the inverse of SlotIndex.
func slotTime(id string, interval time.Duration, k int64) time.Time {
	return time.Unix(0, k*int64(interval)+int64(Phase(id, interval))).UTC()
}
