package sharding

import (
	"cmp"
	"slices"
	"sort"
)

// BalanceOptions tune Balance.
type BalanceOptions struct {
	// Tolerance is how far a node's load may stray from its fair share, as a fraction of it, before Balance
	// moves anything that has a live owner (hysteresis). Once some node strays, moves aim at half of it, so that
	// a balanced cluster does not flap around the edge. <= 0 means DefaultTolerance.
	Tolerance float64
	// MaxMoves bounds the moves of inputs that have a live owner (the move budget). Inputs without one always
	// get a home and do not count. 0 makes no such move.
	MaxMoves int
	// Force rebalances even when every node is within Tolerance (still aiming at half of it).
	Force bool
	// Into, when set, limits the moves of inputs that have a live owner to these destinations: a node that
	// joined takes its share from the others, and the others keep what they hold (as count placement does).
	Into map[string]bool
}

// DefaultTolerance is the imbalance Balance tolerates: a node within 10% of its fair share keeps its inputs.
const DefaultTolerance = 0.10

// BalancePlan is Balance's result: the Plan, the load of every node before (the inputs its previous
// assignment kept on eligible nodes) and after, and how many moves were made to even the load out rather
// than to home an input without a live owner.
type BalancePlan struct {
	Plan
	Before, After map[string]float64
	Rebalanced    int
}

// Balance assigns inputs to nodes so that every node carries about its fair share of the total Weight of the
// inputs (its node Weight's share), moving as few inputs as it can. Input weights are costs here: an input with
// Weight 100 counts as a hundred with Weight 1. Place balances counts instead and is what to use while costs are
// unknown.
//
// Rules:
//   - An input whose previous owner is still eligible stays there unless the load is rebalanced.
//   - Inputs without an eligible owner go, heaviest first, to their highest ranked node (rendezvous hashing, as
//     Place) among those they fit on without exceeding their share by more than Tolerance; when they fit on
//     none, to the node that ends least loaded relative to its share.
//   - Rebalancing happens only when some node's load is more than Tolerance away from its share (or Force).
//     It then repeatedly moves one input from the most loaded node (relative to its share) to the least loaded:
//     the one whose cost is closest to the gap between them (the heaviest that fits, or the lightest that
//     overshoots if it is closer and still lowers the higher of the two loads), since one heavy move fixes what
//     many light ones would. A node that has no such move (its one input outweighs its share) is passed over
//     for the next. It stops when every node is within Tolerance/2, when no pair further apart than that has
//     a move that helps, or after MaxMoves moves.
//   - Determinism: the result depends only on the inputs (IDs and weights), the nodes and prev.
func Balance(inputs []Input, nodes []Node, prev Assignment, opt BalanceOptions) BalancePlan {
	tol := opt.Tolerance
	if tol <= 0 {
		tol = DefaultTolerance
	}
	ins := uniqueInputs(inputs)
	c := newCluster(nodes)
	bp := BalancePlan{Plan: Plan{Assignment: make(Assignment, len(ins))}, Before: map[string]float64{}, After: map[string]float64{}}
	for _, id := range c.ids {
		bp.Before[id], bp.After[id] = 0, 0
	}
	if len(c.ids) == 0 {
		for _, in := range ins {
			if from := prev[in.ID]; from != "" {
				bp.Moves = append(bp.Moves, Move{Input: in.ID, From: from})
			}
		}
		return bp
	}
	b := newBalancer(&c, ins, prev)
	for j, id := range c.ids {
		bp.Before[id] = b.load[j]
	}
	b.homeOrphans(tol)
	if opt.MaxMoves > 0 && (opt.Force || b.outside(tol)) {
		if opt.Into != nil {
			b.into = make([]bool, len(c.ids))
			for j, id := range c.ids {
				b.into[j] = opt.Into[id]
			}
		}
		b.even(tol/2, opt.MaxMoves)
	}
	for i, in := range ins {
		to := c.ids[b.owner[i]]
		bp.Assignment[in.ID] = to
		if b.kept[i] != b.owner[i] {
			bp.Moves = append(bp.Moves, Move{Input: in.ID, From: prev[in.ID], To: to})
			if b.kept[i] >= 0 {
				bp.Rebalanced++
			}
		}
	}
	for j, id := range c.ids {
		bp.After[id] = b.load[j]
	}
	return bp
}

// uniqueInputs sorts inputs by ID, drops empty and repeated IDs (the first wins) and applies the weight rule.
func uniqueInputs(inputs []Input) []Input {
	out := make([]Input, 0, len(inputs))
	for _, in := range inputs {
		if in.ID != "" {
			out = append(out, Input{ID: in.ID, Weight: normWeight(in.Weight)})
		}
	}
	slices.SortStableFunc(out, func(a, b Input) int { return cmp.Compare(a.ID, b.ID) })
	return slices.CompactFunc(out, func(a, b Input) bool { return a.ID == b.ID })
}

// balancer is the working state of one Balance call; inputs and nodes are indexes.
type balancer struct {
	c      *cluster
	ins    []Input
	ihash  []uint64
	kept   []int32 // previous owner if eligible, else -1
	owner  []int32
	load   []float64
	target []float64
	held   [][]int32 // per node, its inputs sorted by (weight, index): built by even
	into   []bool    // nil, or the nodes even may move inputs to
}

func newBalancer(c *cluster, ins []Input, prev Assignment) *balancer {
	n, N := len(ins), len(c.ids)
	b := &balancer{c: c, ins: ins, ihash: make([]uint64, n), kept: make([]int32, n), owner: make([]int32, n),
		load: make([]float64, N), target: make([]float64, N)}
	at := make(map[string]int32, N)
	for j, id := range c.ids {
		at[id] = int32(j)
	}
	total, sumW := 0.0, 0.0
	for i, in := range ins {
		b.ihash[i] = hashID(in.ID)
		total += in.Weight
		j := int32(-1)
		if k, ok := at[prev[in.ID]]; ok {
			j = k
			b.load[j] += in.Weight
		}
		b.kept[i], b.owner[i] = j, j
	}
	for _, w := range c.weight {
		sumW += w
	}
	for j, w := range c.weight {
		b.target[j] = total * w / sumW
	}
	return b
}

// ratio is a node's load relative to its share; an empty cluster's nodes are all at 1.
func (b *balancer) ratio(j int, extra float64) float64 {
	if b.target[j] == 0 {
		return 1
	}
	return (b.load[j] + extra) / b.target[j]
}

func (b *balancer) outside(tol float64) bool {
	for j := range b.load {
		if r := b.ratio(j, 0); r > 1+tol || r < 1-tol {
			return true
		}
	}
	return false
}

func (b *balancer) homeOrphans(tol float64) {
	var orphans []int
	for i, o := range b.owner {
		if o < 0 {
			orphans = append(orphans, i)
		}
	}
	slices.SortFunc(orphans, func(x, y int) int { // heaviest first, then by ID (index)
		if c := cmp.Compare(b.ins[y].Weight, b.ins[x].Weight); c != 0 {
			return c
		}
		return cmp.Compare(x, y)
	})
	for _, i := range orphans {
		w := b.ins[i].Weight
		best, bestScore := -1, 0.0
		least, leastRatio := 0, 0.0
		for j := range b.load {
			r := b.ratio(j, w)
			if j == 0 || r < leastRatio {
				least, leastRatio = j, r
			}
			if r > 1+tol {
				continue
			}
			if s := score(b.ihash[i], b.c.hash[j], b.c.weight[j], b.c.equal); best < 0 || s > bestScore {
				best, bestScore = j, s
			}
		}
		if best < 0 {
			best = least
		}
		b.owner[i] = int32(best)
		b.load[best] += w
	}
}

// even moves inputs between nodes until every node is within aim, no move helps, or budget moves were made.
// Each move goes from the most loaded node that has a helpful move to the least loaded node it helps: a node
// whose only inputs are too heavy to move usefully (one input above its share) is passed over, not allowed to
// stop the evening of the rest. Pairs closer than aim are left alone, so that noise in measured costs does not
// shuffle inputs between nodes that are about even while another node is stuck above its share.
func (b *balancer) even(aim float64, budget int) {
	b.held = make([][]int32, len(b.load))
	for i, j := range b.owner {
		b.held[j] = append(b.held[j], int32(i))
	}
	for j := range b.held {
		slices.SortFunc(b.held[j], b.byWeight)
	}
	order := make([]int, len(b.load))
	for moved := 0; moved < budget; moved++ {
		for j := range order {
			order[j] = j
		}
		slices.SortStableFunc(order, func(x, y int) int { return cmp.Compare(b.ratio(y, 0), b.ratio(x, 0)) })
		if b.ratio(order[0], 0) <= 1+aim && b.ratio(order[len(order)-1], 0) >= 1-aim {
			return
		}
		if !b.moveOne(order, aim) {
			return
		}
	}
}

// moveOne makes the first helpful move, trying sources from the most loaded down and, for each, destinations
// from the least loaded up. It reports whether it moved anything.
func (b *balancer) moveOne(order []int, aim float64) bool {
	for a, src := range order {
		for z := len(order) - 1; z > a; z-- {
			dst := order[z]
			if b.ratio(src, 0)-b.ratio(dst, 0) <= aim {
				break // the rest of the destinations are closer still
			}
			if b.into != nil && !b.into[dst] {
				continue
			}
			if k, ok := b.pick(src, dst); ok {
				i := b.held[src][k]
				b.held[src] = slices.Delete(b.held[src], k, k+1)
				at, _ := slices.BinarySearchFunc(b.held[dst], i, b.byWeight)
				b.held[dst] = slices.Insert(b.held[dst], at, i)
				w := b.ins[i].Weight
				b.load[src] -= w
				b.load[dst] += w
				b.owner[i] = int32(dst)
				return true
			}
		}
	}
	return false
}

// pick chooses the input of src to move to dst: the one closest to the gap, which fixes the most in one move.
// The gap is what brings the one over its share and the other under it to their shares (the smaller of the
// two), or, when src is under its share too (a node stuck far above its share elsewhere), what makes the two
// equally loaded. The heaviest input within the gap, or the lightest beyond it when that is closer; either
// only if the move lowers the higher of the two loads, so that every move makes progress.
func (b *balancer) pick(src, dst int) (int, bool) {
	h := b.held[src]
	if len(h) == 0 {
		return 0, false
	}
	hi := b.ratio(src, 0)
	even := (hi - b.ratio(dst, 0)) / (1/b.target[src] + 1/b.target[dst]) // makes the two equally loaded
	gap := min(b.load[src]-b.target[src], b.target[dst]-b.load[dst])
	if gap <= 0 {
		gap = even
	}
	// A move helps when it lowers the higher load and, below twice even, also the sum over nodes of load²/share:
	// that sum falls with every move, so no sequence of moves (nor of rebalances) can cycle.
	helps := func(k int) bool {
		w := b.ins[h[k]].Weight
		return w < 2*even && max(b.ratio(src, -w), b.ratio(dst, w)) < hi
	}
	k := sort.Search(len(h), func(k int) bool { return b.ins[h[k]].Weight > gap })
	below, above := k-1, k // the heaviest within the gap, the lightest beyond it
	if above < len(h) && helps(above) && (below < 0 || b.ins[h[above]].Weight-gap < gap-b.ins[h[below]].Weight) {
		return above, true
	}
	if below >= 0 && helps(below) {
		return below, true
	}
	return 0, false
}

func (b *balancer) byWeight(x, y int32) int {
	if c := cmp.Compare(b.ins[x].Weight, b.ins[y].Weight); c != 0 {
		return c
	}
	return cmp.Compare(x, y)
}

// MaxOverMean is the largest load over the mean load of the nodes in load: 1 is perfect balance. An empty or
// all-zero load is 1.
func MaxOverMean(load map[string]float64) float64 {
	total, worst := 0.0, 0.0
	for _, v := range load {
		total += v
		worst = max(worst, v)
	}
	if total == 0 {
		return 1
	}
	return worst / (total / float64(len(load)))
}
