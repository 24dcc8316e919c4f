package faultnet

import (
	"net"
	"sync"
	"time"
)

// Rules says which addresses may talk to which. Addresses are "host:port" strings as the transports see them.
// Every address belongs to a side (0 by default); traffic crosses only between addresses on the same side.
// Slow addresses delay every write on a tracked connection to or from them. A nil *Rules allows everything.
type Rules struct {
	mu    sync.Mutex
	side  map[string]int
	slow  map[string]time.Duration
	conns map[*conn]struct{}
}

// NewRules returns rules under which everything is connected.
func NewRules() *Rules {
	return &Rules{side: map[string]int{}, slow: map[string]time.Duration{}, conns: map[*conn]struct{}{}}
}

// Slow delays each write on a tracked connection from or to addrs by d (the larger delay when both ends are
// slow), until Heal: a slow link, not a cut one. Raft's connections are tracked; gossip's UDP is not delayed.
func (r *Rules) Slow(d time.Duration, addrs ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, a := range addrs {
		r.slow[a] = d
	}
}

func (r *Rules) delay(from, to string) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return max(r.slow[from], r.slow[to])
}

// Isolate puts addrs on a side of their own and closes every tracked connection that now crosses sides.
func (r *Rules) Isolate(side int, addrs ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, a := range addrs {
		r.side[a] = side
	}
	for c := range r.conns {
		if !r.allowedLocked(c.from, c.to) {
			_ = c.Conn.Close()
			delete(r.conns, c)
		}
	}
}

// Heal puts every address back on one side, at full speed.
func (r *Rules) Heal() {
	r.mu.Lock()
	defer r.mu.Unlock()
	clear(r.side)
	clear(r.slow)
}

// Allowed reports whether traffic from one address may reach another.
func (r *Rules) Allowed(from, to string) bool {
	if r == nil {
		return true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.allowedLocked(from, to)
}

func (r *Rules) allowedLocked(from, to string) bool {
	return r.side[from] == r.side[to]
}

// Track wraps an outbound connection so that a later Isolate closes it when it crosses the cut.
func (r *Rules) Track(from, to string, c net.Conn) net.Conn {
	if r == nil {
		return c
	}
	w := &conn{Conn: c, from: from, to: to, rules: r}
	r.mu.Lock()
	r.conns[w] = struct{}{}
	r.mu.Unlock()
	return w
}

type conn struct {
	net.Conn
	from, to string
	rules    *Rules
	once     sync.Once
}

func (c *conn) Write(b []byte) (int, error) {
	if d := c.rules.delay(c.from, c.to); d > 0 {
		time.Sleep(d)
	}
	return c.Conn.Write(b)
}

func (c *conn) Close() error {
	c.once.Do(func() {
		c.rules.mu.Lock()
		delete(c.rules.conns, c)
		c.rules.mu.Unlock()
	})
	return c.Conn.Close()
}
