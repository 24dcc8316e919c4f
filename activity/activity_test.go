package activity

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/gatherd/gatherd/wire"
	"github.com/gatherd/gatherd/worker"
)

func member(id, status, state, raft string) wire.Member {
	return wire.Member{ID: id, Status: status, State: state, Raft: raft}
}

func kinds(evs []wire.Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Kind+":"+e.Node)
	}
	return out
}

func TestDiff(t *testing.T) {
	at := time.Unix(100, 0)
	three := wire.Status{NodeID: "n1", LeaderID: "n1", Term: 2, Members: []wire.Member{
		member("n1", "alive", "alive", "voter"), member("n2", "alive", "alive", "voter"), member("n3", "alive", "alive", "voter")}}
	if got := kinds(Diff(wire.Status{}, three, at)); len(got) != 1 || got[0] != "start:n1" {
		t.Fatalf("first sample: %v", got)
	}
	if got := Diff(three, three, at); len(got) != 0 {
		t.Fatalf("no change: %v", got)
	}
	next := three
	next.LeaderID, next.Term, next.Fenced = "n2", 3, true
	next.Members = []wire.Member{member("n1", "alive", "draining", "voter"), member("n2", "alive", "alive", "voter"),
		member("n3", "dead", "alive", "voter"), member("n4", "alive", "alive", "nonvoter")}
	want := []string{"leader:n2", "fenced:n1", "drain:n1", "failed:n3", "join:n4"}
	got := kinds(Diff(three, next, at))
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	back := next
	back.LeaderID, back.Fenced = "", false
	back.Members = []wire.Member{member("n1", "alive", "alive", "voter"), member("n2", "alive", "alive", "voter"), member("n3", "alive", "alive", "voter")}
	want = []string{"leader_lost:n2", "unfenced:n1", "undrain:n1", "join:n3", "removed:n4"}
	if got := kinds(Diff(next, back, at)); len(got) != len(want) || got[0] != want[0] || got[3] != want[3] || got[4] != want[4] {
		t.Fatalf("got %v, want %v", got, want)
	}
}

type fakeSource struct {
	mu     sync.Mutex
	status wire.Status
	local  []worker.Status
}

func (f *fakeSource) Status() wire.Status {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.status
}

func (f *fakeSource) Local() []worker.Status {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]worker.Status(nil), f.local...)
}

func TestSampleCountsWhatHappenedSinceTheLastSample(t *testing.T) {
	t0 := time.Unix(1000, 0)
	src := &fakeSource{local: []worker.Status{{ID: "a", Started: t0, Gathers: 5, Errors: 1}, {ID: "b", Started: t0, Gathers: 2}}}
	r := New(src)
	r.sample(t0.Add(10 * time.Second)) // the baseline
	if len(r.Points()) != 0 {
		t.Fatal("the baseline made a point")
	}
	src.local = []worker.Status{
		{ID: "a", Started: t0, Gathers: 8, Errors: 1},                       // +3
		{ID: "b", Started: t0.Add(15 * time.Second), Gathers: 1},            // restarted: counts from zero, +1
		{ID: "c", Started: t0.Add(12 * time.Second), Gathers: 4, Errors: 2}, // new here: +4, +2
	}
	r.sample(t0.Add(20 * time.Second))
	p := r.Points()
	if len(p) != 1 || p[0].Gathers != 8 || p[0].Errors != 2 || p[0].Seconds != 10 {
		t.Fatalf("points %+v, want 8 gathers and 2 errors in 10 s", p)
	}
	for i := range MaxPoints + 5 {
		r.sample(t0.Add(time.Duration(30+10*i) * time.Second))
	}
	if n := len(r.Points()); n != MaxPoints {
		t.Fatalf("%d points kept, want %d", n, MaxPoints)
	}
}

func TestWaitWakesOnAStatusChangeAndStop(t *testing.T) {
	src := &fakeSource{status: wire.Status{NodeID: "n1", LeaderID: "n1", Members: []wire.Member{member("n1", "alive", "alive", "voter")}}}
	r := New(src)
	r.Start()
	defer r.Stop()
	idx := r.Index()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if got := r.Wait(ctx, idx); got != idx {
		t.Fatalf("woke without a change: %d", got)
	}
	src.mu.Lock()
	src.status.LeaderID = ""
	src.mu.Unlock()
	ctx2, cancel2 := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel2()
	if got := r.Wait(ctx2, idx); got <= idx {
		t.Fatal("a leader loss did not move the index")
	}
	if evs := r.Events(1); len(evs) != 1 || evs[0].Kind != "leader_lost" {
		t.Fatalf("newest event %+v", evs)
	}
	done := make(chan struct{})
	go func() { r.Wait(context.Background(), r.Index()); close(done) }()
	r.Stop()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Stop did not release Wait")
	}
}
