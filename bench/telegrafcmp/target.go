package main

import (
	"context"
	"fmt"
	"log"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// target is the HTTP server every input polls. Input i requests
// /i/<i> on port i%len(addrs); the target counts hits per input, which is the
// ground truth for "gathers done" independent of what the runtime reports.
// The child marks the start and end of its window with GET /_mark/start and
// /_mark/end, and the target snapshots its counters and its own CPU time then.
type target struct {
	addrs []string
	srvs  []*http.Server
	hits  []atomic.Uint32
	errs  atomic.Uint64 // server-side errors (accept failures, broken reads)

	mu         sync.Mutex
	start, end []uint32
	cpuStart   time.Duration
	cpuEnd     time.Duration
}

// targetWindow is the target's view of one window.
type targetWindow struct {
	complete bool
	gathers  uint64
	silent   int // inputs with no hit
	short    int // inputs with fewer hits than slots in the window
	cpu      time.Duration
	errs     uint64
}

func startTarget(n, ports int) (*target, error) {
	if ports < 1 {
		ports = 1
	}
	t := &target{hits: make([]atomic.Uint32, n)}
	errLog := log.New(countWriter{&t.errs}, "", 0)
	for range ports {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.close()
			return nil, err
		}
		srv := &http.Server{
			Handler:           t,
			ReadHeaderTimeout: 30 * time.Second,
			ErrorLog:          errLog,
		}
		t.addrs = append(t.addrs, ln.Addr().String())
		t.srvs = append(t.srvs, srv)
		go func() { _ = srv.Serve(ln) }()
	}
	return t, nil
}

var okBody = []byte("ok\n")

func (t *target) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if rest, ok := strings.CutPrefix(p, "/i/"); ok {
		if i, err := strconv.Atoi(rest); err == nil && i >= 0 && i < len(t.hits) {
			t.hits[i].Add(1)
			w.Header().Set("Content-Type", "text/plain")
			_, _ = w.Write(okBody)
			return
		}
	}
	switch p {
	case "/_mark/start", "/_mark/end":
		snap := make([]uint32, len(t.hits))
		for i := range t.hits {
			snap[i] = t.hits[i].Load()
		}
		c := cpuTime() // the parent does nothing but serve, so this is the target's CPU
		t.mu.Lock()
		if p == "/_mark/start" {
			t.start, t.cpuStart = snap, c
		} else {
			t.end, t.cpuEnd = snap, c
		}
		t.mu.Unlock()
		_, _ = w.Write(okBody)
		return
	}
	http.NotFound(w, r)
}

// window is the target's view of the child's window; slots is how many
// gathers each input owes in it.
func (t *target) window(slots int) targetWindow {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.start == nil || t.end == nil {
		return targetWindow{}
	}
	tw := targetWindow{complete: true, cpu: t.cpuEnd - t.cpuStart, errs: t.errs.Load()}
	for i := range t.start {
		d := int(t.end[i] - t.start[i])
		tw.gathers += uint64(d)
		if d == 0 {
			tw.silent++
		}
		if d < slots {
			tw.short++
		}
	}
	return tw
}

func (t *target) close() {
	for _, s := range t.srvs {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_ = s.Shutdown(ctx)
		cancel()
		_ = s.Close()
	}
}

// mark tells the target (from the child) that the window starts or ends.
func mark(addr, which string) error {
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(fmt.Sprintf("http://%s/_mark/%s", addr, which))
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("mark %s: %s", which, resp.Status)
	}
	return nil
}

// countWriter counts the lines http.Server logs (accept errors, TLS junk, ...).
type countWriter struct{ n *atomic.Uint64 }

func (c countWriter) Write(p []byte) (int, error) {
	c.n.Add(1)
	return len(p), nil
}
