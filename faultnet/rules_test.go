package faultnet

import (
	"net"
	"testing"
	"time"
)

// A slow address delays writes on its tracked connections, in both directions of the rule, until Heal.
func TestSlowDelaysTrackedWritesUntilHeal(t *testing.T) {
	r := NewRules()
	a, b := net.Pipe()
	defer b.Close()
	go func() {
		buf := make([]byte, 1)
		for {
			if _, err := b.Read(buf); err != nil {
				return
			}
		}
	}()
	c := r.Track("10.0.0.1:1", "10.0.0.2:1", a)
	defer c.Close()
	write := func() time.Duration {
		start := time.Now()
		if _, err := c.Write([]byte{1}); err != nil {
			t.Fatal(err)
		}
		return time.Since(start)
	}
	const d = 50 * time.Millisecond
	r.Slow(d, "10.0.0.2:1") // the far end
	if took := write(); took < d {
		t.Fatalf("write to a slow address took %s, want at least %s", took, d)
	}
	r.Heal()
	r.Slow(d, "10.0.0.3:1") // another address: this link stays fast
	if got := r.delay("10.0.0.1:1", "10.0.0.2:1"); got != 0 {
		t.Fatalf("after Heal the link is delayed by %s", got)
	}
	write()
}
