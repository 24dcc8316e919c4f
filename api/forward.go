package api

import (
	"bytes"
	"io"
	"net/http"

	"github.com/gatherd/gatherd/store"
)

// forwardedHeader marks a request one node sent to another, so a request is forwarded at most once.
const forwardedHeader = "X-Gatherd-Forwarded-By"

// forward sends a write (or a consistent read) to the leader and relays its answer as if it were local.
func (s *Server) forward(w http.ResponseWriter, r *http.Request, body []byte) {
	if r.Header.Get(forwardedHeader) != "" {
		writeErr(w, store.ErrNotLeader) // leadership moved while the request was in flight
		return
	}
	_, api, err := s.node.Leader()
	if err != nil {
		writeErr(w, err)
		return
	}
	req, err := http.NewRequestWithContext(r.Context(), r.Method, api+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		writeErr(w, err)
		return
	}
	for _, h := range []string{"Content-Type", "Authorization", "Accept"} {
		if v := r.Header.Get(h); v != "" {
			req.Header.Set(h, v)
		}
	}
	req.Header.Set(forwardedHeader, s.node.ID())
	resp, err := s.client.Do(req)
	if err != nil {
		s.log.Warn().Err(err).Str("leader", api).Msg("forward to leader failed")
		writeError(w, http.StatusServiceUnavailable, "", "forward to leader: "+err.Error())
		return
	}
	defer resp.Body.Close()
	for _, h := range []string{"Content-Type"} {
		if v := resp.Header.Get(h); v != "" {
			w.Header().Set(h, v)
		}
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, io.LimitReader(resp.Body, 64<<20))
}
