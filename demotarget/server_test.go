package demotarget_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatherd/gatherd/demotarget"
)

func TestHandler(t *testing.T) {
	now := t0
	hits := demotarget.NewHitLog(demotarget.Limits{Keep: time.Minute, MaxInputs: 10, MaxHitsPerInput: 100})
	srv := httptest.NewServer(demotarget.NewHandler(hits, func() time.Time { return now }))
	t.Cleanup(srv.Close)
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

	code, body := do("GET", "/hits?since="+t0.Add(500*time.Millisecond).Format(time.RFC3339Nano))
	var got map[string][]int64
	if err := json.Unmarshal([]byte(body), &got); code != 200 || err != nil {
		t.Fatalf("hits: %d %q %v", code, body, err)
	}
	want := now.UnixNano()
	if len(got) != 2 || len(got["web-1"]) != 1 || got["web-1"][0] != want || got["web-2"][0] != want {
		t.Fatalf("hits = %v", got)
	}
	if code, _ := do("GET", "/hits?since=yesterday"); code != 400 {
		t.Fatalf("hits with a bad since: %d, want 400", code)
	}
	_, body = do("GET", "/hits?detail=true")
	var detail map[string][]demotarget.Hit
	if err := json.Unmarshal([]byte(body), &detail); err != nil || len(detail["web-1"]) != 2 || detail["web-1"][0].From != "127.0.0.1" {
		t.Fatalf("hits?detail = %s (%v)", body, err)
	}

	code, body = do("GET", "/metrics")
	if code != 200 || !strings.Contains(body, "\ndemo_target_inputs 2\n") || !strings.Contains(body, "# TYPE demo_target_probes gauge") ||
		!strings.Contains(body, "\ndemo_target_uptime_seconds 1\n") {
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

func TestServeStopsWithItsContext(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	served := make(chan error, 1)
	go func() {
		served <- demotarget.Serve(ctx, ln, demotarget.NewHandler(demotarget.NewHitLog(demotarget.Limits{}), nil))
	}()
	resp, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("healthz while serving: %d", resp.StatusCode)
	}
	cancel()
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("Serve after its context was cancelled = %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve still running 5s after its context was cancelled")
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		t.Fatal("the target still answers after Serve returned")
	}
}

func TestServeReturnsTheServersError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	err = demotarget.Serve(context.Background(), ln, http.NotFoundHandler())
	if err == nil || errors.Is(err, http.ErrServerClosed) {
		t.Fatalf("Serve on a closed listener = %v, want the accept error", err)
	}
}
