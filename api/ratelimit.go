package api

import (
	"container/list"
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Defaults for Options.WriteRate and Options.WriteBurst. They keep one client from flooding raft (a leader
// commits some 700 single writes a second on a small machine, 2,000 from eight clients) and stay clear of what
// scripts do: a loop of PUTs, or `gatherd inputs apply` of a directory. The CLI and the Go client wait out a
// 429 by themselves.
const (
	DefaultWriteRate  = 500.0
	DefaultWriteBurst = 1000
)

// maxLimiters caps how many clients have a limiter at once, so a flood from many source addresses costs bounded
// memory. Past the cap the least recently seen client's limiter is dropped; that client starts over with a full
// bucket, which errs towards letting it through.
const maxLimiters = 10000

// writeLimiter limits non-read requests per client. A client is its IP address, or its /64 for IPv6, since one
// host commonly holds a whole /64 and could otherwise use a fresh address per request. X-Forwarded-For is
// ignored: it is set by the client, so trusting it would let anyone pick its own bucket.
type writeLimiter struct {
	limit rate.Limit
	burst int
	idle  time.Duration // an entry unused this long has refilled its bucket, so dropping it changes nothing
	max   int
	now   func() time.Time

	// exempt says a request was forwarded by another node, which has already counted it against the client.
	exempt func(*http.Request) bool

	mu      sync.Mutex
	clients map[string]*list.Element // of *limiterEntry
	lru     list.List                // most recently used at the front
}

type limiterEntry struct {
	key  string
	lim  *rate.Limiter
	seen time.Time
}

// newWriteLimiter returns nil (no limiting) when perSecond is negative; zero values take the defaults.
func newWriteLimiter(perSecond float64, burst int, exempt func(*http.Request) bool) *writeLimiter {
	if perSecond < 0 {
		return nil
	}
	if perSecond == 0 {
		perSecond = DefaultWriteRate
	}
	if burst <= 0 {
		burst = DefaultWriteBurst
	}
	idle := time.Duration(float64(burst) / perSecond * float64(time.Second))
	if idle < time.Second {
		idle = time.Second
	}
	return &writeLimiter{
		limit:   rate.Limit(perSecond),
		burst:   burst,
		idle:    idle,
		max:     maxLimiters,
		now:     time.Now,
		exempt:  exempt,
		clients: map[string]*list.Element{},
	}
}

// wrap limits next. Reads pass untouched: they are served locally and are cheap, while every write goes through
// raft on all voters.
func (l *writeLimiter) wrap(next http.Handler) http.Handler {
	if l == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isRead(r.Method) || (l.exempt != nil && l.exempt(r)) {
			next.ServeHTTP(w, r)
			return
		}
		if wait, ok := l.allow(clientKey(r.RemoteAddr)); !ok {
			secs := int(math.Ceil(wait.Seconds()))
			w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
			writeError(w, http.StatusTooManyRequests, "", "rate limit exceeded")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// allow takes a token from key's bucket, or says how long until one is available.
func (l *writeLimiter) allow(key string) (time.Duration, bool) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.evictIdle(now)
	var e *limiterEntry
	if el, ok := l.clients[key]; ok {
		l.lru.MoveToFront(el)
		e = el.Value.(*limiterEntry)
	} else {
		for len(l.clients) >= l.max {
			l.remove(l.lru.Back())
		}
		e = &limiterEntry{key: key, lim: rate.NewLimiter(l.limit, l.burst)}
		l.clients[key] = l.lru.PushFront(e)
	}
	e.seen = now
	res := e.lim.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now) // a refused request must not use up the client's future allowance
		return d, false
	}
	return 0, true
}

// evictIdle drops entries from the cold end while they are idle, so memory follows recent clients only. Each
// entry is dropped at most once, so the work is constant per request on average.
func (l *writeLimiter) evictIdle(now time.Time) {
	for el := l.lru.Back(); el != nil; el = l.lru.Back() {
		if now.Sub(el.Value.(*limiterEntry).seen) < l.idle {
			return
		}
		l.remove(el)
	}
}

func (l *writeLimiter) remove(el *list.Element) {
	delete(l.clients, el.Value.(*limiterEntry).key)
	l.lru.Remove(el)
}

func (l *writeLimiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.clients)
}

// clientKey turns a RemoteAddr into the key clients are limited by.
func clientKey(remote string) string {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return host
	}
	if v4 := ip.To4(); v4 != nil {
		return v4.String()
	}
	return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

// fromPeer says r was forwarded by another node of the cluster. The forwarding header alone proves nothing, as
// any client can send it, so it counts only with proof of where the request came from: a client certificate
// verified against the cluster CA when the API runs TLS, else a source address some member gossips.
func (s *Server) fromPeer(r *http.Request) bool {
	if r.Header.Get(forwardedHeader) == "" {
		return false
	}
	if r.TLS != nil {
		return len(r.TLS.VerifiedChains) > 0
	}
	if s.node == nil {
		return false
	}
	src, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	srcIP := net.ParseIP(src)
	if srcIP == nil {
		return false
	}
	for _, m := range s.node.Status().Members {
		for _, addr := range []string{m.RaftAddr, m.GossipAddr} {
			if h, _, err := net.SplitHostPort(addr); err == nil && srcIP.Equal(net.ParseIP(h)) {
				return true
			}
		}
	}
	return false
}
