package activity

import (
	"fmt"
	"time"

	"github.com/gatherd/gatherd/wire"
)

// Diff returns the events that turn status prev into next, stamped at. It is pure: the recorder calls it with
// each status it samples. A zero prev (the first sample) yields one "start" event with the members seen.
func Diff(prev, next wire.Status, at time.Time) []wire.Event {
	var out []wire.Event
	add := func(kind, node, detail string) {
		out = append(out, wire.Event{At: at, Kind: kind, Node: node, Detail: detail})
	}
	if prev.NodeID == "" {
		add("start", next.NodeID, fmt.Sprintf("observing: %d members, leader %q, term %d", len(next.Members), next.LeaderID, next.Term))
		return out
	}
	if next.LeaderID != prev.LeaderID {
		switch {
		case next.LeaderID == "":
			add("leader_lost", prev.LeaderID, fmt.Sprintf("no leader (was %s, term %d)", prev.LeaderID, prev.Term))
		default:
			add("leader", next.LeaderID, fmt.Sprintf("%s leads in term %d", next.LeaderID, next.Term))
		}
	} else if next.Term != prev.Term {
		add("term", next.LeaderID, fmt.Sprintf("term %d -> %d", prev.Term, next.Term))
	}
	if next.Fenced != prev.Fenced {
		if next.Fenced {
			why := "no leader contact, or replication not proven since"
			if next.DiskError != "" {
				why = next.DiskError
			}
			add("fenced", next.NodeID, "stopped its inputs: "+why)
		} else {
			add("unfenced", next.NodeID, "leader contact back")
		}
	}
	before := map[string]wire.Member{}
	for _, m := range prev.Members {
		before[m.ID] = m
	}
	for _, m := range next.Members {
		old, known := before[m.ID]
		delete(before, m.ID)
		if !known {
			add("join", m.ID, "joined ("+m.Status+")")
			continue
		}
		if m.Status != old.Status {
			switch m.Status {
			case "dead":
				add("failed", m.ID, "marked dead by gossip")
			case "left":
				add("left", m.ID, "left the cluster")
			case "alive":
				add("join", m.ID, "back ("+old.Status+" before)")
			default:
				add("status", m.ID, old.Status+" -> "+m.Status)
			}
		}
		if m.State != old.State {
			switch {
			case m.State == "draining":
				add("drain", m.ID, "draining")
			case old.State == "draining" && m.State == "alive":
				add("undrain", m.ID, "no longer draining")
			default:
				add("state", m.ID, old.State+" -> "+m.State)
			}
		}
		if m.Raft != old.Raft {
			add("raft", m.ID, old.Raft+" -> "+m.Raft)
		}
	}
	for id := range before {
		add("removed", id, "no longer a member")
	}
	return out
}

// changed says whether a page showing status prev must redraw for next.
func changed(prev, next wire.Status) bool {
	if prev.LeaderID != next.LeaderID || prev.Term != next.Term || prev.AppliedIndex != next.AppliedIndex ||
		prev.CommitIndex != next.CommitIndex || prev.Fenced != next.Fenced || prev.Inputs != next.Inputs ||
		prev.Generation != next.Generation || prev.Running != next.Running || prev.RaftState != next.RaftState ||
		prev.DiskError != next.DiskError ||
		len(prev.Members) != len(next.Members) {
		return true
	}
	for i := range prev.Members {
		if prev.Members[i] != next.Members[i] {
			return true
		}
	}
	return false
}
