package testcluster

import (
	"fmt"
	"time"
)

// DefaultWait bounds every wait helper unless a test passes its own.
const DefaultWait = 30 * time.Second

// WaitFor polls cond every 50 ms until it returns nil, or fails the test after timeout with what was awaited
// and cond's last complaint.
func (c *Cluster) WaitFor(what string, timeout time.Duration, cond func() error) {
	c.t.Helper()
	if err := Poll(timeout, cond); err != nil {
		c.t.Fatalf("waited %s for %s: %v", timeout, what, err)
	}
}

// Poll calls cond every 50 ms until it returns nil or timeout passes, and returns its last error.
func Poll(timeout time.Duration, cond func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := cond()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Leader returns the index of the node every running node agrees is leader, or -1.
func (c *Cluster) Leader() int {
	idx, _ := c.leader()
	return idx
}

func (c *Cluster) leader() (int, error) {
	var leaderID string
	for _, i := range c.Insiders() {
		in := c.Node(i)
		if in.Node == nil {
			continue
		}
		st := in.Node.Status()
		if st.LeaderID == "" {
			return -1, fmt.Errorf("%s knows no leader", in.ID)
		}
		if leaderID != "" && st.LeaderID != leaderID {
			return -1, fmt.Errorf("%s follows %s, another node follows %s", in.ID, st.LeaderID, leaderID)
		}
		leaderID = st.LeaderID
	}
	for _, i := range c.Insiders() {
		if c.Node(i).ID == leaderID {
			return i, nil
		}
	}
	return -1, fmt.Errorf("leader %q is not a running node", leaderID)
}

// WaitLeader waits until every running node follows the same running leader, and returns its index.
func (c *Cluster) WaitLeader() int {
	c.t.Helper()
	idx := -1
	c.WaitFor("one leader agreed by every running node", DefaultWait, func() error {
		var err error
		idx, err = c.leader()
		return err
	})
	return idx
}
