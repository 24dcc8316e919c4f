package api

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func limited(rate float64, burst int, exempt func(*http.Request) bool) (*writeLimiter, *fakeClock, http.Handler) {
	l := newWriteLimiter(rate, burst, exempt)
	c := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	l.now = c.now
	return l, c, l.wrap(okHandler)
}

func from(h http.Handler, method, remote string, hdr ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, "/v1/inputs/a", nil)
	r.RemoteAddr = remote
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestWriteLimitPerClient(t *testing.T) {
	_, clock, h := limited(2, 3, nil)
	for i := range 3 {
		if w := from(h, "PUT", "192.0.2.1:1000"); w.Code != 200 {
			t.Fatalf("write %d within the burst: HTTP %d", i, w.Code)
		}
	}
	w := from(h, "PUT", "192.0.2.1:1001") // another port, same client
	if w.Code != http.StatusTooManyRequests {
		t.Fatalf("write over the burst: HTTP %d", w.Code)
	}
	if ra, err := strconv.Atoi(w.Header().Get("Retry-After")); err != nil || ra < 1 {
		t.Errorf("Retry-After %q", w.Header().Get("Retry-After"))
	}
	if body := w.Body.String(); body != "{\n  \"error\": \"rate limit exceeded\"\n}\n" {
		t.Errorf("body %q", body)
	}
	if w := from(h, "GET", "192.0.2.1:1000"); w.Code != 200 {
		t.Errorf("read limited: HTTP %d", w.Code)
	}
	if w := from(h, "HEAD", "192.0.2.1:1000"); w.Code != 200 {
		t.Errorf("HEAD limited: HTTP %d", w.Code)
	}
	if w := from(h, "DELETE", "192.0.2.2:1000"); w.Code != 200 {
		t.Errorf("another client limited: HTTP %d", w.Code)
	}
	// Refused requests do not use up allowance: after 1/rate one write passes again.
	for range 5 {
		from(h, "POST", "192.0.2.1:1000")
	}
	clock.advance(500 * time.Millisecond)
	if w := from(h, "POST", "192.0.2.1:1000"); w.Code != 200 {
		t.Errorf("after refill: HTTP %d", w.Code)
	}
	if w := from(h, "POST", "192.0.2.1:1000"); w.Code != 429 {
		t.Errorf("one token refilled, two writes passed: HTTP %d", w.Code)
	}
}

func TestWriteLimitIPv6ByPrefix(t *testing.T) {
	_, _, h := limited(1, 1, nil)
	if w := from(h, "PUT", "[2001:db8:1:2::1]:1000"); w.Code != 200 {
		t.Fatalf("HTTP %d", w.Code)
	}
	if w := from(h, "PUT", "[2001:db8:1:2::ffff]:1000"); w.Code != 429 {
		t.Fatalf("same /64 not limited together: HTTP %d", w.Code)
	}
	if w := from(h, "PUT", "[2001:db8:1:3::1]:1000"); w.Code != 200 {
		t.Fatalf("other /64 limited: HTTP %d", w.Code)
	}
}

func TestWriteLimitForwardedExempt(t *testing.T) {
	exempt := func(r *http.Request) bool { return r.Header.Get(forwardedHeader) == "node-2" }
	_, _, h := limited(1, 1, exempt)
	for i := range 5 {
		if w := from(h, "PUT", "10.0.0.2:5000", forwardedHeader, "node-2"); w.Code != 200 {
			t.Fatalf("forwarded write %d limited: HTTP %d", i, w.Code)
		}
	}
	from(h, "PUT", "10.0.0.2:5000", forwardedHeader, "someone")
	if w := from(h, "PUT", "10.0.0.2:5000", forwardedHeader, "someone"); w.Code != 429 {
		t.Fatalf("unproven forwarding header exempted: HTTP %d", w.Code)
	}
}

func TestFromPeerNeedsProof(t *testing.T) {
	s := &Server{} // no node: plain HTTP cannot check member addresses
	r := httptest.NewRequest("PUT", "/v1/inputs/a", nil)
	r.Header.Set(forwardedHeader, "node-2")
	if s.fromPeer(r) {
		t.Error("header alone trusted")
	}
}

func TestWriteLimitDisabled(t *testing.T) {
	if l := newWriteLimiter(-1, 0, nil); l != nil {
		t.Fatal("negative rate should disable the limit")
	}
	var l *writeLimiter
	h := l.wrap(okHandler)
	for range 100 {
		if w := from(h, "PUT", "192.0.2.1:1"); w.Code != 200 {
			t.Fatalf("HTTP %d", w.Code)
		}
	}
}

func TestWriteLimiterMemoryIsBounded(t *testing.T) {
	l, clock, h := limited(1, 1, nil)
	l.max = 100
	for i := range 1000 {
		from(h, "PUT", fmt.Sprintf("10.%d.%d.1:1", i/256, i%256))
	}
	if n := l.size(); n > 100 {
		t.Fatalf("%d limiters kept, cap 100", n)
	}
	// Idle clients are forgotten without waiting for the cap.
	clock.advance(time.Minute)
	from(h, "PUT", "192.0.2.1:1")
	if n := l.size(); n != 1 {
		t.Fatalf("%d limiters after all others went idle", n)
	}
	// A flood does not let the flooding client itself escape: it is the most recent, never the one evicted.
	for i := range 300 {
		from(h, "PUT", fmt.Sprintf("10.9.%d.%d:1", i/256, i%256))
		if w := from(h, "PUT", "192.0.2.1:1"); w.Code != 429 {
			t.Fatalf("client escaped its limit at step %d", i)
		}
	}
}

func TestClientKey(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.1:80":          "192.0.2.1",
		"[::ffff:192.0.2.1]:80": "192.0.2.1",
		"[2001:db8::1]:80":      "2001:db8::/64",
		"not an address":        "not an address",
	} {
		if got := clientKey(in); got != want {
			t.Errorf("clientKey(%q) = %q, want %q", in, got, want)
		}
	}
}
