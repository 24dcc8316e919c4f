package demotarget

import (
	"testing"
	"time"

	"github.com/gatherd/gatherd/worker"
)

func TestTally(t *testing.T) {
	iv := time.Second
	id := "x"
	base := worker.NextSlot(id, iv, time.Unix(1_700_000_000, 0))
	at := func(k int, late time.Duration) int64 { return base.Add(time.Duration(k)*iv + late).UnixNano() }
	h := Hits{id: {at(0, 3*time.Millisecond), at(1, 0), at(1, 40*time.Millisecond), at(3, 0), at(4, 0)}}
	got := CountSlots(h, map[string]time.Duration{id: iv}, base.Add(-time.Millisecond), base.Add(4*iv))
	if got.Slots != 5 || got.Missed != 1 || got.Doubled != 1 || got.MaxMissed != 1 || got.PerInput[id] != 1 {
		t.Fatalf("CountSlots = %+v, want 5 slots, 1 missed (slot 2), 1 doubled (slot 1)", got)
	}
	// A window ending just before slot 4 leaves it out.
	if got := CountSlots(h, map[string]time.Duration{id: iv}, base, base.Add(4*iv-time.Millisecond)); got.Slots != 4 {
		t.Fatalf("window to just before slot 4: %d slots, want 4", got.Slots)
	}
	if f := FirstAfter(h, []string{id, "y"}, base.Add(1500*time.Millisecond)); !f[id].Equal(time.Unix(0, at(3, 0))) || !f["y"].IsZero() {
		t.Fatalf("FirstAfter = %v", f)
	}
}
