//go:build e2e

package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// freezeFor is how long a node stays frozen: longer than the fence timeout (3 s in compose), so the others
// declare it dead and move its inputs while it cannot know.
const freezeFor = 5 * time.Second

// freeze pauses a node's container (every process stopped, as SIGSTOP or a paused VM would) for longer than
// the fence timeout, then resumes it. Its inputs move to the others meanwhile; once resumed it must gather
// nothing it lost, not even the slots that fell due while it was frozen: no slot is doubled, only its own
// inputs miss slots (as in a crash), and it takes inputs back by planned moves, with none missed or doubled.
func (s *suite) freeze(t *testing.T, label string, pick func() string) {
	before, err := s.waitStable(time.Minute)
	if err != nil {
		t.Fatalf("not stable before the freeze: %v", err)
	}
	victim := pick()
	c := s.agent(victim)
	owned := s.counted(before.Nodes[victim])
	t.Logf("freezing %s (%s, leader %s) with %d inputs", victim, c.Name, s.leaderID(), len(owned))

	t0 := time.Now()
	s.mustDocker("pause", c.ID)
	var reassigned time.Duration
	_ = eventually(20*time.Second, 100*time.Millisecond, func() error {
		a, err := s.assignments(c.Service)
		if err != nil {
			return err
		}
		if len(a.Nodes[victim]) > 0 || len(a.Unassigned) > 0 {
			return fmt.Errorf("not moved yet")
		}
		reassigned = time.Since(t0)
		return nil
	})
	if wait := time.Until(t0.Add(freezeFor)); wait > 0 {
		time.Sleep(wait) // frozen for freezeFor in all, whatever the reassignment took
	}
	tResume := time.Now()
	s.mustDocker("unpause", c.ID)
	if _, err := s.waitStable(90 * time.Second); err != nil {
		t.Fatalf("%s did not come back after the freeze: %v", victim, err)
	}
	back := time.Since(tResume)
	tEnd := time.Now().Add(-time.Second)

	frozenT := s.tallyWindow(t0.Add(-time.Second), tResume)
	afterT := s.tallyWindow(tResume, tEnd)
	var perIv []string
	for _, iv := range intervals {
		sub := tally(frozenT.hits, s.withInterval(iv), t0.Add(-time.Second), tResume)
		perIv = append(perIv, fmt.Sprintf("%s: %d (max %d/input)", iv, sub.Missed, sub.MaxMissed))
		if allowed := crashAllowance(iv); sub.MaxMissed > allowed {
			t.Errorf("freeze of %s: %s inputs: %s; want at most %d missed per input", victim, iv, sub, allowed)
		}
	}
	s.fig(label, fmt.Sprintf("%s frozen %.0fs: its %d inputs reassigned after", victim, freezeFor.Seconds(), len(owned)), "%.2fs", reassigned.Seconds())
	s.fig(label, "frozen: missed slots by interval / doubled", "%s / %d of %d", strings.Join(perIv, ", "), frozenT.Doubled, frozenT.Slots)
	s.fig(label, fmt.Sprintf("resumed (stable after %.1fs): missed / doubled", back.Seconds()), "%d / %d of %d", afterT.Missed, afterT.Doubled, afterT.Slots)
	if frozenT.Doubled > 0 || afterT.Doubled > 0 {
		t.Errorf("freeze of %s: frozen %s, after %s; want none doubled", victim, frozenT, afterT)
	}
	for id := range frozenT.PerInput {
		if !slices.Contains(owned, id) {
			t.Errorf("freeze of %s: input %s, which ran elsewhere, missed slots: %s", victim, id, frozenT)
		}
	}
	if afterT.Missed > 0 {
		t.Errorf("after %s resumed (planned moves back): %s; want none missed", victim, afterT)
	}
}
