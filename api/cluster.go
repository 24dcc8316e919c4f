package api

import (
	"net/http"
	"slices"

	"github.com/gatherd/gatherd/store"
	"github.com/gatherd/gatherd/worker"
)

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.node.Status())
}

func (s *Server) listMembers(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"members": s.node.Status().Members})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if ok, why := s.node.Ready(); !ok {
		writeError(w, http.StatusServiceUnavailable, "", why)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// assignmentView is GET /v1/assignments.
type assignmentView struct {
	Generation uint64              `json:"generation"`
	Nodes      map[string][]string `json:"nodes"`
	Unassigned []string            `json:"unassigned"`
}

func (s *Server) assignments(w http.ResponseWriter, r *http.Request) {
	var v assignmentView
	s.node.Store().Read(func(st *store.State) {
		v.Generation = st.Generation
		v.Nodes, v.Unassigned = st.ByNode()
	})
	if v.Unassigned == nil {
		v.Unassigned = []string{}
	}
	writeJSON(w, http.StatusOK, v)
}

// local is GET /v1/local: what this node's worker runs; ?input=ID keeps that input only.
func (s *Server) local(w http.ResponseWriter, r *http.Request) {
	inputs := s.node.Worker().Local()
	if id := r.URL.Query().Get("input"); id != "" {
		inputs = slices.DeleteFunc(inputs, func(st worker.Status) bool { return st.ID != id })
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"node":   s.node.ID(),
		"fenced": s.node.Fenced(),
		"inputs": inputs,
	})
}

func (s *Server) listPlugins(w http.ResponseWriter, r *http.Request) {
	names := []string{}
	if s.plugins != nil {
		names = s.plugins.Names()
	}
	writeJSON(w, http.StatusOK, map[string]any{"plugins": names})
}

func (s *Server) drain(on bool) func(http.ResponseWriter, *http.Request, []byte) {
	state := store.NodeAlive
	if on {
		state = store.NodeDraining
	}
	return func(w http.ResponseWriter, r *http.Request, body []byte) {
		s.setNodeState(w, r, body, state)
	}
}

func (s *Server) leave(w http.ResponseWriter, r *http.Request, body []byte) {
	s.setNodeState(w, r, body, store.NodeLeft)
}

func (s *Server) setNodeState(w http.ResponseWriter, r *http.Request, body []byte, state store.NodeState) {
	id := r.PathValue("id")
	if !store.ValidID(id) {
		writeError(w, http.StatusBadRequest, "id", "invalid node id")
		return
	}
	if !s.node.IsLeader() {
		s.forward(w, r, body)
		return
	}
	if err := s.node.SetNodeState(id, state); err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": id, "state": string(state)})
}
