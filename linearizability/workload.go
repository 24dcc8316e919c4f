package linearizability

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// Mix is the share of each kind of operation, in percent; the rest are reads.
type Mix struct{ Put, Delete, Batch int }

// DefaultMix writes about half the time, so reads have writes to miss.
var DefaultMix = Mix{Put: 30, Delete: 10, Batch: 10}

// Workload generates random operations over Groups groups with fresh values.
type Workload struct {
	Groups int
	Mix    Mix
	next   atomic.Int32
}

func (w *Workload) value() Value { return Value(w.next.Add(1)-1)%maxValue + 1 }

// Next draws an operation.
func (w *Workload) Next(r *rand.Rand) Input {
	in := Input{Group: r.IntN(w.Groups), Slot: r.IntN(GroupSize)}
	switch p := r.IntN(100); {
	case p < w.Mix.Put:
		in.Kind, in.Value = Put, w.value()
	case p < w.Mix.Put+w.Mix.Delete:
		in.Kind = Delete
	case p < w.Mix.Put+w.Mix.Delete+w.Mix.Batch:
		in.Kind = Batch
		for slot := range GroupSize {
			if slot == in.Slot || r.IntN(2) == 0 { // at least one ID, usually two or three
				in.Batch[slot] = w.value()
			}
		}
	default:
		in.Kind = Read
	}
	return in
}

// Counts sums up a run.
type Counts struct {
	Ops, Ambiguous, NotApplied int64
	ByKind                     [4]int64
}

// Run has clients concurrent clients send operations to the URLs urls returns (one drawn per operation) until
// ctx ends or ops operations were recorded, and records them in h. It returns the first harness or API error.
func Run(ctx context.Context, c *Client, w *Workload, h *History, clients int, ops int64, urls func() []string) (Counts, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		counts   Counts
		firstErr error
		wg       sync.WaitGroup
	)
	for id := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(id), uint64(time.Now().UnixNano())))
			for ctx.Err() == nil {
				us := urls()
				if len(us) == 0 {
					time.Sleep(50 * time.Millisecond)
					continue
				}
				in := w.Next(r)
				call := h.Now()
				out, outcome, err := c.Do(context.Background(), us[r.IntN(len(us))], in)
				ret := h.Now()
				mu.Lock()
				switch {
				case err != nil:
					if firstErr == nil {
						firstErr = err
					}
					cancel()
				case outcome == NotApplied:
					counts.NotApplied++
				default:
					h.Add(id, in, call, out, ret)
					counts.Ops++
					counts.ByKind[in.Kind]++
					if outcome == Ambiguous {
						counts.Ambiguous++
					}
					if ops > 0 && counts.Ops >= ops {
						cancel()
					}
				}
				mu.Unlock()
				if outcome == NotApplied {
					time.Sleep(20 * time.Millisecond) // a node down or a leader change: do not spin
				}
			}
		}()
	}
	wg.Wait()
	return counts, firstErr
}
