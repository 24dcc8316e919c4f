package demotarget

import (
	"math"
	"sort"
	"sync"
	"time"
)

// The limits a zero Limits field stands for; `gatherd demo-target` uses them as its flags' defaults.
const (
	DefaultKeep            = 10 * time.Minute
	DefaultMaxInputs       = 10000
	DefaultMaxHitsPerInput = 100000
)

// Limits bound the memory of a HitLog. A zero or negative field means its default.
type Limits struct {
	Keep            time.Duration // probes older than this are forgotten
	MaxInputs       int           // probes of further input IDs are not counted
	MaxHitsPerInput int           // beyond this, an input's oldest probes are forgotten first
}

func (l Limits) withDefaults() Limits {
	if l.Keep <= 0 {
		l.Keep = DefaultKeep
	}
	if l.MaxInputs <= 0 {
		l.MaxInputs = DefaultMaxInputs
	}
	if l.MaxHitsPerInput <= 0 {
		l.MaxHitsPerInput = DefaultMaxHitsPerInput
	}
	return l
}

// Hit is one probe as the target saw it. Its JSON is what GET /hits?detail=true lists.
type Hit struct {
	At   int64  `json:"t"`    // unix nanoseconds
	From string `json:"from"` // the prober's IP
}

// Stats is what GET /metrics shows of a HitLog.
type Stats struct {
	Inputs  int    // input IDs with probes kept
	Kept    int    // probes held in memory
	Total   uint64 // probes counted since the start or the last Reset
	Dropped uint64 // probes not counted because MaxInputs IDs were already counted
}

// HitLog counts probes per input ID. Memory stays bounded by its Limits: probes older than Keep are dropped
// (by a sweep of every ID, run by any method at most ten times per Keep period, so a probe may outlive Keep by
// up to a tenth of it), each ID keeps at most MaxHitsPerInput probes, and at most MaxInputs IDs are counted.
// Safe for concurrent use.
type HitLog struct {
	mu        sync.Mutex
	keep      time.Duration
	maxIDs    int
	maxPerID  int
	hits      map[string][]Hit // per ID, in arrival order (so non-decreasing times)
	kept      int              // probes held
	total     uint64           // probes counted since the start or the last reset
	dropped   uint64           // probes not counted: too many IDs
	lastSweep int64
}

// NewHitLog returns an empty HitLog bounded by limits.
func NewHitLog(limits Limits) *HitLog {
	limits = limits.withDefaults()
	return &HitLog{keep: limits.Keep, maxIDs: limits.MaxInputs, maxPerID: limits.MaxHitsPerInput, hits: map[string][]Hit{}}
}

// Record counts one probe of id from the address from at now. It reports false when the probe was not counted
// because MaxInputs other IDs are counted already. A now earlier than id's last probe (a wall clock stepping
// back) is recorded as that probe's time, so an ID's probes stay in order.
func (l *HitLog) Record(id, from string, now time.Time) bool {
	at := now.UnixNano()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweepLocked(at)
	hs, ok := l.hits[id]
	if !ok && len(l.hits) >= l.maxIDs {
		l.dropped++
		return false
	}
	// Times from a wall clock may step back a little; keep the slice sorted for Since's binary search.
	if n := len(hs); n > 0 && hs[n-1].At > at {
		at = hs[n-1].At
	}
	before := len(hs)
	hs = l.pruneLocked(hs, at)
	if len(hs) >= l.maxPerID {
		hs = hs[len(hs)-l.maxPerID+1:]
	}
	if len(hs) < cap(hs) && cap(hs) > 2*l.maxPerID {
		hs = append([]Hit(nil), hs...) // do not pin a large backing array
	}
	hs = append(hs, Hit{At: at, From: from})
	l.kept += len(hs) - before
	l.hits[id] = hs
	l.total++
	return true
}

// pruneLocked drops hs's probes older than keep before now (nanoseconds).
func (l *HitLog) pruneLocked(hs []Hit, now int64) []Hit {
	cut := now - int64(l.keep)
	i := sort.Search(len(hs), func(i int) bool { return hs[i].At >= cut })
	return hs[i:]
}

// sweepLocked prunes every ID, and forgets IDs left without probes, at most ten times per keep period.
func (l *HitLog) sweepLocked(now int64) {
	if now-l.lastSweep < int64(l.keep)/10 {
		return
	}
	l.lastSweep = now
	for id, hs := range l.hits {
		p := l.pruneLocked(hs, now)
		l.kept -= len(hs) - len(p)
		if len(p) == 0 {
			delete(l.hits, id)
			continue
		}
		if len(p) < len(hs) {
			l.hits[id] = append([]Hit(nil), p...)
		}
	}
}

// Since returns a copy of the probes at or after t (every probe kept, if t is zero), per ID, in the order they
// were recorded; IDs without any are absent. now is the current time, by which old probes are swept.
func (l *HitLog) Since(t, now time.Time) map[string][]Hit {
	from := int64(math.MinInt64)
	if !t.IsZero() {
		from = t.UnixNano()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweepLocked(now.UnixNano())
	out := map[string][]Hit{}
	for id, hs := range l.hits {
		i := sort.Search(len(hs), func(i int) bool { return hs[i].At >= from })
		if i < len(hs) {
			out[id] = append([]Hit(nil), hs[i:]...)
		}
	}
	return out
}

// Reset forgets every probe and zeroes the counters.
func (l *HitLog) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.hits = map[string][]Hit{}
	l.kept, l.total, l.dropped = 0, 0, 0
}

// Stats returns the log's counters at now, after forgetting the probes that are too old by then.
func (l *HitLog) Stats(now time.Time) Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweepLocked(now.UnixNano())
	return Stats{Inputs: len(l.hits), Kept: l.kept, Total: l.total, Dropped: l.dropped}
}
