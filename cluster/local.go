package cluster

import (
	"context"
	"time"

	"github.com/gatherd/gatherd/store"
	"github.com/gatherd/gatherd/worker"
)

// runLocal keeps the worker's kill-map equal to this node's share of the store: it recomputes the share on
// every store change, fence change, and when a handoff window closes.
func (n *Node) runLocal(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		changed := n.store.Watch()
		now := time.Now()
		desired, next := n.desired(now)
		n.worker.Apply(desired)
		n.checkLeftSelf()
		timer.Reset(next.Sub(now))
		select {
		case <-ctx.Done():
			return
		case <-changed:
		case <-n.fenceChanged:
		case <-timer.C:
		}
	}
}

// desired returns the tasks this node must run now, and when the set changes by itself (a handoff window of
// an input this node gives away closes). A fenced node runs nothing.
func (n *Node) desired(now time.Time) (map[string]worker.Task, time.Time) {
	next := now.Add(time.Minute)
	out := map[string]worker.Task{}
	if n.fenced.Load() {
		return out, next
	}
	me := n.cfg.NodeID
	n.store.Read(func(st *store.State) {
		for id, a := range st.Assignments {
			in, ok := st.Inputs[id]
			if !ok {
				continue
			}
			var w worker.Window
			// The previous owner keeps the input until its last slot before Since has fired: a slot fires up to
			// the input's jitter after it is due, possibly after Since.
			handOff := a.Since.Add(in.Jitter.D())
			switch {
			case a.Node == me:
				w.From = a.Since
			case a.Prev == me && handOff.After(now):
				w.Until = a.Since
				if handOff.Before(next) {
					next = handOff
				}
			default:
				continue
			}
			out[id] = taskOf(in, w)
		}
	})
	return out, next.Add(10 * time.Millisecond)
}

func taskOf(in *store.Input, w worker.Window) worker.Task {
	return worker.Task{
		ID: in.ID, Plugin: in.Plugin, Config: in.Config,
		Interval: in.Interval.D(), Timeout: in.Timeout.D(), Jitter: in.Jitter.D(),
		Version: in.Version, Window: w,
	}
}

// watchHalt shuts the node down when its store halts on a command this binary does not know (the cluster runs
// a newer version): applying the rest of the log without it would make this replica diverge. Shutdown, not
// Stop: a handoff needs a store that still applies.
func (n *Node) watchHalt(ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-n.store.Halted():
		n.log.Error().Err(n.store.Fatal()).Msg("store halted: this binary is older than the cluster; upgrade it and restart the node")
		go func() { _ = n.Shutdown() }() // Shutdown waits for this loop
	}
}

// Local returns what this node's worker runs, as the worker sees it.
func (n *Node) Local() []worker.Status { return n.worker.Local() }

// checkLeftSelf starts leaving when an operator removed this node (registry state left, stamped with this
// process's boot): it hands its inputs over, leaves gossip and shuts down; Done closes when it has.
func (n *Node) checkLeftSelf() {
	var left bool
	n.store.Read(func(st *store.State) {
		r, ok := st.Nodes[n.cfg.NodeID]
		left = ok && r.State == store.NodeLeft && r.Boot >= n.meta.Boot
	})
	if !left || !n.leaving.CompareAndSwap(false, true) {
		return
	}
	go func() {
		n.log.Info().Msg("removed from the cluster: handing inputs over and leaving")
		if err := n.awaitHandoff(n.cfg.HandoffDelay + 30*time.Second); err != nil {
			n.log.Warn().Err(err).Msg("leaving without a complete handoff")
		}
		n.leaveGossip()
		_ = n.Shutdown()
	}()
}
