package cluster_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/gatherd/gatherd/testcluster"
	"github.com/gatherd/gatherd/wire"
)

func putRecord(t *testing.T, c *testcluster.Cluster, via int, id string, every time.Duration) wire.Input {
	t.Helper()
	code, b := c.Do(via, http.MethodPut, "/v1/inputs/"+id, testcluster.RecordSpec(id, every))
	if code != http.StatusOK {
		t.Fatalf("PUT %s via node %d: %d %s", id, via, code, b)
	}
	var v wire.Input
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func follower(c *testcluster.Cluster, leader int) int {
	for _, i := range c.Running() {
		if i != leader {
			return i
		}
	}
	return -1
}

// readableEverywhere waits until every running node serves the input at least at version.
func readableEverywhere(t *testing.T, c *testcluster.Cluster, id string, version uint64) {
	t.Helper()
	c.WaitFor("input "+id+" readable on every node", testcluster.DefaultWait, func() error {
		for _, i := range c.Running() {
			var v wire.Input
			if code := c.GetJSON(i, "/v1/inputs/"+id, &v); code != http.StatusOK || v.Version < version {
				return fmt.Errorf("node %d answers %d with version %d", i, code, v.Version)
			}
		}
		return nil
	})
}

func TestThreeNodesElectOneLeaderAndForwardWrites(t *testing.T) {
	c := testcluster.New(t, testcluster.Options{Nodes: 3})
	leader := c.WaitLeader()
	leaders := 0
	for _, i := range c.Running() {
		if c.Node(i).Node.IsLeader() {
			leaders++
		}
	}
	if leaders != 1 {
		t.Fatalf("%d nodes think they lead", leaders)
	}
	f := follower(c, leader)
	v := putRecord(t, c, f, "cpu-1", time.Second)
	if v.Version == 0 || v.Plugin != testcluster.RecordPlugin {
		t.Fatalf("follower answered %+v", v)
	}
	readableEverywhere(t, c, "cpu-1", v.Version)

	var st wire.Status
	if code := c.GetJSON(f, "/v1/status", &st); code != http.StatusOK {
		t.Fatalf("status: %d", code)
	}
	if st.LeaderID != c.Node(leader).ID || len(st.Members) != 3 || st.Inputs != 1 {
		t.Fatalf("status = %+v", st)
	}
	for _, m := range st.Members {
		if m.Status != "alive" || !m.Voter || m.APIAddr == "" {
			t.Fatalf("member %+v: want an alive voter with an API address", m)
		}
	}
	code, _ := c.Do(f, http.MethodDelete, "/v1/inputs/cpu-1", nil)
	if code != http.StatusNoContent {
		t.Fatalf("delete via follower: %d", code)
	}
	if code, _ := c.Do(f, http.MethodDelete, "/v1/inputs/cpu-1", nil); code != http.StatusNotFound {
		t.Fatalf("second delete: %d, want 404", code)
	}
}

func TestLeaderKilledNewLeaderAcceptsWrites(t *testing.T) {
	c := testcluster.New(t, testcluster.Options{Nodes: 3})
	old := c.WaitLeader()
	putRecord(t, c, old, "before", time.Second)
	start := time.Now()
	c.Kill(old)
	var v wire.Input
	c.WaitFor("a write accepted after the leader was killed", testcluster.DefaultWait, func() error {
		code, b, err := c.TryDo(follower(c, old), http.MethodPut, "/v1/inputs/after", testcluster.RecordSpec("after", time.Second))
		if err != nil || code != http.StatusOK {
			return fmt.Errorf("PUT answered %d %s %v", code, b, err)
		}
		return json.Unmarshal(b, &v)
	})
	t.Logf("leader kill -> write accepted: %s", time.Since(start))
	now := c.WaitLeader()
	if now == old {
		t.Fatalf("killed node %d still leads", old)
	}
	readableEverywhere(t, c, "after", v.Version)
	readableEverywhere(t, c, "before", 1)
}

func TestFullRestartKeepsInputsWithoutRebootstrap(t *testing.T) {
	c := testcluster.New(t, testcluster.Options{Nodes: 3})
	l := c.WaitLeader()
	var ids []string
	for i := range 20 {
		id := fmt.Sprintf("in-%02d", i)
		putRecord(t, c, l, id, time.Second)
		ids = append(ids, id)
	}
	var before wire.Status
	c.GetJSON(l, "/v1/status", &before)
	for _, i := range c.Running() {
		c.Stop(i)
	}
	for i := range 3 {
		c.Restart(i)
	}
	l = c.WaitLeader()
	c.WaitFor("all 20 inputs back on every node", testcluster.DefaultWait, func() error {
		for _, i := range c.Running() {
			var list wire.InputList
			if code := c.GetJSON(i, "/v1/inputs", &list); code != http.StatusOK || len(list.Inputs) != len(ids) {
				return fmt.Errorf("node %d lists %d inputs (HTTP %d)", i, len(list.Inputs), code)
			}
		}
		return nil
	})
	var after wire.Status
	c.GetJSON(l, "/v1/status", &after)
	// A re-bootstrap would restart terms from scratch; raft state carried over keeps the term rising.
	if after.Term <= before.Term {
		t.Fatalf("term went from %d to %d: the cluster was bootstrapped again", before.Term, after.Term)
	}
}

// members returns the members node via lists in its /v1/status.
func members(t *testing.T, c *testcluster.Cluster, via int) []wire.Member {
	t.Helper()
	var st wire.Status
	c.GetJSON(via, "/v1/status", &st)
	return st.Members
}

func TestExtraNodesJoinAsNonvotersAndReplaceADeadVoter(t *testing.T) {
	c := testcluster.New(t, testcluster.Options{Nodes: 3})
	c.Add()
	c.Add()
	voters := func(via int) (alive, nonvoters []string) {
		for _, m := range members(t, c, via) {
			switch {
			case m.Voter && m.Status == "alive":
				alive = append(alive, m.ID)
			case m.Raft == "nonvoter" && m.Status == "alive":
				nonvoters = append(nonvoters, m.ID)
			}
		}
		return
	}
	c.WaitFor("5 members: 3 voters, 2 non-voters", testcluster.DefaultWait, func() error {
		v, nv := voters(c.WaitLeader())
		if len(v) != 3 || len(nv) != 2 {
			return fmt.Errorf("voters %v non-voters %v", v, nv)
		}
		return nil
	})
	// Kill a voter that is not the leader: after the grace period a non-voter takes its place.
	l := c.WaitLeader()
	victim := -1
	for _, i := range c.Running() {
		for _, m := range members(t, c, l) {
			if m.ID == c.Node(i).ID && m.Voter && i != l {
				victim = i
			}
		}
	}
	c.Kill(victim)
	c.WaitFor("3 alive voters again after a voter died", testcluster.DefaultWait, func() error {
		v, nv := voters(c.WaitLeader())
		if len(v) != 3 || len(nv) != 1 {
			return fmt.Errorf("alive voters %v non-voters %v", v, nv)
		}
		return nil
	})
}

// A voter stopped gracefully (SIGTERM: `docker restart`, a rolling upgrade) keeps its vote through the grace
// period, as a crashed one does, instead of handing it to a non-voter at once.
func TestStoppedVoterKeepsItsVoteWithinGrace(t *testing.T) {
	const grace = 8 * time.Second
	// The handoff delay keeps the victim alive but stopping for a while, as its inputs move.
	c := testcluster.New(t, testcluster.Options{Nodes: 3, DeadVoterGrace: grace, HandoffDelay: 2 * time.Second})
	worker := c.Add()
	waitRunning(t, c, applyRecords(t, c, 40))
	suffrage := func(via int) map[string]string {
		out := map[string]string{}
		for _, m := range members(t, c, via) {
			out[m.ID] = m.Raft
		}
		return out
	}
	wid := c.Node(worker).ID
	c.WaitFor("the fourth node a non-voter", testcluster.DefaultWait, func() error {
		if r := suffrage(c.WaitLeader())[wid]; r != "nonvoter" {
			return fmt.Errorf("%s is %q", wid, r)
		}
		return nil
	})
	// Gossip has known every member as alive for longer than the grace: only the time since the victim left may
	// count, not the time since it last changed state.
	time.Sleep(grace + time.Second)
	l := c.WaitLeader()
	victim := -1
	for _, i := range c.Running() {
		if i != l && i != worker {
			victim = i
			break
		}
	}
	vid := c.Node(victim).ID
	c.Stop(victim)              // returns once it has handed its inputs over and left gossip
	time.Sleep(1 * time.Second) // a few membership passes on the leader, well within the grace
	got := suffrage(c.WaitLeader())
	if got[vid] != "voter" || got[wid] != "nonvoter" {
		t.Fatalf("after a graceful stop within the grace: %s is %q and %s is %q, want voter and nonvoter", vid, got[vid], wid, got[wid])
	}
	c.Restart(victim)
	c.WaitFor("the restarted voter alive", testcluster.DefaultWait, func() error {
		for _, m := range members(t, c, c.WaitLeader()) {
			if m.ID == vid && m.Status != "alive" {
				return fmt.Errorf("%+v", m)
			}
		}
		return nil
	})
}

// A non-voter gone from gossip for the reap time is forgotten (registry left, out of raft) and taken back when
// it returns: after a crash and restart, and after a partition longer than the reap time.
func TestGoneNonvoterIsReapedAndTakenBack(t *testing.T) {
	c := testcluster.New(t, testcluster.Options{Nodes: 3, DeadNodeReap: 2 * time.Second})
	worker := c.Add()
	wid := c.Node(worker).ID
	view := func() wire.Member {
		// Ask node 0, a voter that stays up: WaitLeader wants every running node to know the leader, which a
		// returning worker does not until it has been taken back.
		for _, m := range members(t, c, 0) {
			if m.ID == wid {
				return m
			}
		}
		return wire.Member{}
	}
	expect := func(what string, ok func(wire.Member) bool) {
		t.Helper()
		c.WaitFor(wid+" "+what, testcluster.DefaultWait, func() error {
			if m := view(); !ok(m) {
				return fmt.Errorf("%+v", m)
			}
			return nil
		})
	}
	back := func(m wire.Member) bool { return m.Status == "alive" && m.State == "alive" && m.Raft == "nonvoter" }
	reaped := func(m wire.Member) bool { return m.State == "left" && m.Raft == "none" }
	expect("a non-voter", back)

	c.Kill(worker)
	expect("reaped after its crash", reaped)
	c.Restart(worker)
	expect("taken back after its restart", back)

	c.Partition(worker)
	expect("reaped while cut off", reaped)
	c.Heal()
	expect("taken back after the heal", back)
}

// `leave` of a node that is already dead (a worker whose container is gone) takes it out of raft at once, not
// at the leader's next periodic membership pass.
func TestLeaveOfADeadNodeActsAtOnce(t *testing.T) {
	c := testcluster.New(t, testcluster.Options{Nodes: 3})
	worker := c.Add()
	wid := c.Node(worker).ID
	raftOf := func() string {
		for _, m := range members(t, c, 0) {
			if m.ID == wid {
				return m.Status + " " + m.Raft
			}
		}
		return "unknown"
	}
	c.WaitFor(wid+" a non-voter", testcluster.DefaultWait, func() error {
		if r := raftOf(); r != "alive nonvoter" {
			return errString(r)
		}
		return nil
	})
	c.Kill(worker)
	c.WaitFor(wid+" dead", testcluster.DefaultWait, func() error {
		if r := raftOf(); r != "dead nonvoter" {
			return errString(r)
		}
		return nil
	})
	l := c.WaitLeader()
	if code, b := c.Do(l, http.MethodPost, "/v1/nodes/"+wid+"/leave", nil); code != http.StatusOK {
		t.Fatalf("leave: %d %s", code, b)
	}
	// The periodic pass runs every 30s: well within that, or the leave waited for it.
	c.WaitFor(wid+" out of raft", 10*time.Second, func() error {
		if r := raftOf(); r != "dead none" {
			return errString(r)
		}
		return nil
	})
}

type errString string

func (e errString) Error() string { return string(e) }

func TestLeaveRemovesANodeForGood(t *testing.T) {
	c := testcluster.New(t, testcluster.Options{Nodes: 3})
	c.Add()
	ids := applyRecords(t, c, 40)
	waitRunning(t, c, ids)
	l := c.WaitLeader()
	gone := (l + 1) % 4
	if c.Node(gone).Node.IsLeader() {
		gone = (l + 2) % 4
	}
	goneID := c.Node(gone).ID
	from := time.Now()
	if code, b := c.Do(l, http.MethodPost, "/v1/nodes/"+goneID+"/leave", nil); code != http.StatusOK {
		t.Fatalf("leave: %d %s", code, b)
	}
	select {
	case <-c.Node(gone).Node.Done():
	case <-time.After(testcluster.DefaultWait):
		t.Fatal("the node did not shut down after leaving")
	}
	c.Kill(gone) // releases the slot's HTTP server; the node itself already stopped
	c.WaitFor(goneID+" out of raft, 3 voters left", testcluster.DefaultWait, func() error {
		voters := 0
		for _, m := range members(t, c, c.WaitLeader()) {
			if m.ID == goneID && m.Raft != "none" {
				return fmt.Errorf("%s is still a raft %s", goneID, m.Raft)
			}
			if m.Voter {
				voters++
			}
		}
		if voters != 3 {
			return fmt.Errorf("%d voters", voters)
		}
		return nil
	})
	waitRunning(t, c, ids)
	expectExactlyOnce(t, c, ids, from, time.Now().Add(-slot))
}
