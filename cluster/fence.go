package cluster

import (
	"context"
	"time"

	"github.com/hashicorp/raft"
)

// proofTimeout bounds how long a node that hears the leader again waits for replication to prove itself
// before it offers to take inputs anyway. raft's replication backoff after failures tops out near 10 s.
const proofTimeout = 12 * time.Second

// fenceLoop stops the node's inputs when it has not heard from a leader for FenceTimeout, because it may be
// cut off in a minority while the majority has moved its inputs elsewhere; it lets them run again once the
// leader is heard and the local store has applied everything the leader committed.
//
// Separately it tells the leader, through gossip, whether the node is ready to be given inputs: not fenced,
// and replication to it proven to flow (it applied an entry since it regained contact). raft's heartbeats
// resume before its log replication does: after failures the leader backs replication off for up to ~10 s,
// and a node given an input in that window would never see it, leaving a gap in a planned handoff.
func (n *Node) fenceLoop(ctx context.Context) {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	var (
		notReady       = true    // what the node last advertised
		wasProving     bool      // likewise
		proven         bool      // replication delivered an entry since contact was regained
		contactAt      time.Time // when the node last came out of the fence
		appliedAtFence uint64    // applied index at that moment
		probed         time.Time // when this node, as leader, last wrote a barrier to prove replication
		lastAtStall    uint64    // the last log index when the process was found to have stalled
	)
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			// The stall is marked before lastTick moves on, so that no gather slips through in between.
			if gap := now.Sub(time.Unix(0, n.lastTick.Load())); gap > n.cfg.FenceTimeout && !n.stalled.Load() {
				// Frozen (SIGSTOP, a paused VM) or starved longer than the fence timeout: the majority may have
				// moved this node's inputs, and a resumed leader may no longer lead. Fence now, and unfence only
				// once replication is proven again, not merely once a heartbeat arrives: a heartbeat can come
				// before the entries that moved the inputs away.
				n.stalled.Store(true)
				// The proof must be an entry written after the stall: entries already in the log but not yet
				// applied prove nothing.
				lastAtStall = n.raft.LastIndex()
				n.log.Warn().Dur("stalled", gap).Dur("fence_timeout", n.cfg.FenceTimeout).Msg("the process stalled longer than the fence timeout: fenced until replication is proven")
			}
			n.lastTick.Store(now.UnixNano())
			stallCleared := false
			if n.stalled.Load() && !n.shouldFence(now) && n.stallProven(lastAtStall) {
				n.stalled.Store(false)
				stallCleared = true // replication was just proven: no second proof after the unfence
			}
			fenced := n.shouldFence(now) || n.stalled.Load()
			if fenced && !n.stalled.Load() {
				// Cut off (or its log unwritable): unfence only on proof of replication, as after a stall. A
				// partitioned node that hears the leader again gets heartbeats before the entries that moved its
				// inputs away, and heartbeats do not move its commit index: caught up by its own count, it ran
				// its old assignment again next to the new owners (a cut-off leader, healed, doubled slots).
				n.stalled.Store(true)
				lastAtStall = n.raft.LastIndex()
			}
			if n.fenced.Swap(fenced) != fenced {
				n.logFence(fenced)
				select {
				case n.fenceChanged <- struct{}{}:
				default:
				}
				contactAt, appliedAtFence, proven = now, n.raft.AppliedIndex(), stallCleared
			}
			if !fenced && !proven {
				proven = n.raft.State() == raft.Leader || n.raft.AppliedIndex() > appliedAtFence || now.Sub(contactAt) > proofTimeout
			}
			// A stalled node that hears the leader again asks for proof too (the leader then writes a barrier).
			awaiting := (!fenced && !proven) || (n.stalled.Load() && !n.shouldFence(now))
			if nr, proving := fenced || !proven, awaiting; nr != notReady || proving != wasProving {
				notReady, wasProving = nr, proving
				n.updateMeta(func(m *Meta) { m.NotReady, m.Proving = nr, proving })
			}
			if n.raft.State() == raft.Leader && now.Sub(probed) >= time.Second && n.peerAwaitingProof() {
				// A barrier is a log entry: applying it proves to a waiting follower that replication flows.
				probed = now
				go n.raft.Barrier(time.Second)
			}
		}
	}
}

// stallProven reports whether a node that stalled may trust its store again: as leader, a quorum confirms it
// still leads; as follower, it applied an entry written since the stall (the leader's barrier, or any write),
// one past the last index its log held then.
func (n *Node) stallProven(lastAtStall uint64) bool {
	if n.raft.State() == raft.Leader {
		return n.raft.VerifyLeader().Error() == nil
	}
	return n.raft.AppliedIndex() > lastAtStall
}

// gatherLease reports whether this node may gather at now, checked by the worker right before each gather:
// not fenced, and the fence loop ran within the fence timeout. The second part catches a process that was
// frozen longer than the fence timeout at the moment it resumes, before the fence loop runs again.
func (n *Node) gatherLease(now time.Time) bool {
	if n.fenced.Load() || n.stalled.Load() {
		return false
	}
	return now.Sub(time.Unix(0, n.lastTick.Load())) <= n.cfg.FenceTimeout
}

func (n *Node) logFence(fenced bool) {
	switch err := n.disk.Err(); {
	case fenced && err != nil:
		n.log.Error().Err(err).Msg("fenced: the raft log cannot be written, stopping local inputs until a write succeeds (free space in the data dir)")
	case fenced:
		n.log.Warn().Dur("fence_timeout", n.cfg.FenceTimeout).Msg("fenced: no leader contact, stopping local inputs")
	default:
		n.log.Info().Msg("unfenced: leader in contact and store caught up")
	}
}

// peerAwaitingProof reports whether an alive member hears the leader but waits for replication to prove
// itself. A member that does not hear the leader at all gets no barrier: it would not receive it.
func (n *Node) peerAwaitingProof() bool {
	for _, m := range n.members.list() {
		if m.ID != n.cfg.NodeID && m.Status == StatusAlive && m.Meta.Proving {
			return true
		}
	}
	return false
}

func (n *Node) shouldFence(now time.Time) bool {
	if n.disk.Err() != nil {
		return true // its store cannot follow the leader's: it would run what it no longer owns
	}
	if n.raft.State() == raft.Leader {
		n.lastLeader.Store(now.UnixNano())
		return false
	}
	contact := n.raft.LastContact()
	if l := time.Unix(0, n.lastLeader.Load()); l.After(contact) {
		contact = l
	}
	if now.Sub(contact) > n.cfg.FenceTimeout {
		return true
	}
	if n.fenced.Load() {
		// Stay fenced until the replica is current, so a restarted node never runs a stale assignment.
		return n.raft.AppliedIndex() < n.raft.CommitIndex()
	}
	return false
}
