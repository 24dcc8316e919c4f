package api

import (
	"net/http"
)

// rebalance is POST /v1/rebalance: the leader evens out measured load now, within its move budget and ignoring
// its tolerance; ?dry_run=true answers the moves and the load before and after without making them.
func (s *Server) rebalance(w http.ResponseWriter, r *http.Request, body []byte) {
	dryRun, err := boolParam(r, "dry_run")
	if err != nil {
		writeErr(w, err)
		return
	}
	if !s.node.IsLeader() {
		s.forward(w, r, body)
		return
	}
	res, err := s.node.Rebalance(dryRun)
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}
