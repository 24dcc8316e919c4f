package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Blocking reads, as Consul's: a read with ?index=N waits until the route's index passes N (or ?wait= ends)
// before it answers, and every answer of these routes carries the index in X-Gatherd-Index. The console keeps
// one such request open per page instead of polling.
const (
	DefaultBlockingWait = time.Minute
	MaxBlockingWait     = 5 * time.Minute
)

// indexKind says which index a blocking route follows.
type indexKind int

const (
	// raftIndex: the store's applied raft index (inputs, assignments, history).
	raftIndex indexKind = iota
	// statusIndex: the activity recorder's index, which also moves with gossip (status, members, events);
	// the raft index where the server has no recorder.
	statusIndex
)

// blocking wraps a read in a blocking query of kind's index.
func (s *Server) blocking(kind indexKind, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if v := q.Get("index"); v != "" {
			after, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				writeError(w, http.StatusBadRequest, "index", fmt.Sprintf("%q is not an index: pass back X-Gatherd-Index", v))
				return
			}
			wait := DefaultBlockingWait
			if v := q.Get("wait"); v != "" {
				if wait, err = time.ParseDuration(v); err != nil || wait <= 0 || wait > MaxBlockingWait {
					writeError(w, http.StatusBadRequest, "wait", fmt.Sprintf("%q is not a duration from 1ms to %s", v, MaxBlockingWait))
					return
				}
			}
			// The server's write timeout (NewHTTPServer: 30 s) would cut a long wait off: this response may take the
			// wait and then some.
			if err := http.NewResponseController(w).SetWriteDeadline(time.Now().Add(wait + 30*time.Second)); err != nil {
				s.log.Debug().Err(err).Msg("blocking read keeps the server's write timeout")
			}
			// An index from before a restart (the node's counters began again) answers at once, as Consul resets.
			if after <= s.currentIndex(kind) {
				ctx, cancel := context.WithTimeout(r.Context(), wait)
				stop := context.AfterFunc(s.closing, cancel)
				s.waitIndex(ctx, kind, after)
				stop()
				cancel()
			}
		}
		setIndex(w, s.currentIndex(kind))
		h(w, r)
	}
}

func (s *Server) waitIndex(ctx context.Context, kind indexKind, after uint64) {
	if kind == statusIndex && s.activity != nil {
		s.activity.Wait(ctx, after)
		return
	}
	s.node.Store().WaitIndex(ctx, after+1)
}

func (s *Server) currentIndex(kind indexKind) uint64 {
	if kind == statusIndex && s.activity != nil {
		return s.activity.Index()
	}
	return s.node.Store().Index()
}

// Close releases every blocking read at once (they answer what they have), so that a server shutdown does not
// wait for them. It is safe to call more than once.
func (s *Server) Close() { s.cancelClosing() }
