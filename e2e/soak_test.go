//go:build e2e

package e2e

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatherd/gatherd/wire"
)

// soakIntervals are the soak's inputs: 1 s for the finest failover figures, 10 s as most real inputs run.
var soakIntervals = []time.Duration{time.Second, 10 * time.Second}

// soakFault is one kind of fault the soak injects. Each is one of the chaos suite's scenarios, which judges
// its own guarantees (a crash, a freeze or a cut costs an input at most the crash allowance and doubles none;
// a restart or a scale is planned: nothing missed or doubled) and fails its subtest when one is broken.
type soakFault struct {
	name string
	run  func(t *testing.T)
}

// soakRow sums one fault kind over the soak. Slots count every input's slots from the fault's start to the
// end of its scenario (which waits for the cluster to be stable again).
type soakRow struct {
	count, slots, missed, doubled, broken int
}

// nodeSample is what a node's /metrics says of its process.
type nodeSample struct{ rss, goroutines float64 }

// TestSoak injects a random fault every 30-60 s for GATHERD_SOAK_DURATION (make soak DURATION=1h; SOAK_FAULTS
// or GATHERD_SOAK_FAULTS, comma-separated, limits the kinds) against
// the compose cluster, with inputs at 1 s and 10 s, and writes a table per fault kind into e2e/results.md:
// count, slots missed and doubled, runs that broke a guarantee, inputs lost, and each voter's memory and
// goroutines at the start and the end.
func TestSoak(t *testing.T) {
	raw := os.Getenv("GATHERD_SOAK_DURATION")
	if raw == "" {
		t.Skip("the soak runs with `make soak DURATION=1h`")
	}
	dur, err := time.ParseDuration(raw)
	if err != nil || dur <= 0 {
		t.Fatalf("GATHERD_SOAK_DURATION=%q: want a duration such as 1h", raw)
	}
	s := setup(t)
	s.budget = dur + 15*time.Minute
	s.applyInputs(soakIntervals...)
	s.baseline()
	before := s.voterSamples()

	pick := func(ps ...func() string) func() string { return ps[rand.IntN(len(ps))] }
	faults := []soakFault{
		{"kill", func(t *testing.T) { s.crash(t, "soak kill", pick(s.pickFollowerVoter, s.pickLeader, s.pickWorker)) }},
		{"pause", func(t *testing.T) { s.freeze(t, "soak pause", pick(s.pickFollowerVoter, s.pickLeader)) }},
		{"network cut", func(t *testing.T) { s.partition(t, "soak network cut", pick(s.pickFollowerVoter, s.pickLeader)) }},
		{"restart every node", s.restartAll},
		{"scale up and down", s.scale},
	}
	if only := os.Getenv("GATHERD_SOAK_FAULTS"); only != "" { // e.g. "pause,network cut": to try some kinds alone
		faults = slices.DeleteFunc(faults, func(f soakFault) bool { return !slices.Contains(strings.Split(only, ","), f.name) })
		if len(faults) == 0 {
			t.Fatalf("GATHERD_SOAK_FAULTS=%q names no fault kind", only)
		}
	}
	rows := map[string]*soakRow{}
	end := time.Now().Add(dur)
	for k := 1; ; k++ {
		gap := 30*time.Second + rand.N(30*time.Second)
		if time.Now().Add(gap).After(end) {
			break
		}
		time.Sleep(gap)
		f := faults[rand.IntN(len(faults))]
		from := time.Now()
		ok := t.Run(fmt.Sprintf("%03d %s", k, f.name), func(t *testing.T) {
			s.t, s.project.t = t, t
			f.run(t)
		})
		s.t, s.project.t = t, t
		tl := s.tallyWindow(from, time.Now().Add(-time.Second))
		r := rows[f.name]
		if r == nil {
			r = &soakRow{}
			rows[f.name] = r
		}
		r.count++
		r.slots += tl.Slots
		r.missed += tl.Missed
		r.doubled += tl.Doubled
		if !ok {
			r.broken++
			if _, err := s.waitStable(2 * time.Minute); err != nil {
				t.Fatalf("cluster did not recover after %s: %v", f.name, err)
			}
		}
	}

	var list wire.InputList
	if err := getJSON(s.voterAPI()+"/v1/inputs", &list); err != nil {
		t.Fatal(err)
	}
	lost := len(s.ids) + 1 - len(list.Inputs) // the counted inputs and the scrape
	if lost != 0 {
		t.Errorf("%d inputs lost: %d listed, %d applied", lost, len(list.Inputs), len(s.ids)+1)
	}
	after := s.voterSamples()

	var b strings.Builder
	fmt.Fprintf(&b, "## Soak\n\n%s, `make soak DURATION=%s`, project %s, %d inputs at %v, a fault every 30-60 s.\n\n",
		time.Now().Format(time.RFC3339), dur, s.name, len(s.ids), soakIntervals)
	b.WriteString("| fault | count | slots | missed | doubled | runs that broke a guarantee |\n| --- | --- | --- | --- | --- | --- |\n")
	for _, f := range faults {
		if r := rows[f.name]; r != nil {
			fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %d |\n", f.name, r.count, r.slots, r.missed, r.doubled, r.broken)
		}
	}
	fmt.Fprintf(&b, "\nInputs lost: %d. Guarantees, each judged by its scenario: a kill, pause or cut costs an input at most %d "+
		"slot(s) at 1 s and %d at 10 s and doubles none; a scale misses and doubles nothing; restarting every node at once "+
		"is an outage of the whole cluster (its slots are missed), after which no input is lost and every slot is gathered "+
		"once again.\n\n", lost, crashAllowance(time.Second), crashAllowance(10*time.Second))
	b.WriteString("| node | RSS start | RSS end | goroutines start | goroutines end |\n| --- | --- | --- | --- | --- |\n")
	for _, n := range []string{"node1", "node2", "node3"} {
		fmt.Fprintf(&b, "| %s | %.1f MiB | %.1f MiB | %.0f | %.0f |\n", n, before[n].rss/(1<<20), after[n].rss/(1<<20), before[n].goroutines, after[n].goroutines)
	}
	t.Log("\n" + b.String())
	s.writeResults("", b.String())
}

// voterSamples reads RSS and goroutines from node1..3's /metrics (workers come and go with the scaling).
func (s *suite) voterSamples() map[string]nodeSample {
	out := map[string]nodeSample{}
	for _, n := range []string{"node1", "node2", "node3"} {
		api, err := s.addr(s.one(n))
		if err != nil {
			s.t.Logf("%s: %v", n, err)
			continue
		}
		resp, err := httpc.Get(api + "/metrics")
		if err != nil {
			s.t.Logf("%s /metrics: %v", n, err)
			continue
		}
		var smp nodeSample
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			name, val, ok := strings.Cut(sc.Text(), " ")
			if !ok {
				continue
			}
			v, _ := strconv.ParseFloat(val, 64)
			switch name {
			case "process_resident_memory_bytes":
				smp.rss = v
			case "go_goroutines":
				smp.goroutines = v
			}
		}
		resp.Body.Close()
		out[n] = smp
	}
	return out
}
