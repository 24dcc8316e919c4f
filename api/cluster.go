package api

import (
	"net/http"
	"time"

	"github.com/gatherd/gatherd/store"
	"github.com/gatherd/gatherd/wire"
	"github.com/gatherd/gatherd/worker"
)

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.node.Status())
}

func (s *Server) listMembers(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, wire.MemberList{Members: s.node.Status().Members})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if ok, why := s.node.Ready(); !ok {
		writeError(w, http.StatusServiceUnavailable, "", why)
		return
	}
	writeJSON(w, http.StatusOK, wire.Health{Status: "ready"})
}

func (s *Server) assignments(w http.ResponseWriter, r *http.Request) {
	var v wire.Assignments
	s.node.Store().Read(func(st *store.State) {
		v.Generation = st.Generation
		v.Nodes, v.Unassigned = st.ByNode()
		v.Load = st.Loads()
	})
	if v.Unassigned == nil {
		v.Unassigned = []string{}
	}
	writeJSON(w, http.StatusOK, v)
}

// local is GET /v1/local: what this node's worker runs; ?input=ID (repeated for several) keeps those only.
// With ?states=true it answers only each input's state, by ID (wire.LocalStates): what a state filter needs
// of every node, at a tenth of the size.
func (s *Server) local(w http.ResponseWriter, r *http.Request) {
	statesOnly, err := boolParam(r, "states")
	if err != nil {
		writeErr(w, err)
		return
	}
	if statesOnly {
		writeJSON(w, http.StatusOK, s.localStates())
		return
	}
	ids := map[string]bool{}
	for _, id := range r.URL.Query()["input"] {
		ids[id] = true
	}
	v := wire.Local{Node: s.node.ID(), Fenced: s.node.Fenced(), Inputs: []wire.LocalInput{}, Outputs: []wire.OutputHealth{}}
	if s.outputs != nil {
		v.Outputs = s.outputs()
	}
	for _, st := range s.node.Local() {
		if len(ids) == 0 || ids[st.ID] {
			v.Inputs = append(v.Inputs, localView(st))
		}
	}
	writeJSON(w, http.StatusOK, v)
}

// localView is one worker entry as the API shows it.
func localView(st worker.Status) wire.LocalInput {
	return wire.LocalInput{
		ID: st.ID, Plugin: st.Plugin, Version: st.Version, State: st.State, Started: st.Started,
		LastGather: st.LastGather, LastDuration: durationText(store.Duration(st.LastDuration.Round(time.Microsecond))),
		Gathers: st.Gathers, Errors: st.Errors, Overruns: st.Overruns, Skipped: st.Skipped,
		Panics: st.Panics, LastError: st.LastError, From: st.From, Until: st.Until,
	}
}

func (s *Server) listPlugins(w http.ResponseWriter, r *http.Request) {
	names := []string{}
	if s.plugins != nil {
		names = s.plugins.Names()
	}
	writeJSON(w, http.StatusOK, wire.PluginList{Plugins: names})
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
	writeJSON(w, http.StatusOK, wire.NodeState{ID: id, State: string(state)})
}
