package sharding

import (
	"fmt"
	"testing"
)

func benchInputs(n int) []Input {
	in := make([]Input, n)
	for i := range in {
		in[i] = Input{ID: fmt.Sprintf("inputs.cpu/host-%06d", i)}
	}
	return in
}

func benchNodes(n int) []Node {
	ns := make([]Node, n)
	for i := range ns {
		ns[i] = Node{ID: fmt.Sprintf("gatherd-%02d.example.net", i)}
	}
	return ns
}

// busiestOverFair is the worst node's load relative to its fair share; the
// ±1 guarantee keeps it at most 1 + 1/fair.
func busiestOverFair(a Assignment, nodes []Node) float64 {
	counts := Counts(a, nodes)
	worst := 0.0
	for id, f := range FairShare(len(a), nodes) {
		if f > 0 {
			worst = max(worst, float64(counts[id])/f)
		}
	}
	return worst
}

// BenchmarkPlace times a fresh placement, a join (N -> N+1) and a leave
// (N -> N-1, the last node leaving), each starting from a fresh placement,
// and reports how many inputs moved relative to the unavoidable minimum
// (n/(N+1) for a join, the leaver's count for a leave).
func BenchmarkPlace(b *testing.B) {
	for _, n := range []int{1000, 100000} {
		for _, N := range []int{5, 50} {
			inputs, nodes := benchInputs(n), benchNodes(N)
			base := Place(inputs, nodes, nil).Assignment
			prefix := fmt.Sprintf("inputs=%d/nodes=%d/", n, N)

			b.Run(prefix+"fresh", func(b *testing.B) {
				var plan Plan
				for b.Loop() {
					plan = Place(inputs, nodes, nil)
				}
				b.ReportMetric(busiestOverFair(plan.Assignment, nodes), "busiest/fair")
			})

			b.Run(prefix+"join", func(b *testing.B) {
				more := append(nodes[:N:N], Node{ID: "gatherd-new.example.net"})
				var plan Plan
				for b.Loop() {
					plan = Place(inputs, more, base)
				}
				ideal := float64(n) / float64(N+1)
				b.ReportMetric(float64(len(plan.Moves))/ideal, "moved/ideal")
				b.ReportMetric(busiestOverFair(plan.Assignment, more), "busiest/fair")
			})

			b.Run(prefix+"leave", func(b *testing.B) {
				fewer := nodes[:N-1]
				var plan Plan
				for b.Loop() {
					plan = Place(inputs, fewer, base)
				}
				ideal := float64(Counts(base, nodes)[nodes[N-1].ID])
				b.ReportMetric(float64(len(plan.Moves))/ideal, "moved/ideal")
				b.ReportMetric(busiestOverFair(plan.Assignment, fewer), "busiest/fair")
			})

			b.Run(prefix+"steady", func(b *testing.B) {
				var plan Plan
				for b.Loop() {
					plan = Place(inputs, nodes, base)
				}
				b.ReportMetric(float64(len(plan.Moves)), "moved")
			})
		}
	}
}

// BenchmarkBalance times the leader's cost placement of 100,000 inputs (10% 100 times heavier) on 5 nodes:
// from counts to costs with the 5% move budget (one rebalance generation), a balanced pass that moves
// nothing (what the leader runs every 30 s), and a node lost. It reports moves and max/mean load.
func BenchmarkBalance(b *testing.B) {
	inputs, nodes := skewed(100000), benchNodes(5)
	counted := Place(inputs, nodes, nil).Assignment
	budget := BalanceOptions{MaxMoves: 5000}
	balanced := counted
	for {
		bp := Balance(inputs, nodes, balanced, budget)
		balanced = bp.Assignment
		if len(bp.Moves) == 0 {
			break
		}
	}
	for _, c := range []struct {
		name  string
		nodes []Node
		prev  Assignment
	}{{"rebalance", nodes, counted}, {"steady", nodes, balanced}, {"node-lost", nodes[:4], balanced}} {
		b.Run(c.name, func(b *testing.B) {
			var bp BalancePlan
			for b.Loop() {
				bp = Balance(inputs, c.nodes, c.prev, budget)
			}
			b.ReportMetric(float64(len(bp.Moves)), "moved")
			b.ReportMetric(MaxOverMean(bp.Before), "before-max/mean")
			b.ReportMetric(MaxOverMean(bp.After), "after-max/mean")
		})
	}
}
