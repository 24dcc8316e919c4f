package worker

import (
	"math"
	"sync/atomic"
	"time"
)

// costMeter smooths an input's gather wall time into the cost placement balances.
//
// Wall time, not CPU or metrics produced: Go cannot attribute CPU to a goroutine, and what limits a node running
// remote checks is how many gathers it holds open at once (goroutines, sockets, parsing under a wall clock), which
// wall time counts whether the time goes to a slow target, a timeout or a big response. Metrics produced would
// miss a slow target that answers little. A node's cost is the sum of its inputs' duration/interval: the average
// number of gathers in flight it carries.
//
// Smoothing is a moving average of gathers, each sample first clipped to costClip times the current estimate, so
// that one slow gather (a stall, a GC pause, a target's hiccup) raises the estimate by at most a third, while a
// lasting change still shows within a couple of dozen gathers.
//
// The first gather of an instance is not counted: it pays for connection set-up, DNS, a TLS or SNMP session,
// and every move or spec change starts a new instance, so counting it would make each input that just moved
// look expensive on its new node, and move inputs back. The estimate is reported from the costWarmup-th gather.
type costMeter struct {
	avg  atomic.Uint64 // float64 bits: smoothed seconds per gather; 0 until the second gather
	n    atomic.Uint32 // gathers observed
	last atomic.Int64  // ns of the last gather
}

const (
	costAlpha  = 0.1 // weight of a new sample
	costClip   = 4.0 // a sample counts as at most this many times the current estimate
	costWarmup = 3   // gathers before the estimate is shown: the first is skipped, two are averaged
)

// observe adds one gather's duration. Only the input's own gathers call it, one at a time, so load and store
// need no compare-and-swap.
func (c *costMeter) observe(d time.Duration) {
	c.last.Store(int64(d))
	if c.n.Add(1) == 1 {
		return // the cold first gather
	}
	s := d.Seconds()
	cur := math.Float64frombits(c.avg.Load())
	if cur == 0 {
		c.avg.Store(math.Float64bits(max(s, 1e-9)))
		return
	}
	s = min(s, cur*costClip)
	c.avg.Store(math.Float64bits(cur + costAlpha*(s-cur)))
}

// smoothed returns the smoothed duration of a gather, 0 before costWarmup gathers.
func (c *costMeter) smoothed() time.Duration {
	if c.n.Load() < costWarmup {
		return 0
	}
	return time.Duration(math.Float64frombits(c.avg.Load()) * float64(time.Second))
}

func (c *costMeter) lastDuration() time.Duration { return time.Duration(c.last.Load()) }
