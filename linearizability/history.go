package linearizability

import (
	"math"
	"sync"
	"time"

	"github.com/anishathalye/porcupine"
)

// History records operations from many clients with timestamps from one monotonic clock.
type History struct {
	start time.Time
	mu    sync.Mutex
	ops   []porcupine.Operation
}

// NewHistory starts an empty history; timestamps count from now.
func NewHistory() *History { return &History{start: time.Now()} }

// Now is the history's clock: take it right before a call and right after its return.
func (h *History) Now() int64 { return int64(time.Since(h.start)) }

// Add records one completed operation. An Unknown output gets an infinite return time.
func (h *History) Add(client int, in Input, call int64, out Output, ret int64) {
	if out.Unknown {
		ret = math.MaxInt64
	}
	h.mu.Lock()
	h.ops = append(h.ops, porcupine.Operation{ClientId: client, Input: in, Call: call, Output: out, Return: ret})
	h.mu.Unlock()
}

// Operations returns a copy of what was recorded.
func (h *History) Operations() []porcupine.Operation {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]porcupine.Operation(nil), h.ops...)
}
