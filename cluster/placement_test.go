package cluster_test

import (
	"fmt"
	"maps"
	"math"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gatherd/gatherd/testcluster"
	"github.com/gatherd/gatherd/wire"
)

const slot = time.Second

// applyRecords creates n recording inputs at interval slot in one batch and returns their IDs.
func applyRecords(t *testing.T, c *testcluster.Cluster, n int) []string {
	t.Helper()
	return applyRecordsWith(t, c, "in", n, nil)
}

// applyRecordsWith creates n recording inputs named prefix-NNN, with the recorder's options in config.
func applyRecordsWith(t *testing.T, c *testcluster.Cluster, prefix string, n int, config map[string]string) []string {
	t.Helper()
	var specs []map[string]any
	var ids []string
	for i := range n {
		id := fmt.Sprintf("%s-%03d", prefix, i)
		ids = append(ids, id)
		spec := testcluster.RecordSpec(id, slot)
		if config != nil {
			cfg := map[string]string{"key": id}
			maps.Copy(cfg, config)
			spec["config"] = cfg
		}
		specs = append(specs, spec)
	}
	code, b := c.Do(c.WaitLeader(), http.MethodPost, "/v1/inputs", map[string]any{"inputs": specs})
	if code != http.StatusOK {
		t.Fatalf("batch: %d %s", code, b)
	}
	return ids
}

// owners returns input -> node from the leader's store.
func owners(t testing.TB, c *testcluster.Cluster) map[string]string {
	t.Helper()
	return ownersVia(t, c, c.WaitLeader())
}

// ownersVia returns input -> node from node via's store, read through the leader.
func ownersVia(t testing.TB, c *testcluster.Cluster, via int) map[string]string {
	t.Helper()
	var a wire.Assignments
	c.GetJSON(via, "/v1/assignments?consistent=true", &a)
	out := map[string]string{}
	for n, ids := range a.Nodes {
		for _, id := range ids {
			out[id] = n
		}
	}
	return out
}

// waitRunning waits until placement has settled: every input assigned to a running node and running there
// exactly once, every running node within one input of its fair share, and no handoff still under way.
func waitRunning(t testing.TB, c *testcluster.Cluster, ids []string) map[string]string {
	t.Helper()
	var own map[string]string
	c.WaitFor(fmt.Sprintf("%d inputs settled, each running on exactly one live node", len(ids)), testcluster.DefaultWait, func() error {
		var list wire.InputList
		c.GetJSON(c.WaitLeader(), "/v1/inputs?consistent=true", &list)
		own = map[string]string{}
		for _, in := range list.Inputs {
			own[in.ID] = in.Node
			if in.Since.After(time.Now()) {
				return fmt.Errorf("%s is still being handed over to %s", in.ID, in.Node)
			}
		}
		running := map[string]int{}
		live := map[string]int{}
		for _, i := range c.Insiders() {
			in := c.Node(i)
			live[in.ID] = 0
			for _, st := range in.Node.Worker().Local() {
				if st.Window.Until.IsZero() || st.Window.Until.After(time.Now()) {
					running[st.ID]++
				}
			}
		}
		for _, id := range ids {
			if _, ok := live[own[id]]; !ok {
				return fmt.Errorf("%s is on %q, not a live node", id, own[id])
			}
			live[own[id]]++
			if running[id] != 1 {
				return fmt.Errorf("%s runs %d times", id, running[id])
			}
		}
		lo, hi := len(ids)/len(live), (len(ids)+len(live)-1)/len(live)
		for n, k := range live {
			if k < lo || k > hi {
				return fmt.Errorf("node %s owns %d inputs, fair share %d..%d", n, k, lo, hi)
			}
		}
		return nil
	})
	return own
}

// settleAfter waits until slots up to end have had time to be gathered and recorded.
func settleAfter(end time.Time) { time.Sleep(time.Until(end) + slot/2) }

func expectExactlyOnce(t *testing.T, c *testcluster.Cluster, ids []string, from, to time.Time) testcluster.SlotReport {
	t.Helper()
	settleAfter(to)
	r := c.Slots(ids, slot, from, to)
	if r.Missed != 0 || r.Doubled != 0 {
		for _, id := range ids {
			if strings.HasPrefix(r.Worst[0], id+" ") {
				var v wire.Input
				c.GetJSON(c.WaitLeader(), "/v1/inputs/"+id, &v)
				t.Logf("%s: owner %s since %s; window %s..%s; hits:", id, v.Node, v.Since.Format("15:04:05.000"), from.Format("15:04:05.000"), to.Format("15:04:05.000"))
				for _, h := range c.Recorder.Hits(id) {
					t.Logf("  %s %s", h.Node, h.At.Format("15:04:05.000"))
				}
			}
		}
		t.Fatalf("want every slot gathered exactly once: %s", r)
	}
	t.Logf("slots: %s, by node %v", r, r.ByNode)
	return r
}

func TestSteadyStateEverySlotGatheredOnce(t *testing.T) {
	c := testcluster.New(t, testcluster.Options{Nodes: 3})
	ids := applyRecords(t, c, 300)
	own := waitRunning(t, c, ids)
	counts := map[string]int{}
	for _, n := range own {
		counts[n]++
	}
	for n, k := range counts {
		if k < 99 || k > 101 {
			t.Fatalf("node %s has %d of 300 inputs, want 100±1: %v", n, k, counts)
		}
	}
	from := time.Now().Add(slot)
	expectExactlyOnce(t, c, ids, from, from.Add(3*slot))
}

// crashAndRecover kills node victim and checks that exactly its inputs move, and that each gathers again.
func crashAndRecover(t *testing.T, c *testcluster.Cluster, ids []string, victim int) {
	t.Helper()
	before := waitRunning(t, c, ids)
	dead := c.Node(victim).ID
	killed := time.Now()
	c.Kill(victim)
	var orphans []string
	for _, id := range ids {
		if before[id] == dead {
			orphans = append(orphans, id)
		}
	}
	c.WaitFor("every orphan gathered on a survivor", testcluster.DefaultWait, func() error {
		for _, id := range orphans {
			hits := c.Recorder.Hits(id)
			if len(hits) == 0 || hits[len(hits)-1].Node == dead || hits[len(hits)-1].At.Before(killed) {
				return fmt.Errorf("%s not gathered by a survivor yet", id)
			}
		}
		return nil
	})
	t.Logf("kill %s -> all %d orphans gathering again: %s", dead, len(orphans), time.Since(killed).Round(time.Millisecond))
	after := waitRunning(t, c, ids)
	for _, id := range ids {
		if before[id] != dead && after[id] != before[id] {
			t.Errorf("%s moved from %s to %s though its node lives", id, before[id], after[id])
		}
	}
	// At most one missed slot per orphan while the crash is detected, and never a double.
	r := c.Slots(ids, slot, killed, time.Now().Add(-slot))
	if r.Doubled != 0 || r.Missed > 3*len(orphans) {
		t.Fatalf("after the crash: %s", r)
	}
	from := time.Now().Add(slot)
	expectExactlyOnce(t, c, ids, from, from.Add(2*slot))
}

func TestNodeKilledOnlyItsInputsMove(t *testing.T) {
	c := testcluster.New(t, testcluster.Options{Nodes: 3})
	ids := applyRecords(t, c, 150)
	crashAndRecover(t, c, ids, (c.WaitLeader()+1)%3)
}

func TestLeaderKilledItsInputsMove(t *testing.T) {
	c := testcluster.New(t, testcluster.Options{Nodes: 3})
	ids := applyRecords(t, c, 150)
	crashAndRecover(t, c, ids, c.WaitLeader())
}

func TestJoinTakesAQuarterWithoutGapsOrDoubles(t *testing.T) {
	c := testcluster.New(t, testcluster.Options{Nodes: 3})
	ids := applyRecords(t, c, 300)
	before := waitRunning(t, c, ids)
	from := time.Now()
	added := c.Node(c.Add()).ID
	var after map[string]string
	c.WaitFor("the new node owning about a quarter", testcluster.DefaultWait, func() error {
		after = waitRunning(t, c, ids)
		got := 0
		for _, n := range after {
			if n == added {
				got++
			}
		}
		if got < 74 || got > 76 {
			return fmt.Errorf("%s owns %d inputs", added, got)
		}
		return nil
	})
	moved := 0
	for _, id := range ids {
		if after[id] != before[id] {
			moved++
			if after[id] != added {
				t.Errorf("%s moved %s -> %s, not to the new node", id, before[id], after[id])
			}
		}
	}
	ideal := 300.0 / 4
	if float64(moved) > math.Ceil(1.1*ideal) {
		t.Fatalf("moved %d, ideal %.0f", moved, ideal)
	}
	t.Logf("join moved %d inputs (ideal %.0f)", moved, ideal)
	expectExactlyOnce(t, c, ids, from, time.Now().Add(2*slot))
}

func TestDrainAndGracefulStopWithoutGapsOrDoubles(t *testing.T) {
	c := testcluster.New(t, testcluster.Options{Nodes: 3})
	ids := applyRecords(t, c, 150)
	waitRunning(t, c, ids)
	l := c.WaitLeader()
	drained := (l + 1) % 3
	from := time.Now()
	if code, b := c.Do(l, http.MethodPost, "/v1/nodes/"+c.Node(drained).ID+"/drain", nil); code != http.StatusOK {
		t.Fatalf("drain: %d %s", code, b)
	}
	c.WaitFor("the drained node emptied", testcluster.DefaultWait, func() error {
		if n := c.Node(drained).Node.Worker().Running(); n != 0 {
			return fmt.Errorf("%d inputs still in its kill-map", n)
		}
		for id, n := range owners(t, c) {
			if n == c.Node(drained).ID {
				return fmt.Errorf("%s still assigned to it", id)
			}
		}
		return nil
	})
	expectExactlyOnce(t, c, ids, from, time.Now())

	// Undrain, let it take its share back, then stop the leader gracefully, as SIGTERM would.
	if code, b := c.Do(l, http.MethodDelete, "/v1/nodes/"+c.Node(drained).ID+"/drain", nil); code != http.StatusOK {
		t.Fatalf("undrain: %d %s", code, b)
	}
	c.WaitFor("the undrained node running inputs again", testcluster.DefaultWait, func() error {
		if c.Node(drained).Node.Worker().Running() < 40 {
			return fmt.Errorf("it runs %d", c.Node(drained).Node.Worker().Running())
		}
		return nil
	})
	waitRunning(t, c, ids)
	from = time.Now()
	c.Stop(l)
	waitRunning(t, c, ids)
	expectExactlyOnce(t, c, ids, from, time.Now().Add(slot))
}

func TestPartitionedNodeFencesAndHeals(t *testing.T) {
	c := testcluster.New(t, testcluster.Options{Nodes: 3, FenceTimeout: 2 * time.Second})
	ids := applyRecords(t, c, 90)
	waitRunning(t, c, ids)
	minority := (c.WaitLeader() + 1) % 3
	cut := time.Now()
	c.Partition(minority)
	c.WaitFor("the minority node fenced with nothing running", testcluster.DefaultWait, func() error {
		in := c.Node(minority).Node
		if !in.Fenced() || in.Worker().Running() != 0 {
			return fmt.Errorf("fenced=%v running=%d", in.Fenced(), in.Worker().Running())
		}
		return nil
	})
	t.Logf("minority fenced %s after the cut", time.Since(cut).Round(time.Millisecond))
	majority := (minority + 1) % 3
	c.WaitFor("the majority running every input", testcluster.DefaultWait, func() error {
		own := ownersVia(t, c, majority)
		for _, id := range ids {
			if own[id] == c.Node(minority).ID || own[id] == "" {
				return fmt.Errorf("%s on %q", id, own[id])
			}
		}
		return nil
	})
	fenced := time.Now()
	from := fenced.Add(slot)
	expectExactlyOnce(t, c, ids, from, from.Add(2*slot))
	c.Heal()
	c.WaitFor("the minority node back and unfenced", testcluster.DefaultWait, func() error {
		if c.Node(minority).Node.Fenced() {
			return fmt.Errorf("still fenced")
		}
		return nil
	})
	waitRunning(t, c, ids)
	from = time.Now().Add(slot)
	expectExactlyOnce(t, c, ids, from, from.Add(2*slot))
}

func TestDeletedInputGoroutineIsGone(t *testing.T) {
	c := testcluster.New(t, testcluster.Options{Nodes: 3})
	ids := applyRecords(t, c, 30)
	own := waitRunning(t, c, ids)
	var owner int
	for _, i := range c.Running() {
		if c.Node(i).ID == own[ids[0]] {
			owner = i
		}
	}
	w := c.Node(owner).Node.Worker()
	// Inputs the node owns, without those it is handing over or has just handed over: the kill-map keeps a
	// handed-over input until its window's end is processed, which may happen while this test runs.
	owned := func() int {
		n := 0
		for _, st := range w.Local() {
			if st.Window.Until.IsZero() {
				n++
			}
		}
		return n
	}
	runningBefore := owned()
	goroutinesBefore := runtime.NumGoroutine()
	if code, b := c.Do(c.WaitLeader(), http.MethodDelete, "/v1/inputs/"+ids[0], nil); code != http.StatusNoContent {
		t.Fatalf("delete: %d %s", code, b)
	}
	c.WaitFor("the deleted input out of its owner's kill-map", testcluster.DefaultWait, func() error {
		for _, st := range w.Local() {
			if st.ID == ids[0] {
				return fmt.Errorf("still in the kill-map")
			}
		}
		if n := owned(); n != runningBefore-1 {
			return fmt.Errorf("kill-map holds %d owned inputs, want %d", n, runningBefore-1)
		}
		return nil
	})
	c.WaitFor("one goroutine fewer", testcluster.DefaultWait, func() error {
		if g := runtime.NumGoroutine(); g >= goroutinesBefore {
			return fmt.Errorf("%d goroutines, had %d", g, goroutinesBefore)
		}
		return nil
	})
	var local wire.Local
	c.GetJSON(owner, "/v1/local", &local)
	listed := 0
	for _, in := range local.Inputs {
		if in.Until.IsZero() {
			listed++
		}
	}
	if listed != runningBefore-1 {
		t.Fatalf("/v1/local lists %d owned inputs, want %d", listed, runningBefore-1)
	}
}

// applySlowBuilds creates n recording inputs whose build takes buildDelay each, as thousands of Telegraf
// plugins do on a node taking them over.
func applySlowBuilds(t *testing.T, c *testcluster.Cluster, n int, buildDelay time.Duration) []string {
	t.Helper()
	return applyRecordsWith(t, c, "slow", n, map[string]string{"build_delay": buildDelay.String()})
}

// waitGathering waits until every input has been gathered in the last two slots: built, not only assigned.
func waitGathering(t *testing.T, c *testcluster.Cluster, ids []string) {
	t.Helper()
	c.WaitFor("every input gathering", testcluster.DefaultWait, func() error {
		for _, id := range ids {
			h := c.Recorder.Hits(id)
			if len(h) == 0 || time.Since(h[len(h)-1].At) > 2*slot {
				return fmt.Errorf("%s not gathered lately", id)
			}
		}
		return nil
	})
}

// A planned move reversed before its stamped time (drain, then undrain a moment later) is cancelled: the node
// still gathering the inputs keeps them, and the one still building them never gathers a slot. Before, the
// reversal handed the slots up to a new stamp to the node still building, which missed them.
func TestPlannedMoveReversedBeforeItsStampGathersEverySlotOnce(t *testing.T) {
	c := testcluster.New(t, testcluster.Options{Nodes: 3})
	ids := applySlowBuilds(t, c, 30, 250*time.Millisecond)
	waitRunning(t, c, ids)
	waitGathering(t, c, ids)
	l := c.WaitLeader()
	drained := (l + 1) % 3
	path := "/v1/nodes/" + c.Node(drained).ID + "/drain"
	from := time.Now()
	if code, b := c.Do(l, http.MethodPost, path, nil); code != http.StatusOK {
		t.Fatalf("drain: %d %s", code, b)
	}
	time.Sleep(300 * time.Millisecond)
	if code, b := c.Do(l, http.MethodDelete, path, nil); code != http.StatusOK {
		t.Fatalf("undrain: %d %s", code, b)
	}
	waitRunning(t, c, ids)
	expectExactlyOnce(t, c, ids, from, time.Now().Add(2*slot))
}

// A planned move of an input still being handed over, to a third node, waits until the handoff is done: the
// node gathering it until the stamp keeps it until then, instead of stopping at once while the node taking
// it over is still building it.
func TestPlannedMoveDuringAHandoffWaitsForIt(t *testing.T) {
	// Ten inputs a node: the second node is still building the five it takes from the first when it is
	// drained itself, and the leader builds the second's ten within HandoffDelay.
	c := testcluster.New(t, testcluster.Options{Nodes: 3, HandoffDelay: 4 * time.Second})
	ids := applySlowBuilds(t, c, 30, 250*time.Millisecond)
	own := waitRunning(t, c, ids)
	waitGathering(t, c, ids)
	l := c.WaitLeader()
	first, second := (l+1)%3, (l+2)%3
	from := time.Now()
	if code, b := c.Do(l, http.MethodPost, "/v1/nodes/"+c.Node(first).ID+"/drain", nil); code != http.StatusOK {
		t.Fatalf("drain: %d %s", code, b)
	}
	time.Sleep(300 * time.Millisecond)
	// Half of the first node's inputs are on their way to the second: draining it sends them to the leader.
	if code, b := c.Do(l, http.MethodPost, "/v1/nodes/"+c.Node(second).ID+"/drain", nil); code != http.StatusOK {
		t.Fatalf("drain: %d %s", code, b)
	}
	var onFirst []string
	for _, id := range ids {
		if own[id] == c.Node(first).ID {
			onFirst = append(onFirst, id)
		}
	}
	c.WaitFor("everything on the leader, handed over", testcluster.DefaultWait, func() error {
		var list wire.InputList
		c.GetJSON(l, "/v1/inputs?consistent=true", &list)
		for _, in := range list.Inputs {
			if in.Node != c.Node(l).ID || in.Since.After(time.Now()) {
				return fmt.Errorf("%s on %s since %s", in.ID, in.Node, in.Since.Format("15:04:05.000"))
			}
		}
		return nil
	})
	expectExactlyOnce(t, c, ids, from, time.Now().Add(2*slot))
	t.Logf("%d inputs were on the first node drained", len(onFirst))
}

// A node killed while it hands its inputs over (drained, its handoff stamped well ahead): the inputs are cut
// over to the nodes taking them as soon as it is declared failed, not left to nobody until the stamp.
func TestHandoffWhosePreviousOwnerDiesIsCutOver(t *testing.T) {
	const delay = 8 * time.Second
	c := testcluster.New(t, testcluster.Options{Nodes: 3, HandoffDelay: delay})
	ids := applyRecords(t, c, 30)
	own := waitRunning(t, c, ids)
	l := c.WaitLeader()
	victim := (l + 1) % 3
	var onVictim []string
	for _, id := range ids {
		if own[id] == c.Node(victim).ID {
			onVictim = append(onVictim, id)
		}
	}
	if code, b := c.Do(l, http.MethodPost, "/v1/nodes/"+c.Node(victim).ID+"/drain", nil); code != http.StatusOK {
		t.Fatalf("drain: %d %s", code, b)
	}
	time.Sleep(300 * time.Millisecond)
	killed := time.Now()
	c.Kill(victim)
	// Without the cut-over nobody would gather them until the stamp, about delay after the drain.
	end := killed.Add(delay - time.Second)
	settleAfter(end)
	r := c.Slots(onVictim, slot, killed, end)
	// Detection (about a second on testcluster's timing) and the commit: the slots due before the cut-over.
	if per := float64(r.Missed) / float64(len(onVictim)); per > 3 || r.Doubled != 0 {
		t.Fatalf("the victim's %d inputs missed %.1f slots each over %s after the kill (want the few due before it was declared failed), doubled %d: %s",
			len(onVictim), per, end.Sub(killed).Round(time.Millisecond), r.Doubled, r)
	}
	t.Logf("the victim's inputs after the kill: %s", r)
}
