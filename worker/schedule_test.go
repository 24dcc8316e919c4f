package worker

import (
	"testing"
	"time"
)

func TestPhaseStableAndBounded(t *testing.T) {
	iv := 10 * time.Second
	for _, id := range []string{"", "a", "cpu/host-1", "a-very-long-input-identifier-0123456789"} {
		p := Phase(id, iv)
		if p < 0 || p >= iv {
			t.Fatalf("Phase(%q) = %v out of [0, %v)", id, p, iv)
		}
		if p != Phase(id, iv) {
			t.Fatalf("Phase(%q) not deterministic", id)
		}
	}
	// Golden value: FNV-64a("a") = 0xaf63dc4c8601ec8c. Guards against an
	// accidental change of hash, which would move every slot in the cluster
	// and make nodes of different versions disagree.
	if got, want := fnv64a("a"), uint64(0xaf63dc4c8601ec8c); got != want {
		t.Fatalf("fnv64a(a) = %#x, want %#x", got, want)
	}
	if Phase("x", 0) != 0 || Phase("x", -time.Second) != 0 {
		t.Fatal("non-positive interval must give phase 0")
	}
}

// Phases sit on the PhaseStep grid from ten steps up, and use the whole grid; below, any offset is possible.
func TestPhaseGrid(t *testing.T) {
	steps := map[time.Duration]bool{}
	for i := range 5000 {
		id := "input-" + string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676))
		p := Phase(id, 10*time.Second)
		if p%PhaseStep != 0 {
			t.Fatalf("Phase(%q, 10s) = %v: not on the %v grid", id, p, PhaseStep)
		}
		steps[p] = true
	}
	if len(steps) != 100 {
		t.Errorf("5000 IDs used %d of the 100 steps of a 10s interval", len(steps))
	}
	offGrid := false
	for i := range 100 {
		if Phase("id-"+string(rune('a'+i)), 900*time.Millisecond)%PhaseStep != 0 {
			offGrid = true
		}
	}
	if !offGrid {
		t.Error("intervals below ten steps should not be put on the grid")
	}
}

func TestPhaseSpreads(t *testing.T) {
	// 1000 IDs over 10 buckets: each bucket should get a fair share.
	iv := 10 * time.Second
	var buckets [10]int
	for i := range 1000 {
		buckets[Phase("input-"+string(rune('a'+i%26))+string(rune('0'+i/26%10))+string(rune('A'+i/260)), iv)/time.Second]++
	}
	for b, n := range buckets {
		if n < 50 || n > 160 {
			t.Fatalf("bucket %d has %d of 1000 phases: %v", b, n, buckets)
		}
	}
}

func TestNextSlot(t *testing.T) {
	ids := []string{"a", "b", "cpu", "mem/host-7"}
	ivs := []time.Duration{time.Millisecond, 100 * time.Millisecond, 10 * time.Second, time.Hour}
	base := time.Date(2031, 5, 6, 7, 8, 9, 123456789, time.UTC)
	for _, id := range ids {
		for _, iv := range ivs {
			ph := Phase(id, iv)
			for _, off := range []time.Duration{0, 1, iv / 3, iv - 1, iv, 7*iv + 5} {
				after := base.Add(off)
				s := NextSlot(id, iv, after)
				if s.Before(after) {
					t.Fatalf("%s/%v: NextSlot(%v) = %v is before after", id, iv, after, s)
				}
				if s.Sub(after) >= iv {
					t.Fatalf("%s/%v: NextSlot(%v) = %v is a whole interval late", id, iv, after, s)
				}
				if (s.UnixNano()-int64(ph))%int64(iv) != 0 {
					t.Fatalf("%s/%v: %v not on the phase grid", id, iv, s)
				}
				if NextSlot(id, iv, s) != s {
					t.Fatalf("%s/%v: a slot is not its own NextSlot", id, iv)
				}
				k := SlotIndex(id, iv, s)
				if !slotTime(id, iv, k).Equal(s) {
					t.Fatalf("%s/%v: slotTime(SlotIndex(s)) != s", id, iv)
				}
				// Nearest: anything within half an interval maps to the slot.
				if SlotIndex(id, iv, s.Add(iv/2-1)) != k || SlotIndex(id, iv, s.Add(-iv/2)) != k {
					t.Fatalf("%s/%v: SlotIndex not nearest around %v", id, iv, s)
				}
				if SlotIndex(id, iv, s.Add(iv)) != k+1 {
					t.Fatalf("%s/%v: consecutive slots not consecutive indexes", id, iv)
				}
			}
		}
	}
}

func TestNextSlotBeforeEpoch(t *testing.T) {
	iv := time.Second
	after := time.Unix(-5, 300)
	s := NextSlot("a", iv, after)
	if s.Before(after) || s.Sub(after) >= iv {
		t.Fatalf("NextSlot before epoch = %v for %v", s, after)
	}
	if (s.UnixNano()-int64(Phase("a", iv)))%int64(iv) != 0 {
		t.Fatalf("%v not on grid", s)
	}
}

func TestNextSlotNonPositiveInterval(t *testing.T) {
	now := time.Now()
	if !NextSlot("a", 0, now).Equal(now) || SlotIndex("a", 0, now) != 0 {
		t.Fatal("non-positive interval must be inert")
	}
}

func TestNextSlotAllocs(t *testing.T) {
	now := time.Now()
	if n := testing.AllocsPerRun(100, func() { NextSlot("cpu/host-1", 10*time.Second, now) }); n != 0 {
		t.Fatalf("NextSlot allocates %v times", n)
	}
}
