package agent_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gatherd/gatherd/client"
	"github.com/gatherd/gatherd/store"
	"github.com/gatherd/gatherd/testcluster"
	"github.com/gatherd/gatherd/worker"
)

// hitCounter is the target of many inputs: it records when each path was probed.
type hitCounter struct {
	mu   sync.Mutex
	hits map[string][]time.Time
}

func (h *hitCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	h.mu.Lock()
	h.hits[r.URL.Path] = append(h.hits[r.URL.Path], now)
	h.mu.Unlock()
}

// gathers counts the probes of path within [slot, slot+iv).
func (h *hitCounter) gathers(path string, slot time.Time, iv time.Duration) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, at := range h.hits[path] {
		if !at.Before(slot) && at.Before(slot.Add(iv)) {
			n++
		}
	}
	return n
}

// fleetInterval is the interval of the fleet benchmarks' inputs.
const fleetInterval = 30 * time.Second

// fleetSize is the benchmarks' input and node count: 30,000 on 3 nodes, or FAILOVER_INPUTS on FAILOVER_NODES.
func fleetSize() (inputs, nodes int) {
	inputs, nodes = 30000, 3
	if v := os.Getenv("FAILOVER_INPUTS"); v != "" {
		fmt.Sscan(v, &inputs)
	}
	if v := os.Getenv("FAILOVER_NODES"); v != "" {
		fmt.Sscan(v, &nodes)
	}
	return inputs, nodes
}

// startFleet starts a testcluster of nodes and applies n http_response inputs at fleetInterval against target,
// as Telegraf tables of 500 URLs, then waits until every one runs.
func startFleet(b *testing.B, n, nodes int, target string) *testcluster.Cluster {
	c := testcluster.New(b, testcluster.Options{Nodes: nodes, Sink: func(string) worker.Sink { return nil }})
	l := c.WaitLeader()
	cl, err := client.New(c.Node(l).URL(), client.WithHTTPClient(&http.Client{Timeout: 5 * time.Minute}))
	if err != nil {
		b.Fatal(err)
	}
	// At most 10,000 inputs a document, each retried if leadership moved while it was in flight (an apply is
	// declarative: applying it again changes nothing that landed): one raft entry of 100,000 specs (tens of
	// MB) to four followers, or of 30,000 while five nodes sharing two cores build the last 30,000, outlasted
	// the leader lease, and the write was refused.
	const perDoc = 10000
	for from := 0; from < n; from += perDoc {
		var doc strings.Builder
		for t := from / 500; t*500 < min(n, from+perDoc); t++ {
			fmt.Fprintf(&doc, "[[inputs.http_response]]\n  alias = \"w%03d\"\n  interval = \"%s\"\n  urls = [", t, fleetInterval)
			for i := t * 500; i < min(n, (t+1)*500); i++ {
				if i > t*500 {
					doc.WriteString(",")
				}
				fmt.Fprintf(&doc, "%q", fmt.Sprintf("%s/%d", target, i))
			}
			doc.WriteString("]\n")
		}
		for try := 1; ; try++ {
			_, err := cl.ApplyTOML(context.Background(), []byte(doc.String()))
			if err == nil {
				break
			}
			if try == 5 {
				b.Fatal(err)
			}
			b.Logf("apply of inputs %d+ (try %d): %v", from, try, err)
			c.WaitLeader()
		}
	}
	waitAllRunning(c, n)
	return c
}

// waitAllRunning waits until n inputs run, counted over the running nodes' workers.
func waitAllRunning(c *testcluster.Cluster, n int) {
	c.WaitFor("every input running", 5*time.Minute, func() error {
		running := 0
		for _, i := range c.Running() {
			for _, st := range c.Node(i).Node.Local() {
				if st.State == "running" {
					running++
				}
			}
		}
		if running < n {
			return fmt.Errorf("%d of %d running", running, n)
		}
		return nil
	})
}

// busiestFollower returns the follower owning the most inputs, and those inputs.
func busiestFollower(c *testcluster.Cluster, l int) (int, []store.Input) {
	owned := map[int][]store.Input{}
	c.Node(l).Node.Store().Read(func(st *store.State) {
		for id, a := range st.Assignments {
			for _, i := range c.Running() {
				if a.Node == c.Node(i).ID {
					owned[i] = append(owned[i], *st.Inputs[id])
				}
			}
		}
	})
	victim := -1
	for i, ins := range owned {
		if i != l && (victim < 0 || len(ins) > len(owned[victim])) {
			victim = i
		}
	}
	return victim, owned[victim]
}

// targetPath is the path an http_response input of the fleet probes.
func targetPath(b *testing.B, in store.Input, target string) string {
	var cfg struct{ Urls []string }
	if err := json.Unmarshal(in.Config, &cfg); err != nil || len(cfg.Urls) != 1 {
		b.Fatalf("%s: config %s", in.ID, in.Config)
	}
	return strings.TrimPrefix(cfg.Urls[0], target)
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// rssMiB reads the process's resident set (VmRSS) and its peak (VmHWM).
func rssMiB() (rss, hwm float64) {
	b, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(b), "\n") {
		var kb float64
		if n, _ := fmt.Sscanf(l, "VmRSS: %f kB", &kb); n == 1 {
			rss = kb / 1024
		}
		if n, _ := fmt.Sscanf(l, "VmHWM: %f kB", &kb); n == 1 {
			hwm = kb / 1024
		}
	}
	return rss, hwm
}

// BenchmarkMassFailover runs 30,000 http_response inputs at 30 s on a 3-node testcluster (FAILOVER_INPUTS
// sets another count) and kills the follower carrying the most. It reports the orphans, how long until the
// leader had moved every one, the slots missed at the target against the share that fell due before that,
// raft term changes and survivors marking each other anything but alive meanwhile, and the process's CPU and
// peak RSS (the three nodes share one process). Run alone: make bench-failover.
func BenchmarkMassFailover(b *testing.B) {
	n, nodes := fleetSize()
	counter := &hitCounter{hits: map[string][]time.Time{}}
	target := httptest.NewServer(counter)
	defer target.Close()
	for range b.N {
		c := startFleet(b, n, nodes, target.URL)
		// The victim: the follower with the most inputs.
		l := c.WaitLeader()
		victim, orphans := busiestFollower(c, l)
		survivors := []int{}
		for _, i := range c.Running() {
			if i != victim {
				survivors = append(survivors, i)
			}
		}
		termBefore := c.Node(l).Node.Status().Term
		cpu0 := cpuSeconds()
		killed := time.Now()
		c.Kill(victim)

		// Watch the survivors for 10 s: term changes and false failure marks of each other.
		var reassigned time.Duration
		falseMarks := map[string]bool{}
		for time.Since(killed) < 10*time.Second {
			for _, i := range survivors {
				st := c.Node(i).Node.Status()
				for _, m := range st.Members {
					for _, j := range survivors {
						if m.ID == c.Node(j).ID && j != i && m.Status != "alive" {
							falseMarks[c.Node(i).ID+" saw "+m.ID+" "+m.Status] = true
						}
					}
				}
			}
			if reassigned == 0 {
				left := 0
				if ll := c.Leader(); ll >= 0 {
					c.Node(ll).Node.Store().Read(func(st *store.State) {
						for _, in := range orphans {
							if st.Assignments[in.ID].Node == c.Node(victim).ID {
								left++
							}
						}
					})
					if left == 0 {
						reassigned = time.Since(killed)
					}
				}
			}
			time.Sleep(50 * time.Millisecond)
		}
		cpu := cpuSeconds() - cpu0
		_, hwm := rssMiB()
		termAfter := c.Node(survivors[0]).Node.Status().Term

		// Each orphan's first slot after the kill, and the one after: missed if the target never saw them.
		time.Sleep(2*fleetInterval + 2*time.Second)
		var missed, dueBefore int
		var lateMissed []time.Duration
		for _, in := range orphans {
			p := targetPath(b, in, target.URL)
			for s := worker.NextSlot(in.ID, fleetInterval, killed); s.Before(killed.Add(2 * fleetInterval)); s = s.Add(fleetInterval) {
				if reassigned > 0 && s.Before(killed.Add(reassigned)) {
					dueBefore++
				}
				if counter.gathers(p, s, fleetInterval) == 0 {
					missed++
					if reassigned > 0 && !s.Before(killed.Add(reassigned)) {
						// Due after the leader committed the move, yet missed: how long after.
						lateMissed = append(lateMissed, s.Sub(killed.Add(reassigned)))
					}
				}
			}
		}
		b.ReportMetric(float64(n), "inputs")
		b.ReportMetric(float64(len(orphans)), "orphans")
		b.ReportMetric(reassigned.Seconds(), "reassign-s")
		b.ReportMetric(float64(missed), "missed")
		b.ReportMetric(float64(dueBefore), "due-before-reassign")
		b.ReportMetric(float64(termAfter-termBefore), "term-changes")
		b.ReportMetric(float64(len(falseMarks)), "false-marks")
		b.ReportMetric(cpu/10, "cpu-cores-10s")
		b.ReportMetric(hwm, "peak-rss-MiB")
		if len(falseMarks) > 0 {
			b.Logf("false marks: %v", falseMarks)
		}
		if len(lateMissed) > 0 {
			slices.Sort(lateMissed)
			b.Logf("%d slots due after the reassignment missed, due %s to %s after it (median %s)", len(lateMissed),
				lateMissed[0].Round(time.Millisecond), lateMissed[len(lateMissed)-1].Round(time.Millisecond), lateMissed[len(lateMissed)/2].Round(time.Millisecond))
		}
		c.Close()
	}
}

// BenchmarkMassPlannedMove drains the busiest follower of the fleet (10,000 of 30,000 inputs move at once, as
// planned moves), then undrains it (about as many move back), and counts at the target, for the moved inputs,
// the slots missed and doubled from the decision until two intervals after the move took effect. It also
// reports how far ahead the leader stamped the move. Run alone: make bench-planned.
func BenchmarkMassPlannedMove(b *testing.B) {
	n, nodes := fleetSize()
	counter := &hitCounter{hits: map[string][]time.Time{}}
	target := httptest.NewServer(counter)
	defer target.Close()
	for range b.N {
		c := startFleet(b, n, nodes, target.URL)
		l := c.WaitLeader()
		node, moved := busiestFollower(c, l)
		id := c.Node(node).ID
		for _, step := range []struct {
			name, method string
			away         bool // the inputs leave node (drain) or come back (undrain)
		}{{"drain", http.MethodPost, true}, {"undrain", http.MethodDelete, false}} {
			cpu0 := cpuSeconds()
			decided := time.Now()
			if code, body := c.Do(l, step.method, "/v1/nodes/"+id+"/drain", nil); code != http.StatusOK {
				b.Fatalf("%s: %d %s", step.name, code, body)
			}
			var ins []store.Input
			var since time.Time
			c.WaitFor(step.name+" placed", time.Minute, func() error {
				ins, since = ins[:0], time.Time{}
				left := 0
				c.Node(l).Node.Store().Read(func(st *store.State) {
					for _, in := range moved {
						if st.Assignments[in.ID].Node == id {
							left++
						}
					}
					for inID, a := range st.Assignments {
						if a.Since.After(decided) { // stamped by this step's planned moves
							ins = append(ins, *st.Inputs[inID])
							since = a.Since
						}
					}
				})
				if step.away && left > 0 {
					return fmt.Errorf("%d inputs still on %s", left, id)
				}
				if !step.away && len(ins) == 0 {
					return fmt.Errorf("nothing moved back to %s yet", id)
				}
				return nil
			})
			waitAllRunning(c, n)
			time.Sleep(time.Until(since.Add(2*fleetInterval + 2*time.Second)))
			cpu := cpuSeconds() - cpu0
			_, hwm := rssMiB()
			var missed, doubled int
			for _, in := range ins {
				p := targetPath(b, in, target.URL)
				for s := worker.NextSlot(in.ID, fleetInterval, decided); s.Before(since.Add(2 * fleetInterval)); s = s.Add(fleetInterval) {
					switch g := counter.gathers(p, s, fleetInterval); {
					case g == 0:
						missed++
					case g > 1:
						doubled += g - 1
					}
				}
			}
			for _, g := range c.Node(l).Node.Store().Generations(0) {
				if g.At.Before(decided) {
					break
				}
				reasons := map[string]int{}
				for _, m := range g.Moves {
					reasons[m.Reason]++
				}
				b.Logf("%s: generation %d at +%s moved %d %v", step.name, g.Generation, g.At.Sub(decided).Round(time.Millisecond), g.Total, reasons)
			}
			b.ReportMetric(float64(len(ins)), step.name+"-moved")
			b.ReportMetric(since.Sub(decided).Seconds(), step.name+"-stamped-ahead-s")
			b.ReportMetric(float64(missed), step.name+"-missed")
			b.ReportMetric(float64(doubled), step.name+"-doubled")
			b.ReportMetric(cpu/time.Since(decided).Seconds(), step.name+"-cpu-cores")
			b.ReportMetric(hwm, "peak-rss-MiB")
		}
		b.ReportMetric(float64(n), "inputs")
		c.Close()
	}
}
