package store

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
