package cluster

import "time"

// ApplyRaw writes raw bytes as a raft entry on the leader, as a newer binary's command would arrive, and
// returns its raft index (tests only).
func (n *Node) ApplyRaw(b []byte) (uint64, error) {
	f := n.raft.Apply(b, 5*time.Second)
	err := f.Error() // Index is set once Error returned
	return f.Index(), err
}

// ComputePlacement plans a placement as the leader would now and returns how many inputs it would move (tests
// and benchmarks only; it writes nothing).
func (n *Node) ComputePlacement() int {
	n.placeMu.Lock()
	defer n.placeMu.Unlock()
	return len(n.computePlacement(time.Now(), false).moves)
}
