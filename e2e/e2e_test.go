//go:build e2e

// Package e2e is gatherd's container chaos suite: it runs the repo's docker-compose.yml under a project name of
// its own, applies http_response inputs that probe the demo target, and then kills nodes, cuts one off the
// network, scales the worker service up and down and restarts every node, counting each input's gathers where
// they land (the target's GET /hits). Run it with `make e2e` (which builds the binary and the image first);
// it skips when no Docker daemon answers. Figures go to the test log and to e2e/results.md.
package e2e

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gatherd/gatherd/wire"
)

const (
	inputsPerInterval = 12 // http_response inputs at each of intervals
	fenceTimeout      = 3 * time.Second
	handoffDelay      = 2 * time.Second
	// failover is what a crash may cost an input beyond its current slot: gossip declares the node dead in about
	// a second and the leader moves its inputs at once (measured 0.9-1.3s). Inputs at intervals above it miss
	// at most one slot (the contract); a 1s input may miss two.
	failover = 1500 * time.Millisecond
	budget   = 13 * time.Minute
)

// intervals of the suite's inputs: the 1s ones show the finest failover times, the 2s ones the contract's
// "at most one missed slot on a crash" with room for crash detection.
var intervals = []time.Duration{time.Second, 2 * time.Second}

// current is the project to tear down when the test binary is interrupted.
var (
	currentMu sync.Mutex
	current   *project
)

func TestMain(m *testing.M) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		currentMu.Lock()
		p := current
		currentMu.Unlock()
		if p != nil {
			fmt.Fprintf(os.Stderr, "interrupted: removing compose project %s\n", p.name)
			p.down()
		}
		os.Exit(130)
	}()
	os.Exit(m.Run())
}

// figure is one row of the results table.
type figure struct{ scenario, what, value string }

type suite struct {
	*project
	t          *testing.T
	start      time.Time
	ivs        map[string]time.Duration // counted inputs (http_response on the target) and their intervals
	intervals  []time.Duration          // the distinct intervals of ivs, ascending
	ids        []string
	target     string // http://127.0.0.1:<port> of the demo target
	secrets    string // the project's deploy/secrets.sh folder
	nodes      int    // agents expected alive
	figures    []figure
	recovery   []time.Duration // per kill: until all the victim's inputs gathered again
	reassigned []time.Duration // per kill: until the assignment showed none of them on the victim
	// crashMissed is the most slots one input missed in a crash, per interval.
	crashMissed map[time.Duration]int
	budget      time.Duration // the whole run's; waits never outlast it
}

func (s *suite) fig(scenario, what, format string, args ...any) {
	v := fmt.Sprintf(format, args...)
	s.figures = append(s.figures, figure{scenario, what, v})
	s.t.Logf("FIGURE %-22s %-58s %s", scenario, what, v)
}

func (s *suite) remaining() time.Duration { return time.Until(s.start.Add(s.budget)) }

func TestChaos(t *testing.T) {
	if testing.Short() {
		t.Skip("chaos suite: not with -short")
	}
	s := setup(t)
	s.applyInputs(intervals...)
	s.baseline()

	scenarios := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"security", s.secured},
		{"kill-follower", func(t *testing.T) { s.crash(t, "kill follower voter", s.pickFollowerVoter) }},
		{"kill-leader", func(t *testing.T) { s.crash(t, "kill leader", s.pickLeader) }},
		{"kill-worker", func(t *testing.T) { s.crash(t, "kill worker", s.pickWorker) }},
		{"kill-leader-again", func(t *testing.T) { s.crash(t, "kill leader", s.pickLeader) }},
		{"kill-busiest", func(t *testing.T) { s.crash(t, "kill busiest node", s.pickBusiest) }},
		{"partition-follower", func(t *testing.T) { s.partition(t, "partition follower", s.pickFollowerVoter) }},
		{"partition-leader", func(t *testing.T) { s.partition(t, "partition leader", s.pickLeader) }},
		{"freeze-follower", func(t *testing.T) { s.freeze(t, "freeze follower", s.pickFollowerVoter) }},
		{"freeze-leader", func(t *testing.T) { s.freeze(t, "freeze leader", s.pickLeader) }},
		{"scale", s.scale},
		{"restart-all", s.restartAll},
	}
	for _, sc := range scenarios {
		if s.remaining() < time.Minute {
			t.Errorf("time budget used up before %s", sc.name)
			break
		}
		ok := t.Run(sc.name, func(t *testing.T) {
			s.t, s.project.t = t, t // helpers fail the scenario that calls them
			sc.run(t)
		})
		s.t, s.project.t = t, t
		if !ok {
			// The next scenario starts from a stable cluster or not at all.
			if _, err := s.waitStable(time.Minute); err != nil {
				t.Fatalf("cluster did not recover after %s: %v", sc.name, err)
			}
		}
	}
	s.report()
}

// setup starts the compose project: node1..3, one worker and the target.
func setup(t *testing.T) *suite {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	base := cleanEnv()
	p := &project{t: t, root: root, env: base, ports: map[string]string{}}
	if _, err := p.docker("info", "--format", "{{.ServerVersion}}"); err != nil {
		t.Skipf("no Docker daemon: %v", err)
	}
	if p.compose, err = findCompose(); err != nil {
		t.Skip(err)
	}
	image := os.Getenv("GATHERD_IMAGE")
	if image == "" {
		image = "gatherd:dev"
	}
	if _, err := p.docker("image", "inspect", image); err != nil {
		t.Fatalf("image %s not found: build it with `make image` (or run `make e2e`)", image)
	}
	p.name = os.Getenv("GATHERD_E2E_PROJECT")
	if p.name == "" {
		p.name = "gatherd-e2e-" + randSuffix()
	}
	p.network = p.name + "_default"
	// Secrets of the project's own, as `make up` makes them for the user's: the suite runs the cluster secured.
	secrets := t.TempDir()
	gen := exec.Command(filepath.Join(root, "deploy", "secrets.sh"), secrets)
	gen.Env = append(os.Environ(), "GATHERD="+filepath.Join(root, "bin", "gatherd"))
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("deploy/secrets.sh: %v\n%s", err, out)
	}
	if err := useSecrets(secrets); err != nil {
		t.Fatal(err)
	}
	currentMu.Lock()
	current = p
	currentMu.Unlock()
	t.Cleanup(func() {
		if t.Failed() || os.Getenv("GATHERD_E2E_KEEP_LOGS") != "" { // kept on success too when asked
			logs, _ := p.dc(time.Minute, "logs", "--no-color", "--timestamps")
			path := filepath.Join(root, "e2e", "logs-"+p.name+".txt")
			if err := os.WriteFile(path, []byte(logs), 0o644); err == nil {
				t.Logf("compose logs in %s", path)
			}
		}
		p.down()
		currentMu.Lock()
		current = nil
		currentMu.Unlock()
	})

	s := &suite{project: p, t: t, start: time.Now(), nodes: 4, secrets: secrets, crashMissed: map[time.Duration]int{}, budget: budget}
	t.Logf("compose %q, project %s, image %s", strings.Join(p.compose, " "), p.name, image)
	var upErr error
	tUp := time.Now()
	for attempt := 0; attempt < 5; attempt++ {
		subnet := fmt.Sprintf("10.%d.%d.0/24", 200+randInt(50), 1+randInt(250))
		p.env = append(append([]string{}, base...),
			"GATHERD_IMAGE="+image,
			"GATHERD_SECRETS="+secrets,
			"GATHERD_E2E_SUBNET="+subnet,
			"GATHERD_NODE1_API=127.0.0.1:", "GATHERD_NODE2_API=127.0.0.1:", "GATHERD_NODE3_API=127.0.0.1:",
			"GATHERD_TARGET_PORT=127.0.0.1:",
			"GATHERD_FENCE_TIMEOUT="+fenceTimeout.String(),
			"GATHERD_HANDOFF_DELAY="+handoffDelay.String(),
			"GATHERD_OUTPUTS=", // metrics are counted at the target; outputs would only fill the logs
		)
		_, upErr = p.dc(3*time.Minute, "up", "-d", "--scale", "worker=1", "node1", "node2", "node3", "worker", "target")
		if upErr == nil {
			t.Logf("up on subnet %s", subnet)
			break
		}
		if !strings.Contains(upErr.Error(), "overlap") && !strings.Contains(upErr.Error(), "Pool") {
			break
		}
		p.down() // that subnet is taken: try another
	}
	if upErr != nil {
		t.Fatal(upErr)
	}
	target, err := p.addr(p.one("target"))
	if err != nil {
		t.Fatal(err)
	}
	s.target = target
	if err := eventually(time.Minute, 500*time.Millisecond, func() error { return getJSON(target+"/healthz", &map[string]any{}) }); err != nil {
		t.Fatalf("demo target: %v", err)
	}
	if _, err := s.waitMembers(2 * time.Minute); err != nil {
		t.Fatalf("cluster did not form: %v", err)
	}
	s.fig("setup", "3 voters + 1 worker formed, from `compose up`", "%.1fs", time.Since(tUp).Seconds())
	return s
}

// cleanEnv is the environment without the user's compose and gatherd settings.
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "COMPOSE_") || strings.HasPrefix(kv, "GATHERD_") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

func randInt(n int) int { return rand.IntN(n) }

// --- inputs ---

func (s *suite) applyInputs(intervals ...time.Duration) {
	t := s.t
	s.ivs, s.intervals = map[string]time.Duration{}, intervals
	var specs []wire.InputSpec
	for _, iv := range intervals {
		for i := 1; i <= inputsPerInterval; i++ {
			id := fmt.Sprintf("e2e-%s-%02d", iv, i)
			s.ivs[id] = iv
			s.ids = append(s.ids, id)
			specs = append(specs, spec(id, "http_response", iv.String(),
				map[string]any{"urls": []string{"http://target:9000/probe/" + id}, "response_timeout": (iv * 8 / 10).String()}))
		}
	}
	// Not counted (the target does not count scrapes), but it keeps the prometheus parser running throughout.
	specs = append(specs, spec("e2e-scrape", "http", "5s",
		map[string]any{"urls": []string{"http://target:9000/metrics"}, "data_format": "prometheus"}))
	sort.Strings(s.ids)
	api := s.voterAPI()
	if err := eventually(time.Minute, time.Second, func() error {
		return postJSON(api+"/v1/inputs", wire.Batch{Inputs: specs}, nil)
	}); err != nil {
		t.Fatalf("apply inputs: %v", err)
	}
	t0 := time.Now()
	if _, err := s.waitStable(time.Minute); err != nil {
		t.Fatalf("inputs did not settle: %v", err)
	}
	s.fig("setup", fmt.Sprintf("%d inputs applied, all gathering at the target", len(specs)), "%.1fs", time.Since(t0).Seconds())
}

// baseline checks a quiet cluster: every slot gathered exactly once.
func (s *suite) baseline() {
	from := time.Now()
	time.Sleep(8 * time.Second)
	to := time.Now().Add(-time.Second)
	tl := s.tallyWindow(from, to)
	s.fig("baseline", "steady 7s: slots missed / doubled", "%d / %d of %d", tl.Missed, tl.Doubled, tl.Slots)
	if tl.Missed > 0 || tl.Doubled > 0 {
		s.t.Fatalf("steady state is not clean: %s", tl)
	}
}

func (s *suite) tallyWindow(from, to time.Time) slotTally {
	s.t.Helper()
	if wait := time.Until(to.Add(time.Second)); wait > 0 {
		time.Sleep(wait) // the last slot's probe has landed
	}
	h, err := fetchHits(s.target, from.Add(-5*time.Second))
	if err != nil {
		s.t.Fatalf("hits: %v", err)
	}
	return tally(h, s.ivs, from, to)
}

// --- cluster views ---

// voterAPI returns the API of the first of node1..3 that is running and answers /healthz.
func (s *suite) voterAPI(except ...string) string {
	s.t.Helper()
	var last error
	for attempt := 0; attempt < 20; attempt++ {
		for _, svc := range []string{"node1", "node2", "node3"} {
			if slices.Contains(except, svc) {
				continue
			}
			cs := s.containers(svc)
			if len(cs) != 1 || !cs[0].Running {
				continue
			}
			a, err := s.addr(cs[0])
			if err != nil {
				last = err
				continue
			}
			if err := getJSON(a+"/healthz", &map[string]any{}); err != nil {
				last = err
				continue
			}
			return a
		}
		time.Sleep(500 * time.Millisecond)
	}
	s.t.Fatalf("no voter answers: %v", last)
	return ""
}

func (s *suite) status(except ...string) (status, error) {
	var st status
	err := getJSON(s.voterAPI(except...)+"/v1/status", &st)
	return st, err
}

func (s *suite) assignments(except ...string) (assignments, error) {
	var a assignments
	err := getJSON(s.voterAPI(except...)+"/v1/assignments", &a)
	return a, err
}

// waitMembers waits until s.nodes members are alive with a leader, as the voters see it.
func (s *suite) waitMembers(timeout time.Duration, except ...string) (status, error) {
	var st status
	err := eventually(min(timeout, s.remaining()), 500*time.Millisecond, func() error {
		var err error
		if st, err = s.status(except...); err != nil {
			return err
		}
		if st.LeaderID == "" {
			return fmt.Errorf("%s knows no leader", st.NodeID)
		}
		if n := len(aliveMembers(st)); n != s.nodes {
			return fmt.Errorf("%d members alive, want %d: %+v", n, s.nodes, st.Members)
		}
		return nil
	})
	return st, err
}

func aliveMembers(st status) []string {
	var out []string
	for _, m := range st.Members {
		if m.Status == "alive" && m.State == "alive" && !m.Stopping {
			out = append(out, m.ID)
		}
	}
	sort.Strings(out)
	return out
}

// waitStable waits until s.nodes members are alive, every input is placed on an alive node, every alive node
// has inputs (they get none until ready), the placement has not changed for 2s, planned handoffs are done and
// the target sees every input gather.
func (s *suite) waitStable(timeout time.Duration, except ...string) (assignments, error) {
	var (
		a        assignments
		lastGen  uint64
		sameFrom time.Time
	)
	deadline := time.Now().Add(min(timeout, s.remaining()))
	err := eventually(time.Until(deadline), 500*time.Millisecond, func() error {
		st, err := s.waitMembers(time.Until(deadline), except...)
		if err != nil {
			return err
		}
		alive := aliveMembers(st)
		if a, err = s.assignments(except...); err != nil {
			return err
		}
		if len(a.Unassigned) > 0 {
			return fmt.Errorf("unassigned: %v", a.Unassigned)
		}
		for _, n := range alive {
			if len(a.Nodes[n]) == 0 {
				return fmt.Errorf("node %s has no inputs yet", n)
			}
		}
		for n := range a.Nodes {
			if !slices.Contains(alive, n) {
				return fmt.Errorf("inputs on %s, which is not alive", n)
			}
		}
		if a.Generation != lastGen {
			lastGen, sameFrom = a.Generation, time.Now()
			return fmt.Errorf("placement generation %d is new", a.Generation)
		}
		if time.Since(sameFrom) < 2*time.Second {
			return fmt.Errorf("placement generation %d settling", a.Generation)
		}
		return nil
	})
	if err != nil {
		return a, err
	}
	time.Sleep(handoffDelay) // a move decided in the last placement takes effect this long after it
	err = eventually(min(20*time.Second+2*slices.Max(s.intervals), time.Until(deadline)+5*time.Second), 500*time.Millisecond, func() error {
		since := time.Now().Add(-2*slices.Max(s.intervals) - time.Second)
		h, err := fetchHits(s.target, since)
		if err != nil {
			return err
		}
		var silent []string
		for _, id := range s.ids {
			if len(h[id]) == 0 {
				silent = append(silent, id)
			}
		}
		if len(silent) > 0 {
			return fmt.Errorf("inputs not gathering at the target: %v", silent)
		}
		return nil
	})
	return a, err
}

func (s *suite) leaderID() string {
	st, err := s.waitMembers(30 * time.Second)
	if err != nil {
		s.t.Fatal(err)
	}
	return st.LeaderID
}

// pickers return the node ID to hit.

func (s *suite) pickLeader() string { return s.leaderID() }

// pickFollowerVoter returns a raft voter that is not the leader (voters can move: a voter that stops is
// replaced by a non-voter).
func (s *suite) pickFollowerVoter() string {
	st, err := s.waitMembers(30 * time.Second)
	if err != nil {
		s.t.Fatal(err)
	}
	var ids []string
	for _, m := range st.Members {
		if m.Voter && m.ID != st.LeaderID && slices.Contains(aliveMembers(st), m.ID) {
			ids = append(ids, m.ID)
		}
	}
	if len(ids) == 0 {
		s.t.Fatalf("no follower voter: %+v", st.Members)
	}
	sort.Strings(ids)
	return ids[0]
}

// pickWorker returns a worker container's node, one that is not the leader if there is one.
func (s *suite) pickWorker() string {
	leader := s.leaderID()
	var ids []string
	for _, w := range s.containers("worker") {
		if w.Running {
			ids = append(ids, w.Hostname)
		}
	}
	if len(ids) == 0 {
		s.t.Fatal("no worker running")
	}
	for _, id := range ids {
		if id != leader {
			return id
		}
	}
	return ids[0]
}

func (s *suite) pickBusiest() string {
	a, err := s.assignments()
	if err != nil {
		s.t.Fatal(err)
	}
	best, n := "", -1
	ids := make([]string, 0, len(a.Nodes))
	for id := range a.Nodes {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if len(a.Nodes[id]) > n {
			best, n = id, len(a.Nodes[id])
		}
	}
	return best
}

func (s *suite) agent(id string) container {
	s.t.Helper()
	c, ok := s.agents()[id]
	if !ok {
		s.t.Fatalf("no running container for node %s", id)
	}
	return c
}

// counted returns the counted inputs among ids.
func (s *suite) withInterval(iv time.Duration) map[string]time.Duration {
	out := map[string]time.Duration{}
	for id, v := range s.ivs {
		if v == iv {
			out[id] = v
		}
	}
	return out
}

// crashAllowance is how many slots an input at interval iv may miss when its node crashes.
func crashAllowance(iv time.Duration) int {
	return max(1, int((failover+iv-1)/iv))
}

func (s *suite) counted(ids []string) []string {
	var out []string
	for _, id := range ids {
		if _, ok := s.ivs[id]; ok {
			out = append(out, id)
		}
	}
	return out
}

// waitGathering waits until every input of ids has a probe at the target after t and returns when the last
// one first did.
func (s *suite) waitGathering(ids []string, t time.Time, timeout time.Duration) (time.Time, error) {
	var last time.Time
	err := eventually(timeout, 200*time.Millisecond, func() error {
		h, err := fetchHits(s.target, t)
		if err != nil {
			return err
		}
		first := firstAfter(h, ids, t)
		last = time.Time{}
		var missing []string
		for _, id := range ids {
			f, ok := first[id]
			if !ok {
				missing = append(missing, id)
				continue
			}
			if f.After(last) {
				last = f
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("%d inputs not gathering again: %v", len(missing), missing)
		}
		return nil
	})
	return last, err
}

// --- scenarios ---

// crash kills a node with SIGKILL, measures until all its inputs gather again at the target, starts it again
// and checks: at most crashMaxMissed missed slots per input and none doubled through the crash, none missed or
// doubled while the node rejoins (planned moves).
func (s *suite) crash(t *testing.T, label string, pick func() string) {
	before, err := s.waitStable(time.Minute)
	if err != nil {
		t.Fatalf("not stable before the kill: %v", err)
	}
	victim := pick()
	c := s.agent(victim)
	owned := s.counted(before.Nodes[victim])
	leader := s.leaderID()
	t.Logf("killing %s (%s, leader %s) with %d inputs", victim, c.Name, leader, len(owned))

	t0 := time.Now()
	s.mustDocker("kill", c.ID)
	s.forget(c.ID)
	reassigned := s.awaitReassigned(victim, c.Service, t0)
	last, err := s.waitGathering(owned, t0, 30*time.Second)
	if err != nil {
		t.Fatalf("after killing %s: %v", victim, err)
	}
	rec := max(last.Sub(t0), 0)
	s.recovery = append(s.recovery, rec)
	s.reassigned = append(s.reassigned, reassigned)
	s.fig(label, fmt.Sprintf("%s: its %d inputs reassigned / all gathering again", victim, len(owned)),
		"%.2fs / %.2fs", reassigned.Seconds(), rec.Seconds())

	tStart := time.Now()
	s.mustDocker("start", c.ID)
	s.forget(c.ID)
	if _, err := s.waitStable(90 * time.Second); err != nil {
		t.Fatalf("%s did not rejoin: %v", victim, err)
	}
	rejoined := time.Since(tStart)
	tEnd := time.Now().Add(-time.Second)

	crashT := s.judgeOutage(t, label, "crash", victim, owned, t0, tStart)
	for _, iv := range s.intervals {
		sub := tally(crashT.Hits, s.withInterval(iv), t0.Add(-time.Second), tStart)
		s.crashMissed[iv] = max(s.crashMissed[iv], sub.MaxMissed)
	}
	rejoinT := s.tallyWindow(tStart, tEnd)
	s.fig(label, fmt.Sprintf("rejoin (%.1fs): missed / doubled", rejoined.Seconds()), "%d / %d of %d", rejoinT.Missed, rejoinT.Doubled, rejoinT.Slots)
	if rejoinT.Missed > 0 || rejoinT.Doubled > 0 {
		t.Errorf("rejoin of %s (planned moves): %s; want none missed or doubled", victim, rejoinT)
	}
}

// awaitReassigned waits until the leader has moved every input off victim (asking a node of another
// service) and returns how long that took from t0.
func (s *suite) awaitReassigned(victim, service string, t0 time.Time) time.Duration {
	var reassigned time.Duration
	_ = eventually(20*time.Second, 100*time.Millisecond, func() error {
		a, err := s.assignments(service)
		if err != nil {
			return err
		}
		if len(a.Nodes[victim]) > 0 || len(a.Unassigned) > 0 {
			return fmt.Errorf("not moved yet")
		}
		reassigned = time.Since(t0)
		return nil
	})
	return reassigned
}

// judgeOutage counts the slots from a second before t0 (the victim went away) to end and checks what a crash
// may cost: at most the crash allowance missed per input, only the victim's inputs missing any, none doubled.
func (s *suite) judgeOutage(t *testing.T, label, what, victim string, owned []string, t0, end time.Time) slotTally {
	from := t0.Add(-time.Second)
	all := s.tallyWindow(from, end)
	var perIv []string
	for _, iv := range s.intervals {
		sub := tally(all.Hits, s.withInterval(iv), from, end)
		perIv = append(perIv, fmt.Sprintf("%s: %d (max %d/input)", iv, sub.Missed, sub.MaxMissed))
		if allowed := crashAllowance(iv); sub.MaxMissed > allowed {
			t.Errorf("%s of %s: %s inputs: %s; want at most %d missed per input", what, victim, iv, sub, allowed)
		}
	}
	s.fig(label, what+": missed slots by interval / doubled", "%s / %d of %d", strings.Join(perIv, ", "), all.Doubled, all.Slots)
	if all.Doubled > 0 {
		t.Errorf("%s of %s: %s; want none doubled", what, victim, all)
	}
	for id := range all.PerInput {
		if !slices.Contains(owned, id) {
			t.Errorf("%s of %s: input %s, which ran elsewhere, missed slots: %s", what, victim, id, all)
		}
	}
	return all
}

// localOf asks a node's own API through docker exec (it works while the node is cut off the network).
func (s *suite) localOf(c container) (local, error) {
	var l local
	out, err := s.docker("exec", c.ID, "/gatherd", "local", "-o", "json")
	if err != nil {
		return l, err
	}
	err = jsonUnmarshal(out, &l)
	return l, err
}

func gathersOf(l local) map[string]uint64 {
	out := map[string]uint64{}
	for _, in := range l.Inputs {
		out[in.ID] = in.Gathers
	}
	return out
}

// partition cuts a node off the compose network: the majority takes its inputs over, the node fences itself
// within the fence timeout and stops gathering, nothing runs twice after it, and reconnecting heals.
func (s *suite) partition(t *testing.T, label string, pick func() string) {
	before, err := s.waitStable(time.Minute)
	if err != nil {
		t.Fatalf("not stable before the partition: %v", err)
	}
	victim := pick()
	c := s.agent(victim)
	owned := s.counted(before.Nodes[victim])
	var aliases []string
	{
		var nets map[string]struct{ Aliases []string }
		out := s.mustDocker("inspect", "--format", "{{json .NetworkSettings.Networks}}", c.ID)
		if err := jsonUnmarshal(out, &nets); err != nil {
			t.Fatal(err)
		}
		for _, a := range nets[s.network].Aliases {
			if a != c.ID[:12] {
				aliases = append(aliases, a)
			}
		}
	}
	if c.IP == "" {
		t.Fatalf("%s has no IP on %s", c.Name, s.network)
	}
	t.Logf("cutting %s (%s, %s) off %s with %d inputs", victim, c.Name, c.IP, s.network, len(owned))

	t0 := time.Now()
	s.mustDocker("network", "disconnect", s.network, c.ID)
	type fenceResult struct {
		after time.Duration
		err   error
	}
	fence := make(chan fenceResult, 1)
	go func() {
		var after time.Duration
		err := eventually(fenceTimeout+10*time.Second, 250*time.Millisecond, func() error {
			l, err := s.localOf(c)
			if err != nil {
				return err
			}
			running := 0
			for _, in := range l.Inputs {
				if in.State == "running" || in.State == "starting" {
					running++
				}
			}
			if !l.Fenced && running > 0 {
				return fmt.Errorf("%s is not fenced and runs %d inputs", victim, running)
			}
			after = time.Since(t0)
			return nil
		})
		fence <- fenceResult{after, err}
	}()
	reconnected := false
	reconnect := func() {
		if reconnected {
			return
		}
		reconnected = true
		args := []string{"network", "connect", "--ip", c.IP}
		for _, a := range aliases {
			args = append(args, "--alias", a)
		}
		s.mustDocker(append(args, s.network, c.ID)...)
		s.forget(c.ID)
	}
	defer reconnect()

	// The majority takes over.
	last, err := s.waitGathering(owned, t0, 30*time.Second)
	if err != nil {
		t.Fatalf("majority did not take %s's inputs over: %v", victim, err)
	}
	s.fig(label, fmt.Sprintf("%s: its %d inputs gathering again on the majority", victim, len(owned)), "%.2fs", max(last.Sub(t0), 0).Seconds())
	var newLeader string
	if err := eventually(30*time.Second, 300*time.Millisecond, func() error {
		st, err := s.status(c.Service)
		if err != nil {
			return err
		}
		if st.LeaderID == "" || st.LeaderID == victim {
			return fmt.Errorf("majority leader is %q", st.LeaderID)
		}
		newLeader = st.LeaderID
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	// The minority fences itself: watched since the cut (above), not from here, where slower inputs kept the
	// majority's takeover waiting longer than the fence timeout.
	var fencedAfter time.Duration
	if r := <-fence; r.err != nil {
		t.Fatalf("minority: %v", r.err)
	} else {
		fencedAfter = r.after
	}
	s.fig(label, fmt.Sprintf("%s fenced itself (fence timeout %s)", victim, fenceTimeout), "%.2fs", fencedAfter.Seconds())
	if fencedAfter > fenceTimeout+2*time.Second {
		t.Errorf("%s fenced after %s, want within the fence timeout %s (+2s polling)", victim, fencedAfter, fenceTimeout)
	}
	// Nothing runs twice after the fence: the minority's gather counters stand still.
	settle := t0.Add(fenceTimeout + time.Second)
	time.Sleep(time.Until(settle))
	l1, err := s.localOf(c)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Second)
	l2, err := s.localOf(c)
	if err != nil {
		t.Fatal(err)
	}
	g1, g2 := gathersOf(l1), gathersOf(l2)
	var still []string
	for id, n := range g2 {
		if n > g1[id] {
			still = append(still, fmt.Sprintf("%s +%d", id, n-g1[id]))
		}
	}
	s.fig(label, "minority gathers in 5s after the fence", "%d inputs", len(still))
	if len(still) > 0 {
		t.Errorf("the fenced minority %s still gathers: %v (local: fenced=%v)", victim, still, l2.Fenced)
	}
	// And the majority gathers every slot exactly once.
	majority := s.tallyWindow(settle, time.Now().Add(-time.Second))
	s.fig(label, "majority after the fence: missed / doubled", "%d / %d of %d", majority.Missed, majority.Doubled, majority.Slots)
	if majority.Missed > 0 || majority.Doubled > 0 {
		t.Errorf("after the fence timeout: %s; want every slot gathered exactly once", majority)
	}

	// Heal.
	tRe := time.Now()
	reconnect()
	if err := eventually(60*time.Second, 500*time.Millisecond, func() error {
		l, err := s.localOf(c)
		if err != nil {
			return err
		}
		if l.Fenced {
			return fmt.Errorf("%s still fenced", victim)
		}
		return nil
	}); err != nil {
		t.Fatalf("after reconnecting: %v", err)
	}
	unfenced := time.Since(tRe)
	if _, err := s.waitStable(90 * time.Second); err != nil {
		t.Fatalf("did not heal: %v", err)
	}
	healed := time.Since(tRe)
	healT := s.tallyWindow(tRe, time.Now().Add(-time.Second))
	s.fig(label, fmt.Sprintf("reconnect: unfenced / has inputs again (leader now %s)", newLeader), "%.1fs / %.1fs", unfenced.Seconds(), healed.Seconds())
	s.fig(label, "heal: missed / doubled", "%d / %d of %d", healT.Missed, healT.Doubled, healT.Slots)
	if healT.Missed > 0 || healT.Doubled > 0 {
		t.Errorf("healing %s (planned moves): %s; want none missed or doubled", victim, healT)
	}
}

// scale grows the worker service from 1 to 3 replicas and back: moves near the ideal fraction, and no slot
// missed or doubled (joins and SIGTERM are planned moves).
func (s *suite) scale(t *testing.T) {
	step := func(workers int) {
		before, err := s.waitStable(time.Minute)
		if err != nil {
			t.Fatalf("not stable before scaling: %v", err)
		}
		oldN := s.nodes
		t0 := time.Now()
		s.mustDC(3*time.Minute, "up", "-d", "--no-recreate", "--no-deps", "--scale", fmt.Sprintf("worker=%d", workers), "worker")
		cmdTook := time.Since(t0)
		s.nodes = 3 + workers
		after, err := s.waitStable(2 * time.Minute)
		if err != nil {
			t.Fatalf("scaling to %d workers: %v", workers, err)
		}
		settled := time.Since(t0)
		bo, ao := owners(before), owners(after)
		moved, total := 0, 0
		for id, n := range ao {
			total++
			if bo[id] != n {
				moved++
			}
		}
		newN := s.nodes
		ideal := float64(total) * math.Abs(float64(newN-oldN)) / float64(max(newN, oldN))
		tl := s.tallyWindow(t0, time.Now().Add(-time.Second))
		name := fmt.Sprintf("scale %d->%d nodes", oldN, newN)
		s.fig(name, "compose command / placement settled", "%.1fs / %.1fs", cmdTook.Seconds(), settled.Seconds())
		s.fig(name, "inputs moved (ideal)", "%d of %d = %.0f%% (ideal %.0f%%)", moved, total, 100*float64(moved)/float64(total), 100*ideal/float64(total))
		s.fig(name, "missed / doubled", "%d / %d of %d", tl.Missed, tl.Doubled, tl.Slots)
		if float64(moved) > math.Ceil(ideal)+float64(max(newN, oldN)) {
			t.Errorf("%s: moved %d of %d inputs, ideal %.1f", name, moved, total, ideal)
		}
		if tl.Missed > 0 || tl.Doubled > 0 {
			t.Errorf("%s (planned moves): %s; want none missed or doubled", name, tl)
		}
	}
	step(3)
	step(1)

	// Like `make scale` (deploy/forget-gone-workers.sh): the cluster forgets the workers whose containers are gone,
	// else they stay dead raft non-voters the leader keeps dialling.
	present := map[string]bool{}
	for _, c := range s.containers("") {
		present[c.Hostname] = true
	}
	st, err := s.status()
	if err != nil {
		t.Fatal(err)
	}
	var gone []string
	for _, m := range st.Members {
		if m.Status != "alive" && m.State != "left" && !present[m.ID] {
			gone = append(gone, m.ID)
			if err := postEmpty(s.voterAPI() + "/v1/nodes/" + m.ID + "/leave"); err != nil {
				t.Fatalf("leave %s: %v", m.ID, err)
			}
		}
	}
	t0 := time.Now()
	if err := eventually(2*time.Minute, time.Second, func() error {
		st, err := s.status()
		if err != nil {
			return err
		}
		for _, m := range st.Members {
			if slices.Contains(gone, m.ID) && m.Raft != "none" && m.Raft != "" {
				return fmt.Errorf("removed worker %s is still in raft (%s, %s, raft %s)", m.ID, m.Status, m.State, m.Raft)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	s.fig("scale 6->4 nodes", fmt.Sprintf("%d removed workers out of raft (gatherd leave) after", len(gone)), "%.1fs", time.Since(t0).Seconds())
}

// restartAll restarts every gatherd container at once: every input is back, none lost.
func (s *suite) restartAll(t *testing.T) {
	if _, err := s.waitStable(time.Minute); err != nil {
		t.Fatalf("not stable before the restart: %v", err)
	}
	var before wire.InputList
	if err := getJSON(s.voterAPI()+"/v1/inputs", &before); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	s.mustDC(3*time.Minute, "restart", "-t", "30", "node1", "node2", "node3", "worker")
	cmdTook := time.Since(t0)
	s.forget()
	// Every node should exit on SIGTERM within stop_grace_period (30s); exit code 137 means Docker had to kill it.
	events, err := s.docker("events", "--since", strconv.FormatInt(t0.Unix()-1, 10), "--until", strconv.FormatInt(time.Now().Unix()+1, 10),
		"--filter", "label=com.docker.compose.project="+s.name, "--filter", "event=die",
		"--format", "{{.Actor.Attributes.name}} {{.Actor.Attributes.exitCode}}")
	if err != nil {
		t.Fatal(err)
	}
	var killed []string
	stopped := 0
	for _, line := range strings.Split(strings.TrimSpace(events), "\n") {
		f := strings.Fields(line)
		if len(f) != 2 {
			continue
		}
		stopped++
		if f[1] != "0" {
			killed = append(killed, f[0]+" exit "+f[1])
		}
	}
	s.fig("restart all nodes", "nodes stopped / not exited within the 30s grace (SIGKILLed)", "%d / %d %v", stopped, len(killed), killed)
	if len(killed) > 0 {
		t.Errorf("on `compose restart`, %d nodes did not exit after SIGTERM within stop_grace_period and were killed: %v", len(killed), killed)
	}
	last, err := s.waitGathering(s.ids, t0.Add(cmdTook), 2*time.Minute)
	if err != nil {
		t.Fatalf("after the restart: %v", err)
	}
	back := last.Sub(t0)
	if _, err := s.waitStable(2 * time.Minute); err != nil {
		t.Fatalf("not stable after the restart: %v", err)
	}
	var after wire.InputList
	if err := getJSON(s.voterAPI()+"/v1/inputs", &after); err != nil {
		t.Fatal(err)
	}
	versions := func(ins []wire.Input) map[string]uint64 {
		m := map[string]uint64{}
		for _, in := range ins {
			m[in.ID] = in.Version
		}
		return m
	}
	vb, va := versions(before.Inputs), versions(after.Inputs)
	lost := 0
	for id, v := range vb {
		if va[id] != v {
			lost++
			t.Errorf("input %s: version %d before the restart, %d after", id, v, va[id])
		}
	}
	if len(va) != len(vb) {
		t.Errorf("%d inputs before the restart, %d after", len(vb), len(va))
	}
	from := time.Now()
	time.Sleep(6 * time.Second)
	tl := s.tallyWindow(from, time.Now().Add(-time.Second))
	s.fig("restart all nodes", "`compose restart` took / every input gathering again", "%.1fs / %.1fs", cmdTook.Seconds(), back.Seconds())
	s.fig("restart all nodes", "inputs before / after / lost", "%d / %d / %d", len(vb), len(va), lost)
	s.fig("restart all nodes", "steady 5s after: missed / doubled", "%d / %d of %d", tl.Missed, tl.Doubled, tl.Slots)
	if tl.Missed > 0 || tl.Doubled > 0 {
		t.Errorf("after the restart: %s", tl)
	}
}

// --- report ---

func (s *suite) report() {
	if med, worst, ok := medianWorst(s.reassigned); ok {
		s.fig("kills", fmt.Sprintf("%d kills: the victim's inputs reassigned, median / worst", len(s.reassigned)), "%.2fs / %.2fs", med.Seconds(), worst.Seconds())
	}
	if med, worst, ok := medianWorst(s.recovery); ok {
		s.fig("kills", fmt.Sprintf("%d kills: all its inputs gathering again at the target, median / worst", len(s.recovery)), "%.2fs / %.2fs", med.Seconds(), worst.Seconds())
	}
	for _, iv := range s.intervals {
		s.fig("kills", fmt.Sprintf("most slots one %s input missed in a crash (allowed %d)", iv, crashAllowance(iv)), "%d", s.crashMissed[iv])
	}
	s.fig("total", "suite duration", "%.0fs", time.Since(s.start).Seconds())
	var b strings.Builder
	fmt.Fprintf(&b, "# gatherd chaos suite results\n\n%s, project %s, %d inputs at %v (http_response probing the demo target), "+
		"fence timeout %s, handoff delay %s. Gathers are counted at the target.\n\n", time.Now().Format(time.RFC3339), s.name,
		len(s.ids), s.intervals, fenceTimeout, handoffDelay)
	b.WriteString("| scenario | what | value |\n| --- | --- | --- |\n")
	for _, f := range s.figures {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", f.scenario, f.what, f.value)
	}
	s.t.Log("\n" + b.String())
	s.writeResults(b.String(), "")
}

// soakMarker starts the soak's section of results.md: each run replaces its own section and keeps the other's.
const soakMarker = "<!-- soak: written by make soak -->"

func (s *suite) writeResults(chaos, soak string) {
	path := filepath.Join(s.root, "e2e", "results.md")
	old, _ := os.ReadFile(path)
	prevChaos, prevSoak, _ := strings.Cut(string(old), soakMarker)
	if chaos == "" {
		chaos = prevChaos
	}
	if soak == "" {
		soak = prevSoak
	}
	out := strings.TrimRight(chaos, "\n") + "\n"
	if strings.TrimSpace(soak) != "" {
		out += "\n" + soakMarker + "\n" + strings.TrimLeft(soak, "\n")
	}
	if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
		s.t.Logf("write results.md: %v", err)
	}
}

func medianWorst(ds []time.Duration) (med, worst time.Duration, ok bool) {
	if len(ds) == 0 {
		return 0, 0, false
	}
	d := slices.Clone(ds)
	slices.Sort(d)
	med = d[len(d)/2]
	if len(d)%2 == 0 {
		med = (d[len(d)/2-1] + d[len(d)/2]) / 2
	}
	return med, d[len(d)-1], true
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
