package worker

import (
	"slices"
	"time"
)

// Window bounds the gather slots an owner runs: slots s with From <= s < Until.
// A zero From or Until is unbounded on that side. It implements handoff: the
// old owner gathers the slots before the leader-stamped time T (Until=T), the
// new owner the slots from T on (From=T), so every slot is gathered exactly
// once. Changing only the Window never restarts an input.
type Window struct {
	From  time.Time `json:"from,omitzero"`
	Until time.Time `json:"until,omitzero"`
}

// Equal reports whether both bounds are the same instants (time.Time.Equal,
// so locations and monotonic readings do not matter).
func (w Window) Equal(o Window) bool {
	return w.From.Equal(o.From) && w.Until.Equal(o.Until)
}

// Contains reports whether slot s is inside the window.
func (w Window) Contains(s time.Time) bool {
	return (w.From.IsZero() || !s.Before(w.From)) && (w.Until.IsZero() || s.Before(w.Until))
}

// Running is what Diff needs to know about an input in the kill-map.
type Running struct {
	Version uint64
	Window  Window
}

// Plan is the outcome of a reconcile. Each list is sorted by ID and is nil
// when empty.
//   - Start: in desired, not running.
//   - Stop: running, not in desired.
//   - Restart: in both, Version differs (stop the old instance, start a new one).
//   - Update: in both, same Version, Window differs (delivered in place).
type Plan struct {
	Start   []string `json:"start,omitempty"`
	Stop    []string `json:"stop,omitempty"`
	Restart []string `json:"restart,omitempty"`
	Update  []string `json:"update,omitempty"`
}

// Empty reports whether the plan changes nothing.
func (p Plan) Empty() bool {
	return len(p.Start)+len(p.Stop)+len(p.Restart)+len(p.Update) == 0
}

// Diff is the pure reconcile function: it compares the desired set with the
// running set (ID -> Version, Window) and says what to do. The map key is the
// input's identity (Task.ID is not consulted). It has no side effects and
// does not retain its arguments. Cost: O(n log n) for n = len(desired) +
// len(running), allocating only the returned slices.
func Diff(desired map[string]Task, running map[string]Running) Plan {
	var p Plan
	for id, t := range desired {
		r, ok := running[id]
		switch {
		case !ok:
			p.Start = append(p.Start, id)
		case r.Version != t.Version:
			p.Restart = append(p.Restart, id)
		case !r.Window.Equal(t.Window):
			p.Update = append(p.Update, id)
		}
	}
	for id := range running {
		if _, ok := desired[id]; !ok {
			p.Stop = append(p.Stop, id)
		}
	}
	slices.Sort(p.Start)
	slices.Sort(p.Stop)
	slices.Sort(p.Restart)
	slices.Sort(p.Update)
	return p
}
