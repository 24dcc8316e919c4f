package main

import (
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// target is the HTTP server every input probes, one path per input (/i<N>); it records when each path was hit,
// so gathers are counted on the target's side, as a user would count them.
type target struct {
	mu    sync.Mutex
	hits  [][]time.Time // by input number
	addrs []string
	srvs  []*http.Server
}

// startTarget listens on ports loopback ports: http_response opens a connection per gather (the plugin disables
// keep-alives), so at 100,000 inputs several listeners spread the accept load and the TIME_WAIT sockets.
func startTarget(n, ports int) (*target, error) {
	t := &target{hits: make([][]time.Time, n)}
	for range max(ports, 1) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.close()
			return nil, err
		}
		srv := &http.Server{Handler: t, ReadHeaderTimeout: 30 * time.Second}
		t.addrs = append(t.addrs, ln.Addr().String())
		t.srvs = append(t.srvs, srv)
		go func() { _ = srv.Serve(ln) }()
	}
	return t, nil
}

// url is the address input i probes.
func (t *target) url(i int) string {
	return "http://" + t.addrs[i%len(t.addrs)] + "/i" + strconv.Itoa(i)
}

// index is the input number of a URL url made, or -1.
func index(u string) int {
	k := strings.LastIndex(u, "/i")
	if k < 0 {
		return -1
	}
	i, err := strconv.Atoi(u[k+2:])
	if err != nil {
		return -1
	}
	return i
}

func (t *target) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	i, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/i"))
	if err != nil || i < 0 || i >= len(t.hits) {
		http.NotFound(w, r)
		return
	}
	t.mu.Lock()
	t.hits[i] = append(t.hits[i], now)
	t.mu.Unlock()
	_, _ = w.Write([]byte("ok\n"))
}

// gathers counts the hits of input i in [slot, slot+iv).
func (t *target) gathers(i int, slot time.Time, iv time.Duration) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, at := range t.hits[i] {
		if !at.Before(slot) && at.Before(slot.Add(iv)) {
			n++
		}
	}
	return n
}

func (t *target) close() {
	for _, s := range t.srvs {
		_ = s.Close()
	}
}
