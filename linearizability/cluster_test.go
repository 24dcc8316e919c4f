package linearizability_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"

	lin "github.com/gatherd/gatherd/linearizability"
	"github.com/gatherd/gatherd/testcluster"
)

// TestLinearizableUnderFaults drives concurrent clients against a 3-node testcluster while a nemesis kills,
// restarts, partitions and slows nodes (the leader among them), records every operation and checks the history
// with porcupine. By default it is a smoke run of 25 s; make jepsen sets GATHERD_LIN_DURATION (a duration)
// and GATHERD_LIN_MIN_OPS (the operations the run must record at least).
func TestLinearizableUnderFaults(t *testing.T) {
	dur, minOps := 25*time.Second, int64(200)
	if v := os.Getenv("GATHERD_LIN_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			t.Fatalf("GATHERD_LIN_DURATION=%q: want a duration such as 5m", v)
		}
		dur = d
	}
	if v := os.Getenv("GATHERD_LIN_MIN_OPS"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			t.Fatalf("GATHERD_LIN_MIN_OPS=%q: want a positive number", v)
		}
		minOps = n
	}
	if testing.Short() {
		t.Skip("a fault run of " + dur.String())
	}
	c := testcluster.New(t, testcluster.Options{Nodes: 3})
	const clients, groups = 8, 8
	h := lin.NewHistory()
	w := &lin.Workload{Groups: groups, Mix: lin.DefaultMix}
	cl := &lin.Client{HTTP: &http.Client{Timeout: 10 * time.Second}}
	urls := func() []string {
		var out []string
		for _, i := range c.Running() {
			out = append(out, c.Node(i).URL())
		}
		return out
	}

	ctx, cancel := context.WithTimeout(context.Background(), dur)
	defer cancel()
	var (
		counts lin.Counts
		runErr error
		done   = make(chan struct{})
	)
	start := time.Now()
	go func() {
		defer close(done)
		counts, runErr = lin.Run(ctx, cl, w, h, clients, 0, urls)
	}()
	faults := nemesis(t, c, done)
	<-done
	took := time.Since(start)
	if runErr != nil {
		t.Fatal(runErr)
	}

	// Every node back, then the final state read through the leader: every acknowledged write that no later
	// operation replaced must be there, and the check covers these reads too.
	c.Heal()
	for i := range c.N() {
		if c.Node(i).Node == nil {
			c.Restart(i)
		}
	}
	leader := c.WaitLeader()
	final := finalReads(t, c, cl, h, leader, groups, clients)

	ops := h.Operations()
	verdict, err := lin.Check(ops, 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("operations: %d recorded in %s (%.0f/s) by %d clients over %d groups of %d IDs: put %d, delete %d, read %d, batch %d; %d ambiguous (return time infinite), %d not applied and not recorded",
		len(ops), took.Round(time.Millisecond), float64(counts.Ops)/took.Seconds(), clients, groups, lin.GroupSize,
		counts.ByKind[lin.Put], counts.ByKind[lin.Delete], counts.ByKind[lin.Read], counts.ByKind[lin.Batch], counts.Ambiguous, counts.NotApplied)
	t.Logf("faults: %s", faults)
	t.Logf("checker: %s in %s", verdict.Result, verdict.Took.Round(time.Millisecond))
	if verdict.Result != porcupine.Ok {
		t.Fatalf("history is %s: porcupine's visualization in %s", verdict.Result, verdict.Visualization)
	}
	if counts.Ops < minOps {
		t.Fatalf("only %d operations recorded, want at least %d: the run proves little", counts.Ops, minOps)
	}
	convergence(t, c, final)
}

// faultLog counts the faults injected, by kind.
type faultLog struct {
	mu sync.Mutex
	n  map[string]int
}

func (f *faultLog) add(kind string) {
	f.mu.Lock()
	f.n[kind]++
	f.mu.Unlock()
}

func (f *faultLog) String() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var parts []string
	total := 0
	for k, n := range f.n {
		parts = append(parts, fmt.Sprintf("%s %d", k, n))
		total += n
	}
	sort.Strings(parts)
	return fmt.Sprintf("%d (%s)", total, strings.Join(parts, ", "))
}

// nemesis injects one fault at a time until done closes, in the test goroutine (testcluster's start fails the
// test on error): a fault lasts 1-4 s, then the cluster gets 1-2 s to recover. At most one node is down or cut
// off at a time, so a quorum can always form again.
func nemesis(t *testing.T, c *testcluster.Cluster, done <-chan struct{}) *faultLog {
	log := &faultLog{n: map[string]int{}}
	r := rand.New(rand.NewPCG(1, uint64(time.Now().UnixNano())))
	sleep := func(min, max time.Duration) bool {
		select {
		case <-done:
			return false
		case <-time.After(min + time.Duration(r.Int64N(int64(max-min)))):
			return true
		}
	}
	kinds := []string{"kill", "kill-leader", "restart", "partition", "partition-leader", "slow", "slow-leader"}
	for k := 0; ; k++ {
		if !sleep(time.Second, 2*time.Second) {
			return log
		}
		kind := kinds[k%len(kinds)]
		victim := r.IntN(c.N())
		if strings.HasSuffix(kind, "-leader") {
			if victim = c.Leader(); victim < 0 {
				continue // an election is under way: the next fault will find a leader
			}
		}
		log.add(kind)
		switch kind {
		case "kill", "kill-leader":
			c.Kill(victim)
			sleep(time.Second, 3*time.Second)
			c.Restart(victim)
		case "restart":
			c.Stop(victim)
			c.Restart(victim)
		case "partition", "partition-leader":
			c.Partition(victim)
			sleep(time.Second, 4*time.Second)
			c.Heal()
		case "slow", "slow-leader":
			c.Slow(victim, time.Duration(20+r.IntN(180))*time.Millisecond)
			sleep(2*time.Second, 4*time.Second)
			c.Heal()
		}
		_ = testcluster.Poll(15*time.Second, func() error {
			if c.Leader() < 0 {
				return fmt.Errorf("no leader")
			}
			return nil
		})
	}
}

// finalReads reads every ID through the leader once the faults are over, records the reads in h after every
// other operation, and returns what they saw.
func finalReads(t *testing.T, c *testcluster.Cluster, cl *lin.Client, h *lin.History, leader, groups, client int) map[string]lin.Value {
	t.Helper()
	final := map[string]lin.Value{}
	for g := range groups {
		for slot := range lin.GroupSize {
			in := lin.Input{Kind: lin.Read, Group: g, Slot: slot}
			err := testcluster.Poll(30*time.Second, func() error {
				call := h.Now()
				out, outcome, err := cl.Do(context.Background(), c.Node(leader).URL(), in)
				if err != nil {
					t.Fatal(err)
				}
				if outcome != lin.Done {
					return fmt.Errorf("read %s: no answer", lin.ID(g, slot))
				}
				h.Add(client, in, call, out, h.Now())
				final[lin.ID(g, slot)] = out.Value
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	return final
}

// convergence waits until every node's own replica holds exactly the final state: no node silently diverged.
func convergence(t *testing.T, c *testcluster.Cluster, final map[string]lin.Value) {
	t.Helper()
	var want []string
	for id, v := range final {
		if v != 0 {
			want = append(want, id+"="+strconv.Itoa(int(v)))
		}
	}
	slices.Sort(want)
	for _, i := range c.Running() {
		c.WaitFor(fmt.Sprintf("node %d's replica to hold the final state", i), testcluster.DefaultWait, func() error {
			var got struct {
				Inputs []struct {
					ID       string `json:"id"`
					Interval string `json:"interval"`
				} `json:"inputs"`
			}
			code, b, err := c.TryDo(i, http.MethodGet, "/v1/inputs", nil)
			if err != nil || code != http.StatusOK {
				return fmt.Errorf("GET /v1/inputs: %d %v", code, err)
			}
			if err := json.Unmarshal(b, &got); err != nil {
				return err
			}
			var have []string
			for _, in := range got.Inputs {
				d, _ := time.ParseDuration(in.Interval)
				have = append(have, in.ID+"="+strconv.Itoa(int((d-time.Hour)/time.Second)))
			}
			slices.Sort(have)
			if !slices.Equal(have, want) {
				return fmt.Errorf("has %v, want %v", have, want)
			}
			return nil
		})
	}
}
