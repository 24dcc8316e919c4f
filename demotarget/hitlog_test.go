package demotarget_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/gatherd/gatherd/demotarget"
)

var t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

func hitTimes(hs []demotarget.Hit) []int64 {
	out := make([]int64, len(hs))
	for i, h := range hs {
		out[i] = h.At
	}
	return out
}

func TestHitLogCountsPerInput(t *testing.T) {
	l := demotarget.NewHitLog(demotarget.Limits{Keep: time.Minute, MaxInputs: 10, MaxHitsPerInput: 100})
	for i := range 3 {
		l.Record("a", "10.0.0.1", t0.Add(time.Duration(i)*time.Second))
	}
	l.Record("b", "10.0.0.2", t0.Add(1500*time.Millisecond))

	got := l.Since(t0.Add(time.Second), t0.Add(3*time.Second))
	if len(got) != 2 || len(got["a"]) != 2 || len(got["b"]) != 1 {
		t.Fatalf("since +1s = %v, want a: 2 probes, b: 1", got)
	}
	if got["a"][0].At != t0.Add(time.Second).UnixNano() || got["b"][0].From != "10.0.0.2" {
		t.Fatalf("since +1s = %v", got)
	}
	if got := l.Since(t0.Add(time.Hour), t0.Add(3*time.Second)); len(got) != 0 {
		t.Fatalf("since the future = %v, want nothing", got)
	}
	if s := l.Stats(t0.Add(3 * time.Second)); s.Inputs != 2 || s.Kept != 4 || s.Total != 4 || s.Dropped != 0 {
		t.Fatalf("stats = %+v", s)
	}
}

func TestHitLogForgetsOldProbes(t *testing.T) {
	l := demotarget.NewHitLog(demotarget.Limits{Keep: 10 * time.Second, MaxInputs: 10, MaxHitsPerInput: 100})
	l.Record("old", "x", t0)
	for i := range 30 {
		l.Record("a", "x", t0.Add(time.Duration(i)*time.Second))
	}
	now := t0.Add(29 * time.Second)
	got := l.Since(time.Time{}, now)
	if _, ok := got["old"]; ok {
		t.Fatalf("an ID without a recent probe is still there: %v", got)
	}
	ts := hitTimes(got["a"])
	if len(ts) != 11 || ts[0] != t0.Add(19*time.Second).UnixNano() {
		t.Fatalf("kept %d probes from %v, want the last 10s: 11 from +19s", len(ts), time.Unix(0, ts[0]))
	}
	if s := l.Stats(now); s.Inputs != 1 || s.Kept != 11 || s.Total != 31 {
		t.Fatalf("stats = %+v, want 1 ID, 11 kept, 31 counted", s)
	}
}

func TestHitLogBounds(t *testing.T) {
	l := demotarget.NewHitLog(demotarget.Limits{Keep: time.Hour, MaxInputs: 2, MaxHitsPerInput: 5})
	for i := range 20 {
		l.Record("a", "x", t0.Add(time.Duration(i)*time.Millisecond))
	}
	l.Record("b", "x", t0)
	if l.Record("c", "x", t0) {
		t.Fatal("a third ID was counted with MaxInputs 2")
	}
	got := l.Since(time.Time{}, t0.Add(time.Second))
	if ts := hitTimes(got["a"]); len(ts) != 5 || ts[4] != t0.Add(19*time.Millisecond).UnixNano() {
		t.Fatalf("a kept %v, want the newest 5", ts)
	}
	if s := l.Stats(t0.Add(time.Second)); s.Inputs != 2 || s.Kept != 6 || s.Dropped != 1 {
		t.Fatalf("stats = %+v, want 2 IDs, 6 kept, 1 dropped", s)
	}
	// A clock stepping back does not unsort an ID's probes.
	l.Record("b", "x", t0.Add(-time.Minute))
	if ts := hitTimes(l.Since(time.Time{}, t0)["b"]); len(ts) != 2 || ts[1] < ts[0] {
		t.Fatalf("b = %v, want 2 sorted probes", ts)
	}
	l.Reset()
	if s := l.Stats(t0); s != (demotarget.Stats{}) {
		t.Fatalf("stats after reset = %+v", s)
	}
}

func TestHitLogZeroLimitsAreTheDefaults(t *testing.T) {
	keep := demotarget.DefaultKeep
	l := demotarget.NewHitLog(demotarget.Limits{})
	l.Record("a", "x", t0)
	l.Record("a", "x", t0.Add(keep/2))
	if ts := hitTimes(l.Since(time.Time{}, t0.Add(keep/2))["a"]); len(ts) != 2 {
		t.Fatalf("a = %v, want both probes kept within the default keep period", ts)
	}
	if ts := hitTimes(l.Since(time.Time{}, t0.Add(keep+keep/10))["a"]); len(ts) != 1 || ts[0] != t0.Add(keep/2).UnixNano() {
		t.Fatalf("a = %v, want only the probe within the default keep period", ts)
	}
	for i := range demotarget.DefaultMaxInputs + 1 {
		l.Record(strconv.Itoa(i), "x", t0.Add(keep))
	}
	if s := l.Stats(t0.Add(keep)); s.Inputs != demotarget.DefaultMaxInputs || s.Dropped != 2 {
		t.Fatalf("stats = %+v, want the default %d inputs counted and 2 dropped", s, demotarget.DefaultMaxInputs)
	}
}
