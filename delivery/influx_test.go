package delivery

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatherd/gatherd/diskqueue"
	"github.com/gatherd/gatherd/testcluster"
)

// outage is how long InfluxDB is down: GATHERD_OUTAGE (make test-outage runs the 60s), else 21s to keep
// make test short.
func outage(t *testing.T) time.Duration {
	if s := os.Getenv("GATHERD_OUTAGE"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			t.Fatalf("GATHERD_OUTAGE: %v", err)
		}
		return d
	}
	return 21 * time.Second
}

func influxOutputs(db *testcluster.InfluxDB) string {
	return fmt.Sprintf(`[agent]
  buffer_strategy = "disk"

[[outputs.influxdb]]
  urls = [%q]
  database = "gatherd"
  flush_interval = "1s"
  timeout = "2s"
`, db.URL)
}

// queued opens a stopped node's disk buffers and counts what they hold.
func queued(t *testing.T, n *node) int {
	t.Helper()
	dirs, _ := filepath.Glob(filepath.Join(n.dataDir, "outputs", "*"))
	total := 0
	for _, d := range dirs {
		q, err := diskqueue.Open(d, diskqueue.Options{Reserve: -1})
		if err != nil {
			t.Fatal(err)
		}
		total += q.Stats().Records
		_ = q.Close()
	}
	return total
}

// The InfluxDB cases 1-3 on one cluster of three processes, inputs at 1s: InfluxDB is stopped for
// the outage; a third into it one node is killed with kill -9 and started again on its data dir; two thirds
// into it another node gets SIGTERM (it hands its inputs over, its buffer stays on its disk) and stays down.
// Once InfluxDB is back, every slot the target saw is in InfluxDB but the SIGTERMed node's, which are exactly
// what its buffer holds; started again on its data dir, it delivers them: 0 lost.
func TestDiskBufferLosesNoSlotThroughAnOutageAKillAndAStop(t *testing.T) {
	began := time.Now()
	db := testcluster.StartInfluxDB(t)
	tg := newTarget(t)
	ns := startNodes(t, 3, influxOutputs(db), nil)
	const interval = time.Second
	ids := applyProbes(t, ns[0], tg, "web", 6, interval)
	t.Logf("binary built, InfluxDB and 3 nodes started, inputs gathering: %s", time.Since(began).Round(time.Millisecond))

	// Before the outage: everything arrives.
	from := time.Now()
	wait(t, "points in InfluxDB before the outage", 30*time.Second, func() error {
		m, probes := missingSlots(t, db, tg, ids, from, time.Now().Add(-2*interval), interval)
		if probes < 2*len(ids) || countMissing(m) > 0 {
			return fmt.Errorf("%d probes, missing %v", probes, m)
		}
		return nil
	})

	d := outage(t)
	db.Stop()
	t.Logf("InfluxDB down for %s", d)
	time.Sleep(d / 3)

	// Case 2: kill -9 during the outage, started again on the same data dir.
	a := owner(t, ns, ids[0])
	h := outputHealth(t, a)
	if h.Buffer != "disk" || h.Buffered == 0 || h.BytesOnDisk == 0 || h.WriteErrors == 0 || h.LastError == "" || h.OldestPointAge < 1 {
		t.Fatalf("%s's output health during the outage: %+v", a.id, h)
	}
	t.Logf("%s killed with %d metrics buffered (%d bytes, oldest %.1fs)", a.id, h.Buffered, h.BytesOnDisk, h.OldestPointAge)
	// A gather in flight at the kill may have probed the target without its point reaching the buffer yet
	// (README: what a kill -9 can still take): at most one probe per input of the killed node, just before it.
	killed, onA := time.Now(), map[string]bool{}
	for _, id := range ids {
		onA[id] = owner(t, ns, id) == a
	}
	inFlight := func(m map[string][]time.Time) int {
		n := 0
		for id, ts := range m {
			for _, at := range ts {
				if onA[id] && !at.Before(killed.Add(-interval)) && !at.After(killed) {
					n++
					break
				}
			}
		}
		return n
	}
	a.kill()
	a.start()
	time.Sleep(d / 3)

	// Case 3: SIGTERM during the outage; the node stays down.
	var b *node
	for _, id := range ids {
		if o := owner(t, ns, id); o != a {
			b = o
			break
		}
	}
	if b == nil {
		t.Fatal("every input on the restarted node")
	}
	stopped := time.Now()
	b.term(45 * time.Second)
	stranded := queued(t, b)
	t.Logf("%s stopped (SIGTERM) in %s with %d metrics in its disk buffer", b.id, time.Since(stopped).Round(time.Millisecond), stranded)
	if stranded == 0 {
		t.Fatalf("%s stopped with an empty buffer during an outage", b.id)
	}
	time.Sleep(max(0, d-time.Since(from)+3*time.Second))

	db.Start()
	to := time.Now()
	back := time.Now()
	// Everything but the stopped node's buffer arrives.
	var missing map[string][]time.Time
	var probes int
	if err := testcluster.Poll(90*time.Second, func() error {
		missing, probes = missingSlots(t, db, tg, ids, from, to, interval)
		if n := countMissing(missing) - inFlight(missing); n > stranded {
			return fmt.Errorf("%d of %d slots missing, %d on the stopped node: %v", n, probes, stranded, missing)
		}
		return nil
	}); err != nil {
		explainMissing(t, db, missing)
		t.Fatalf("every slot but the stopped node's in InfluxDB: not within 90s: %v", err)
	}
	if k := inFlight(missing); k > 0 {
		t.Logf("%d probes in flight when %s was killed have no point (the kill -9 window)", k, a.id)
	}
	t.Logf("InfluxDB back: the running nodes' backlog delivered in %s; %d of %d slots missing, all in %s's buffer",
		time.Since(back).Round(time.Millisecond), countMissing(missing), probes, b.id)
	if n := countMissing(missing) - inFlight(missing); n != stranded {
		explainMissing(t, db, missing)
		t.Fatalf("%d slots missing, but the stopped node holds %d: %v", n, stranded, missing)
	}

	// The stopped node comes back on its data dir: its buffer is delivered.
	b.start()
	if err := testcluster.Poll(60*time.Second, func() error {
		missing, probes = missingSlots(t, db, tg, ids, from, to, interval)
		if n := countMissing(missing) - inFlight(missing); n > 0 {
			return fmt.Errorf("%d of %d slots missing: %v", n, probes, missing)
		}
		return nil
	}); err != nil {
		explainMissing(t, db, missing)
		t.Fatalf("the stopped node's buffer in InfluxDB: not within 60s: %v", err)
	}
	t.Logf("%d of %d slots lost (%d in flight at the kill -9)", countMissing(missing), probes, inFlight(missing))
	for _, n := range ns {
		if h := outputHealth(t, n); h.Dropped != 0 {
			t.Errorf("%s dropped %d metrics: %+v", n.id, h.Dropped, h)
		}
	}
}
