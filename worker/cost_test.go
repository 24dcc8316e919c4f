package worker

import (
	"testing"
	"time"
)

func TestCostIgnoresOneSlowGatherAndFollowsALastingChange(t *testing.T) {
	var c costMeter
	c.observe(time.Second) // the cold first gather: not counted
	c.observe(10 * time.Millisecond)
	if c.smoothed() != 0 {
		t.Fatalf("a meter shows %v before its warm-up", c.smoothed())
	}
	for range 20 {
		c.observe(10 * time.Millisecond)
	}
	if got := c.smoothed(); got != 10*time.Millisecond {
		t.Fatalf("steady 10ms gathers smooth to %v", got)
	}
	c.observe(5 * time.Second) // one stall, 500 times the usual
	if got := c.smoothed(); got > 14*time.Millisecond {
		t.Fatalf("one slow gather raised the cost to %v; want at most a third more", got)
	}
	if c.lastDuration() != 5*time.Second {
		t.Fatalf("last duration %v", c.lastDuration())
	}
	n := 0
	for c.smoothed() < 900*time.Millisecond { // the input now really takes a second
		c.observe(time.Second)
		n++
		if n > 100 {
			t.Fatalf("after %d one-second gathers the cost is still %v", n, c.smoothed())
		}
	}
	t.Logf("a 100x lasting change shows after %d gathers", n)
}
