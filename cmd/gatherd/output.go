package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gatherd/gatherd/client"
	"github.com/gatherd/gatherd/sharding"
)

// newTable returns a tabwriter for tab-separated rows; call Flush when done.
func newTable(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
}

// dash stands in for an empty cell.
func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func joinOrDash(ss []string) string { return dash(strings.Join(ss, ",")) }

// ago renders a past instant as an age, e.g. "3.2s ago"; the zero time is "never".
func ago(t time.Time, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	switch {
	case d < 0:
		d = 0
	case d < time.Second:
		d = d.Round(time.Millisecond)
	case d < time.Minute:
		d = d.Round(100 * time.Millisecond)
	default:
		d = d.Round(time.Second)
	}
	return d.String() + " ago"
}

func timeOrDash(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format(time.RFC3339)
}

func renderMembers(w io.Writer, ms []client.Member) error {
	tw := newTable(w)
	fmt.Fprintln(tw, "ID\tSTATUS\tSTATE\tRAFT\tAPI")
	for _, m := range ms {
		state := dash(m.State)
		if m.Stopping {
			state += " (stopping)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", m.ID, dash(m.Status), state, dash(m.Raft), dash(m.APIAddr))
	}
	return tw.Flush()
}

func renderStatus(w io.Writer, s *client.Status) error {
	tw := newTable(w)
	fmt.Fprintf(tw, "Node:\t%s\n", s.NodeID)
	leader := s.LeaderID
	if leader == "" {
		leader = "(none known)"
	}
	fmt.Fprintf(tw, "Leader:\t%s\n", leader)
	fmt.Fprintf(tw, "Raft state:\t%s (term %d, applied %d, commit %d)\n", s.RaftState, s.Term, s.AppliedIndex, s.CommitIndex)
	fmt.Fprintf(tw, "Inputs:\t%d (%d running on %s)\n", s.Inputs, s.Running, s.NodeID)
	fmt.Fprintf(tw, "Generation:\t%d\n", s.Generation)
	fmt.Fprintf(tw, "Fenced:\t%t\n", s.Fenced)
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	return renderMembers(w, s.Members)
}

func renderInputs(w io.Writer, ins []client.Input) error {
	tw := newTable(w)
	fmt.Fprintln(tw, "ID\tPLUGIN\tINTERVAL\tVERSION\tNODE")
	for _, in := range ins {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", in.ID, in.Plugin, dash(in.Interval), in.Version, dash(in.Node))
	}
	return tw.Flush()
}

func renderInput(w io.Writer, in *client.Input) error {
	tw := newTable(w)
	config := "-"
	if c := bytes.TrimSpace(in.Config); len(c) > 0 {
		var buf bytes.Buffer
		if json.Compact(&buf, c) == nil {
			config = buf.String()
		} else {
			config = string(c)
		}
	}
	for _, kv := range [][2]string{
		{"id", in.ID},
		{"plugin", in.Plugin},
		{"interval", dash(in.Interval)},
		{"timeout", dash(in.Timeout)},
		{"jitter", dash(in.Jitter)},
		{"config", config},
		{"version", fmt.Sprint(in.Version)},
		{"node", dash(in.Node)},
		{"generation", fmt.Sprint(in.Generation)},
		{"since", timeOrDash(in.Since)},
	} {
		fmt.Fprintf(tw, "%s:\t%s\n", kv[0], kv[1])
	}
	return tw.Flush()
}

func renderAssignments(w io.Writer, a *client.Assignments) error {
	nodes := make([]string, 0, len(a.Nodes))
	for n := range a.Nodes {
		nodes = append(nodes, n)
	}
	slices.Sort(nodes)
	tw := newTable(w)
	if a.Load == nil { // costs not measured yet
		fmt.Fprintln(tw, "NODE\tCOUNT\tINPUTS")
		for _, n := range nodes {
			fmt.Fprintf(tw, "%s\t%d\t%s\n", n, len(a.Nodes[n]), joinOrDash(a.Nodes[n]))
		}
	} else {
		fmt.Fprintln(tw, "NODE\tCOUNT\tLOAD\tINPUTS")
		for _, n := range nodes {
			fmt.Fprintf(tw, "%s\t%d\t%.3f\t%s\n", n, len(a.Nodes[n]), a.Load[n], joinOrDash(a.Nodes[n]))
		}
	}
	if len(a.Unassigned) > 0 {
		fmt.Fprintf(tw, "(unassigned)\t%d\t%s\n", len(a.Unassigned), joinOrDash(a.Unassigned))
	}
	return tw.Flush()
}

// renderRebalance prints each node's load before and after, then the moves.
func renderRebalance(w io.Writer, r *client.Rebalance) error {
	if r.Before == nil {
		_, err := fmt.Fprintln(w, "no measured costs yet: inputs are balanced by count, nothing to rebalance")
		return err
	}
	nodes := slices.Sorted(maps.Keys(r.After))
	tw := newTable(w)
	fmt.Fprintln(tw, "NODE\tLOAD-BEFORE\tLOAD-AFTER")
	for _, n := range nodes {
		fmt.Fprintf(tw, "%s\t%.3f\t%.3f\n", n, r.Before[n], r.After[n])
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	verb := "moved"
	if r.DryRun {
		verb = "would move"
	}
	fmt.Fprintf(w, "\n%s %d inputs (max/mean load %.3f -> %.3f)\n", verb, len(r.Moves), sharding.MaxOverMean(r.Before), sharding.MaxOverMean(r.After))
	if len(r.Moves) == 0 {
		return nil
	}
	tw = newTable(w)
	fmt.Fprintln(tw, "INPUT\tFROM\tTO\tREASON")
	for _, m := range r.Moves {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", m.Input, dash(m.From), dash(m.To), m.Reason)
	}
	return tw.Flush()
}

func renderLocal(w io.Writer, l *client.Local, now time.Time) error {
	tw := newTable(w)
	fmt.Fprintln(tw, "ID\tVERSION\tGATHERS\tERRORS\tOVERRUNS\tLAST-GATHER")
	for _, in := range l.Inputs {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\n", in.ID, in.Version, in.Gathers, in.Errors, in.Overruns, ago(in.LastGather, now))
	}
	if err := tw.Flush(); err != nil || len(l.Outputs) == 0 {
		return err
	}
	fmt.Fprintln(w)
	tw = newTable(w)
	fmt.Fprintln(tw, "OUTPUT\tBUFFER\tBUFFERED\tBYTES\tOLDEST\tWRITES\tWRITTEN\tERRORS\tDROPPED\tLAST-ERROR")
	for _, o := range l.Outputs {
		oldest := "-"
		if !o.OldestPoint.IsZero() {
			oldest = ago(o.OldestPoint, now)
		}
		lastErr := "-"
		if o.LastError != "" {
			lastErr = ago(o.LastErrorAt, now) + ": " + o.LastError
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%d\t%d\t%d\t%d\t%s\n", o.Name, o.Buffer, o.Buffered, o.BytesOnDisk, oldest,
			o.Writes, o.Written, o.WriteErrors, o.Dropped, lastErr)
	}
	return tw.Flush()
}
