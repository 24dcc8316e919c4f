package cluster

import (
	"context"
	"time"

	"github.com/hashicorp/raft"
)

// fenceLoop stops the node's inputs when it has not heard from a leader for FenceTimeout, because it may be
// cut off in a minority while the majority has moved its inputs elsewhere; it lets them run again once the
// leader is heard and the local store has applied everything the leader committed.
func (n *Node) fenceLoop(ctx context.Context) {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			fenced := n.shouldFence(now)
			if n.fenced.Swap(fenced) == fenced {
				continue
			}
			if fenced {
				n.log.Warn().Dur("fence_timeout", n.cfg.FenceTimeout).Msg("fenced: no leader contact, stopping local inputs")
			} else {
				n.log.Info().Msg("unfenced: leader in contact and store caught up")
			}
			select {
			case n.fenceChanged <- struct{}{}:
			default:
			}
		}
	}
}

func (n *Node) shouldFence(now time.Time) bool {
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
