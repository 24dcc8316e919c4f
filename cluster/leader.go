package cluster

import (
	"context"
	"time"
)

// monitorLeadership runs the leader loop while this node is the raft leader. raft reports every change on
// n.leaderCh, its Config.NotifyCh: true on becoming leader, false on stepping down, in order, none dropped.
// raft's main goroutine makes that send itself and blocks until it is received (only a shutdown lets it give
// up), and while it blocks it neither replicates, nor sends heartbeats, nor answers RPCs. So the channel holds
// one value, which lets raft go on while this loop waits in revoke for the leader loop to wind down, and this
// loop does nothing else that blocks, so it takes the next change promptly.
func (n *Node) monitorLeadership(ctx context.Context) {
	var revoke func() // non-nil while the leader loop runs; stops it and waits for it
	defer func() {
		if revoke != nil {
			revoke()
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case isLeader := <-n.leaderCh:
			switch {
			case !isLeader && revoke != nil:
				revoke()
				revoke = nil
			case isLeader && revoke == nil:
				revoke = n.startLeaderLoop(ctx)
			}
		}
	}
}

func (n *Node) startLeaderLoop(ctx context.Context) func() {
	lctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		n.leaderLoop(lctx)
	}()
	return func() {
		cancel()
		<-done
	}
}

// leaderLoop holds the leader's duties: after a Barrier (so the store has applied every earlier entry) it
// establishes them, then reconciles membership and placement until leadership is lost, and revokes them as
// the exact mirror of establish.
func (n *Node) leaderLoop(ctx context.Context) {
	for {
		term := n.raft.CurrentTerm() // before the barrier: a barrier that commits was led in this term
		err := n.raft.Barrier(10 * time.Second).Error()
		if err == nil {
			n.readTerm.Store(term)
			break
		}
		n.log.Warn().Err(err).Msg("leader barrier failed; retrying")
		if !sleepCtx(ctx, 500*time.Millisecond) {
			return
		}
	}
	n.establishLeadership()
	defer n.revokeLeadership()

	// A full reconcile every 30 s repairs anything a dropped event missed; sooner when a grace period ends.
	const fullReconcile = 30 * time.Second
	reconcile := time.NewTimer(fullReconcile)
	defer reconcile.Stop()
	reconcileMembership := func() {
		next := n.reconcileMembership()
		if next == 0 || next > fullReconcile {
			next = fullReconcile
		}
		reconcile.Reset(next)
	}
	place := time.NewTimer(0) // place at once: the previous leader may have died mid-change
	defer place.Stop()
	placePending, placeAt := true, time.Now()
	// schedule places in d, or sooner if a placement is already due sooner: a late recheck (a grace period,
	// a move waiting for a handoff) must not hold up a change that needs placing now.
	schedule := func(d time.Duration) {
		at := time.Now().Add(d)
		if !placePending || at.Before(placeAt) {
			placePending, placeAt = true, at
			place.Reset(d)
		}
	}
	// Costs reported since the last tick go into the store; load is re-evened (within the move budget) at most
	// once per Timing.Rebalance, also when nothing else changes.
	writeCosts := time.NewTicker(n.cfg.Timing.CostReport)
	defer writeCosts.Stop()
	rebalance := time.NewTicker(n.cfg.Timing.Rebalance)
	defer rebalance.Stop()
	reconcileMembership()
	for {
		changed := n.store.Watch()
		select {
		case <-ctx.Done():
			return
		case <-n.members.changed:
			reconcileMembership()
			schedule(n.cfg.Timing.PlacementDebounce)
		case <-changed:
			schedule(n.cfg.Timing.PlacementDebounce)
		case <-reconcile.C:
			reconcileMembership()
			schedule(0)
		case <-writeCosts.C:
			n.writeCosts()
		case <-rebalance.C:
			schedule(0)
		case <-place.C:
			placePending = false
			if retry := n.place(); retry > 0 {
				schedule(retry)
			}
		}
	}
}

func (n *Node) establishLeadership() {
	n.leaderSince = time.Now()
	n.placeMu.Lock()
	n.lastEligible = nil // from an earlier term: nodes that came meanwhile are not "joined" to this leader
	n.placeMu.Unlock()
	n.costs.reset()
	n.log.Info().Msg("leadership established")
	n.metrics.setLeader(true)
}

func (n *Node) revokeLeadership() {
	n.metrics.setLeader(false)
	n.log.Info().Msg("leadership revoked")
}
