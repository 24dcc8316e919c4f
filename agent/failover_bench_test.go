package agent_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
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

// gatheredAfter reports whether path was probed within [slot, slot+iv).
func (h *hitCounter) gathered(path string, slot time.Time, iv time.Duration) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, at := range h.hits[path] {
		if !at.Before(slot) && at.Before(slot.Add(iv)) {
			return true
		}
	}
	return false
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
	n := 30000
	if v := os.Getenv("FAILOVER_INPUTS"); v != "" {
		fmt.Sscan(v, &n)
	}
	const iv = 30 * time.Second
	counter := &hitCounter{hits: map[string][]time.Time{}}
	target := httptest.NewServer(counter)
	defer target.Close()
	for range b.N {
		c := testcluster.New(b, testcluster.Options{Nodes: 3, Sink: func(string) worker.Sink { return nil }})
		l := c.WaitLeader()
		cl, err := client.New(c.Node(l).URL(), client.WithHTTPClient(&http.Client{Timeout: 5 * time.Minute}))
		if err != nil {
			b.Fatal(err)
		}
		var doc strings.Builder
		for t := 0; t*500 < n; t++ {
			fmt.Fprintf(&doc, "[[inputs.http_response]]\n  alias = \"w%03d\"\n  interval = \"30s\"\n  urls = [", t)
			for i := t * 500; i < min(n, (t+1)*500); i++ {
				if i > t*500 {
					doc.WriteString(",")
				}
				fmt.Fprintf(&doc, "%q", fmt.Sprintf("%s/%d", target.URL, i))
			}
			doc.WriteString("]\n")
		}
		if _, err := cl.ApplyTOML(context.Background(), []byte(doc.String())); err != nil {
			b.Fatal(err)
		}
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
		// The victim: the follower with the most inputs.
		l = c.WaitLeader()
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
		orphans := owned[victim]
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
		time.Sleep(2*iv + 2*time.Second)
		var missed, dueBefore int
		for _, in := range orphans {
			var cfg struct{ Urls []string }
			if err := json.Unmarshal(in.Config, &cfg); err != nil || len(cfg.Urls) != 1 {
				b.Fatalf("%s: config %s", in.ID, in.Config)
			}
			p := strings.TrimPrefix(cfg.Urls[0], target.URL)
			for s := worker.NextSlot(in.ID, iv, killed); s.Before(killed.Add(2 * iv)); s = s.Add(iv) {
				if reassigned > 0 && s.Before(killed.Add(reassigned)) {
					dueBefore++
				}
				if !counter.gathered(p, s, iv) {
					missed++
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
		c.Close()
	}
}
