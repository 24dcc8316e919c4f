package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

var demoT0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

func hitTimes(hs []probeHit) []int64 {
	out := make([]int64, len(hs))
	for i, h := range hs {
		out[i] = h.At
	}
	return out
}

func TestHitLogCountsPerInput(t *testing.T) {
	l := newHitLog(time.Minute, 10, 100)
	for i := range 3 {
		l.record("a", "10.0.0.1", demoT0.Add(time.Duration(i)*time.Second))
	}
	l.record("b", "10.0.0.2", demoT0.Add(1500*time.Millisecond))

	got := l.since(demoT0.Add(time.Second), demoT0.Add(3*time.Second))
	if len(got) != 2 || len(got["a"]) != 2 || len(got["b"]) != 1 {
		t.Fatalf("since +1s = %v, want a: 2 probes, b: 1", got)
	}
	if got["a"][0].At != demoT0.Add(time.Second).UnixNano() || got["b"][0].From != "10.0.0.2" {
		t.Fatalf("since +1s = %v", got)
	}
	if got := l.since(demoT0.Add(time.Hour), demoT0.Add(3*time.Second)); len(got) != 0 {
		t.Fatalf("since the future = %v, want nothing", got)
	}
	if s := l.stats(demoT0.Add(3 * time.Second)); s.IDs != 2 || s.Kept != 4 || s.Total != 4 || s.Dropped != 0 {
		t.Fatalf("stats = %+v", s)
	}
}

func TestHitLogForgetsOldProbes(t *testing.T) {
	l := newHitLog(10*time.Second, 10, 100)
	l.record("old", "x", demoT0)
	for i := range 30 {
		l.record("a", "x", demoT0.Add(time.Duration(i)*time.Second))
	}
	now := demoT0.Add(29 * time.Second)
	got := l.since(time.Time{}, now)
	if _, ok := got["old"]; ok {
		t.Fatalf("an ID without a recent probe is still there: %v", got)
	}
	ts := hitTimes(got["a"])
	if len(ts) != 11 || ts[0] != demoT0.Add(19*time.Second).UnixNano() {
		t.Fatalf("kept %d probes from %v, want the last 10s: 11 from +19s", len(ts), time.Unix(0, ts[0]))
	}
	if s := l.stats(now); s.IDs != 1 || s.Kept != 11 || s.Total != 31 {
		t.Fatalf("stats = %+v, want 1 ID, 11 kept, 31 counted", s)
	}
}

func TestHitLogBounds(t *testing.T) {
	l := newHitLog(time.Hour, 2, 5)
	for i := range 20 {
		l.record("a", "x", demoT0.Add(time.Duration(i)*time.Millisecond))
	}
	l.record("b", "x", demoT0)
	if l.record("c", "x", demoT0) {
		t.Fatal("a third ID was counted with --max-inputs 2")
	}
	got := l.since(time.Time{}, demoT0.Add(time.Second))
	if ts := hitTimes(got["a"]); len(ts) != 5 || ts[4] != demoT0.Add(19*time.Millisecond).UnixNano() {
		t.Fatalf("a kept %v, want the newest 5", ts)
	}
	if s := l.stats(demoT0.Add(time.Second)); s.IDs != 2 || s.Kept != 6 || s.Dropped != 1 {
		t.Fatalf("stats = %+v, want 2 IDs, 6 kept, 1 dropped", s)
	}
	// A clock stepping back does not unsort an ID's probes.
	l.record("b", "x", demoT0.Add(-time.Minute))
	if ts := hitTimes(l.since(time.Time{}, demoT0)["b"]); len(ts) != 2 || ts[1] < ts[0] {
		t.Fatalf("b = %v, want 2 sorted probes", ts)
	}
	l.reset()
	if s := l.stats(demoT0); s != (hitStats{}) {
		t.Fatalf("stats after reset = %+v", s)
	}
}

func TestDemoTargetHTTP(t *testing.T) {
	now := demoT0
	srv := httptest.NewServer(newDemoTarget(newHitLog(time.Minute, 10, 100), func() time.Time { return now }).handler())
	defer srv.Close()
	do := func(method, path string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := do("GET", "/probe/web-1"); code != 200 || body != "ok" {
		t.Fatalf("probe: %d %q", code, body)
	}
	now = now.Add(time.Second)
	do("GET", "/probe/web-1")
	do("GET", "/probe/web-2")
	if code, _ := do("GET", "/probe/bad%20id"); code != 400 {
		t.Fatalf("probe of a bad ID: %d, want 400", code)
	}

	code, body := do("GET", "/hits?since="+demoT0.Add(500*time.Millisecond).Format(time.RFC3339Nano))
	var hits map[string][]int64
	if err := json.Unmarshal([]byte(body), &hits); code != 200 || err != nil {
		t.Fatalf("hits: %d %q %v", code, body, err)
	}
	want := now.UnixNano()
	if len(hits) != 2 || len(hits["web-1"]) != 1 || hits["web-1"][0] != want || hits["web-2"][0] != want {
		t.Fatalf("hits = %v", hits)
	}
	if code, _ := do("GET", "/hits?since=yesterday"); code != 400 {
		t.Fatalf("hits with a bad since: %d, want 400", code)
	}
	_, body = do("GET", "/hits?detail=true")
	var detail map[string][]probeHit
	if err := json.Unmarshal([]byte(body), &detail); err != nil || len(detail["web-1"]) != 2 || detail["web-1"][0].From != "127.0.0.1" {
		t.Fatalf("hits?detail = %s (%v)", body, err)
	}

	code, body = do("GET", "/metrics")
	if code != 200 || !strings.Contains(body, "\ndemo_target_inputs 2\n") || !strings.Contains(body, "# TYPE demo_target_probes gauge") {
		t.Fatalf("metrics: %d\n%s", code, body)
	}
	if code, _ := do("POST", "/reset"); code != http.StatusNoContent {
		t.Fatalf("reset: %d", code)
	}
	if _, body := do("GET", "/hits"); strings.TrimSpace(body) != "{}" {
		t.Fatalf("hits after reset = %s", body)
	}
	if code, _ := do("GET", "/healthz"); code != 200 {
		t.Fatalf("healthz: %d", code)
	}
}
