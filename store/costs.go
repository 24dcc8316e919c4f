package store

import "time"

// Costs maps an input ID to the measured wall time of one of its gathers, in seconds, smoothed by the node that
// runs it. They are measurements, not specs: the leader writes them (see cluster's costs.go) only when they
// change enough to matter to placement, so that the leader balancing them and every node showing a node's load
// read the same numbers, also after a leader change.
type Costs map[string]float64

// setCosts records costs of inputs that exist; costs of inputs deleted since they were measured are dropped.
// A cost of 0 or less forgets the input's measurement.
func (s *Store) setCosts(c Costs) {
	for id, v := range c {
		if _, ok := s.st.Inputs[id]; !ok {
			continue
		}
		if v > 0 {
			s.st.Costs[id] = v
		} else {
			delete(s.st.Costs, id)
		}
	}
}

// CostModel returns the cost placement weighs an input by: the measured seconds of one gather divided by its
// interval, i.e. the average number of gathers it keeps in flight. An input not measured yet (new, or never
// gathered) costs what its plugin's measured inputs take per gather on average, divided by its own interval;
// with no measured peer, what all measured inputs take on average. ok is false when nothing is measured at all:
// placement then balances counts. Call it under Read; the function must not outlive the read.
func (s *State) CostModel() (cost func(in *Input) float64, ok bool) {
	if len(s.Costs) == 0 {
		return nil, false
	}
	type sum struct {
		total float64
		n     int
	}
	byPlugin := map[string]sum{}
	var all sum
	for id, c := range s.Costs {
		in, ok := s.Inputs[id]
		if !ok {
			continue
		}
		p := byPlugin[in.Plugin]
		p.total, p.n = p.total+c, p.n+1
		byPlugin[in.Plugin] = p
		all.total, all.n = all.total+c, all.n+1
	}
	if all.n == 0 {
		return nil, false
	}
	return func(in *Input) float64 {
		c, ok := s.Costs[in.ID]
		if !ok {
			if p := byPlugin[in.Plugin]; p.n > 0 {
				c = p.total / float64(p.n)
			} else {
				c = all.total / float64(all.n)
			}
		}
		iv := time.Duration(in.Interval).Seconds()
		if iv <= 0 {
			iv = 1
		}
		// An input has at most one gather in flight (a slot that comes while one runs is an overrun), so it
		// costs at most 1, however long a hung gather or a timeout took.
		return min(c, iv) / iv
	}, true
}

// Loads returns the cost each node carries by the CostModel, nil when nothing is measured. Call it under Read.
func (s *State) Loads() map[string]float64 {
	cost, ok := s.CostModel()
	if !ok {
		return nil
	}
	out := map[string]float64{}
	for id, a := range s.Assignments {
		if in, ok := s.Inputs[id]; ok && a.Node != "" {
			out[a.Node] += cost(in)
		}
	}
	return out
}
