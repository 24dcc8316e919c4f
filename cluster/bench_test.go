package cluster_test

import (
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gatherd/gatherd/cluster"
	"github.com/gatherd/gatherd/testcluster"
	"github.com/gatherd/gatherd/tlsutil"
)

// These benchmarks print figures; they assert nothing about time. Run them with `make bench`.

func runs(def int) int {
	if v, err := strconv.Atoi(os.Getenv("GATHERD_BENCH_RUNS")); err == nil && v > 0 {
		return v
	}
	return def
}

func percentiles(b *testing.B, name string, d []time.Duration) {
	slices.Sort(d)
	p := func(q float64) time.Duration { return d[min(len(d)-1, int(q*float64(len(d))))] }
	b.ReportMetric(p(0.5).Seconds(), name+"-p50-s")
	b.ReportMetric(p(0.99).Seconds(), name+"-p99-s")
	b.ReportMetric(d[len(d)-1].Seconds(), name+"-worst-s")
	b.Logf("%s over %d runs: p50 %s, p99 %s, worst %s, all %v", name, len(d), p(0.5), p(0.99), d[len(d)-1], d)
}

// orphansBack kills node victim and returns how long until every input it owned was gathered by a survivor.
func orphansBack(b *testing.B, c *testcluster.Cluster, ids []string, victim int) time.Duration {
	own := ownersVia(b, c, c.WaitLeader())
	dead := c.Node(victim).ID
	var orphans []string
	for _, id := range ids {
		if own[id] == dead {
			orphans = append(orphans, id)
		}
	}
	killed := time.Now()
	c.Kill(victim)
	var last time.Time
	c.WaitFor("orphans gathered by survivors", testcluster.DefaultWait, func() error {
		last = time.Time{}
		for _, id := range orphans {
			var first time.Time
			for _, h := range c.Recorder.Hits(id) {
				if h.Node != dead && h.At.After(killed) {
					first = h.At
					break
				}
			}
			if first.IsZero() {
				return fmt.Errorf("%s not gathered yet", id)
			}
			if first.After(last) {
				last = first
			}
		}
		return nil
	})
	return last.Sub(killed)
}

// failover measures kill -> every orphan gathering again, for a follower or the leader, restarting the
// victim between runs. Inputs gather every 100 ms so the slot wait adds at most 0.1 s.
func failover(b *testing.B, killLeader bool) []time.Duration {
	c := testcluster.New(b, testcluster.Options{Nodes: 3})
	var ids []string
	var specs []map[string]any
	for i := range 60 {
		id := fmt.Sprintf("f-%02d", i)
		ids = append(ids, id)
		specs = append(specs, testcluster.RecordSpec(id, 100*time.Millisecond))
	}
	if code, body := c.Do(c.WaitLeader(), http.MethodPost, "/v1/inputs", map[string]any{"inputs": specs}); code != http.StatusOK {
		b.Fatalf("apply: %d %s", code, body)
	}
	var out []time.Duration
	for range runs(10) {
		waitRunning(b, c, ids)
		l := c.WaitLeader()
		victim := (l + 1) % 3
		if killLeader {
			victim = l
		}
		out = append(out, orphansBack(b, c, ids, victim))
		c.Restart(victim)
	}
	return out
}

func BenchmarkFailover(b *testing.B) {
	for range b.N {
		percentiles(b, "follower-kill", failover(b, false))
	}
}

func BenchmarkLeaderFailover(b *testing.B) {
	for range b.N {
		percentiles(b, "leader-kill", failover(b, true))
	}
}

// BenchmarkLeaderKillToWrites measures leader kill -> a write accepted by the new leader.
func BenchmarkLeaderKillToWrites(b *testing.B) {
	for range b.N {
		c := testcluster.New(b, testcluster.Options{Nodes: 3})
		var d []time.Duration
		for r := range runs(10) {
			l := c.WaitLeader()
			via := (l + 1) % 3
			killed := time.Now()
			c.Kill(l)
			id := fmt.Sprintf("w-%d", r)
			c.WaitFor("a write after the leader kill", testcluster.DefaultWait, func() error {
				code, body, err := c.TryDo(via, http.MethodPut, "/v1/inputs/"+id, testcluster.RecordSpec(id, time.Second))
				if err != nil || code != http.StatusOK {
					return fmt.Errorf("%d %s %v", code, body, err)
				}
				return nil
			})
			d = append(d, time.Since(killed))
			c.Restart(l)
			c.WaitLeader()
		}
		percentiles(b, "kill-to-write", d)
	}
}

// writes measures durable writes per second through the leader: sequential single PUTs, 8 concurrent
// clients, and batches of 100 inputs in one raft entry.
func writes(b *testing.B, configure func(int, *cluster.Config), label string) map[string]float64 {
	c := testcluster.New(b, testcluster.Options{Nodes: 3, Configure: configure})
	l := c.WaitLeader()
	out := map[string]float64{}
	const n = 300
	start := time.Now()
	for i := range n {
		id := fmt.Sprintf("s-%d", i)
		if code, body := c.Do(l, http.MethodPut, "/v1/inputs/"+id, testcluster.RecordSpec(id, time.Hour)); code != http.StatusOK {
			b.Fatalf("%d %s", code, body)
		}
	}
	out["single"] = n / time.Since(start).Seconds()

	start = time.Now()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range n / 8 {
				id := fmt.Sprintf("c-%d-%d", w, i)
				if code, _, err := c.TryDo(l, http.MethodPut, "/v1/inputs/"+id, testcluster.RecordSpec(id, time.Hour)); err != nil || code != http.StatusOK {
					b.Errorf("concurrent write: %d %v", code, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	out["concurrent8"] = float64(n/8*8) / time.Since(start).Seconds()

	start = time.Now()
	const batches, per = 20, 100
	for i := range batches {
		var specs []map[string]any
		for j := range per {
			specs = append(specs, testcluster.RecordSpec(fmt.Sprintf("b-%d-%d", i, j), time.Hour))
		}
		if code, body := c.Do(l, http.MethodPost, "/v1/inputs", map[string]any{"inputs": specs}); code != http.StatusOK {
			b.Fatalf("%d %s", code, body)
		}
	}
	out["batched-inputs"] = batches * per / time.Since(start).Seconds()
	for k, v := range out {
		b.ReportMetric(v, label+"-"+k+"-writes/s")
	}
	return out
}

// BenchmarkWrites compares plain TCP with mutual TLS between the nodes in one run.
func BenchmarkWrites(b *testing.B) {
	dir := b.TempDir()
	if err := tlsutil.GenerateCA(dir); err != nil {
		b.Fatal(err)
	}
	confs := map[int]*tlsutil.Config{}
	for i := range 3 {
		name := fmt.Sprintf("node%d", i+1)
		if err := tlsutil.GenerateNodeCert(dir, name, []string{"127.0.0.1"}); err != nil {
			b.Fatal(err)
		}
		cert, key := tlsutil.NodeFiles(dir, name)
		conf, err := tlsutil.Load(cert, key, dir+"/"+tlsutil.CAFile)
		if err != nil {
			b.Fatal(err)
		}
		confs[i] = conf
	}
	for range b.N {
		plain := writes(b, nil, "plain")
		tls := writes(b, func(i int, cfg *cluster.Config) { cfg.TLS = confs[i].Peer() }, "tls")
		for k := range plain {
			b.ReportMetric(tls[k]/plain[k], "tls/plain-"+k)
			b.Logf("%s: plain %.0f/s, mutual TLS %.0f/s, ratio %.2f", k, plain[k], tls[k], tls[k]/plain[k])
		}
	}
}
