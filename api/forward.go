package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/gatherd/gatherd/store"
)

// forwardedHeader marks a request one node sent to another, so a request is forwarded at most once.
const forwardedHeader = "X-Gatherd-Forwarded-By"

// notAppliedHeader on a 503 says the write was refused before it entered any raft log (the node was not the
// leader, or there was none), so sending it again cannot apply it twice.
const notAppliedHeader = "X-Gatherd-Not-Applied"

// DefaultHoldTimeout bounds how long a write that meets a leader change is held and sent again, to the new
// leader, before the client gets the error (Consul's RPCHoldTimeout).
const DefaultHoldTimeout = 7 * time.Second

// forward sends a write (or a consistent read) to the leader and relays its answer as if it were local. While
// the cluster has no leader, or the leader moves under the request, it waits and sends it again to the new
// leader, for up to Options.HoldTimeout, but only when the request cannot have been applied: no leader was
// known, the connection was refused before anything was sent, or the answer says it was refused before it
// entered any raft log (X-Gatherd-Not-Applied). An outcome that is unknown (the connection broke after the
// request went out, or leadership was lost after the write entered the log) is retried for reads only: a
// write sent again could undo another client's write made in between.
func (s *Server) forward(w http.ResponseWriter, r *http.Request, body []byte) {
	if r.Header.Get(forwardedHeader) != "" {
		writeErr(w, store.ErrNotLeader) // leadership moved while the request was in flight
		return
	}
	read := r.Method == http.MethodGet || r.Method == http.MethodHead
	deadline := time.Now().Add(s.hold)
	if d, ok := r.Context().Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	wait := 50 * time.Millisecond
	unknown := false // some attempt may have been applied: never claim otherwise
	for attempt := 1; ; attempt++ {
		if attempt > 1 && s.node.IsLeader() && r.Context().Err() == nil {
			// This node won the election meanwhile: serve the request here, within what is left of the hold.
			ctx, cancel := context.WithDeadline(r.Context(), deadline)
			local := r.Clone(ctx)
			local.Body = io.NopCloser(bytes.NewReader(body))
			s.mux.ServeHTTP(w, local)
			cancel()
			return
		}
		resp, err := s.sendToLeader(r, body)
		var retry bool
		switch {
		case errors.Is(err, store.ErrNoLeader), isDialError(err):
			retry = true // nothing was sent
		case err != nil:
			unknown = true
			retry = read
		case resp.StatusCode == http.StatusServiceUnavailable:
			notApplied := resp.Header.Get(notAppliedHeader) == "true"
			unknown = unknown || !notApplied
			retry = notApplied || read
		}
		if !retry || time.Now().Add(wait).After(deadline) || r.Context().Err() != nil {
			if err != nil {
				s.log.Warn().Err(err).Int("attempts", attempt).Msg("forward to leader failed")
				if errors.Is(err, store.ErrNoLeader) && !unknown {
					writeErr(w, err)
				} else {
					writeError(w, http.StatusServiceUnavailable, "", fmt.Sprintf("forward to the leader: %v", err))
				}
				return
			}
			if unknown {
				resp.Header.Del(notAppliedHeader)
			}
			if r.Method != http.MethodGet && r.Method != http.MethodHead { // a read's index is not this node's write
				s.awaitOwnWrite(w, resp)
			}
			relay(w, resp)
			return
		}
		if resp != nil {
			resp.Body.Close()
		}
		s.log.Debug().Err(err).Int("attempt", attempt).Msg("leader changing: holding the request")
		select {
		case <-time.After(wait):
		case <-r.Context().Done():
		}
		wait = min(2*wait, 500*time.Millisecond)
	}
}

// isDialError says the connection to the leader was never made, so the request was never sent.
func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// sendToLeader sends r once to the current leader.
func (s *Server) sendToLeader(r *http.Request, body []byte) (*http.Response, error) {
	_, api, err := s.node.Leader()
	if err != nil {
		return nil, err
	}
	if api == "" || s.node.IsLeader() {
		return nil, store.ErrNoLeader // the loop serves it here once this node leads
	}
	ctx, cancel := context.WithCancel(r.Context()) // a client without a Timeout: the caller's context bounds it
	if s.client.Timeout > 0 {
		cancel()
		ctx, cancel = context.WithTimeout(r.Context(), s.client.Timeout)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, api+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		cancel()
		return nil, err
	}
	for _, h := range []string{"Content-Type", "Authorization", "Accept"} {
		if v := r.Header.Get(h); v != "" {
			req.Header.Set(h, v)
		}
	}
	req.Header.Set(forwardedHeader, s.node.ID())
	resp, err := s.client.Do(req)
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = cancelOnClose{resp.Body, cancel}
	return resp, nil
}

type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}

// indexHeader carries the raft index of a write's change (or, for one that changed nothing, of the state it
// was checked against).
const indexHeader = "X-Gatherd-Index"

// laggingHeader says the node that took a write had not applied it when it answered (ReadYourWritesTimeout
// passed): its own reads may not show the write yet.
const laggingHeader = "X-Gatherd-Lagging"

func setIndex(w http.ResponseWriter, index uint64) {
	w.Header().Set(indexHeader, strconv.FormatUint(index, 10))
}

// awaitOwnWrite holds a successful forwarded write's answer until this node has applied the write's index,
// so that every read this node serves afterwards reflects it (read-your-writes on the node that took the
// write; DESIGN.md, decision 16). Past the bound it answers anyway and says so.
func (s *Server) awaitOwnWrite(w http.ResponseWriter, resp *http.Response) {
	if resp.StatusCode/100 != 2 {
		return
	}
	index, err := strconv.ParseUint(resp.Header.Get(indexHeader), 10, 64)
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.ryw)
	defer cancel()
	if !s.node.Store().WaitIndex(ctx, index) {
		w.Header().Set(laggingHeader, "true")
		s.log.Warn().Uint64("index", index).Dur("waited", s.ryw).Msg("answering a forwarded write this node has not applied yet")
	}
}

// relay writes the leader's answer as this node's.
func relay(w http.ResponseWriter, resp *http.Response) {
	defer resp.Body.Close()
	for _, h := range []string{"Content-Type", "X-Next-Token", "X-Total-Count", notAppliedHeader, "Retry-After", indexHeader, laggingHeader} {
		if v := resp.Header.Get(h); v != "" {
			w.Header().Set(h, v)
		}
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, io.LimitReader(resp.Body, 256<<20))
}
