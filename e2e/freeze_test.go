//go:build e2e

package e2e

import (
	"fmt"
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
	reassigned := s.awaitReassigned(victim, c.Service, t0)
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

	s.fig(label, fmt.Sprintf("%s frozen %.0fs: its %d inputs reassigned after", victim, freezeFor.Seconds(), len(owned)), "%.2fs", reassigned.Seconds())
	s.judgeOutage(t, label, "frozen", victim, owned, t0, tResume)
	afterT := s.tallyWindow(tResume, tEnd)
	s.fig(label, fmt.Sprintf("resumed (stable after %.1fs): missed / doubled", back.Seconds()), "%d / %d of %d", afterT.Missed, afterT.Doubled, afterT.Slots)
	if afterT.Missed > 0 || afterT.Doubled > 0 {
		t.Errorf("after %s resumed (planned moves back): %s; want none missed or doubled", victim, afterT)
	}
}
