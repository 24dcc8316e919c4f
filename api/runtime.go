package api

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/gatherd/gatherd/store"
	"github.com/gatherd/gatherd/wire"
)

// inputStates are the values of GET /v1/inputs?state=: the owner's worker state, "unassigned" (no node may
// run it) or "unknown" (its owner did not report it: not started yet, or not answering).
var inputStates = []string{"running", "starting", "ended", "failed", "unassigned", "unknown"}

// stateOf is an input's state as GET /v1/inputs?state= filters it: states holds every owner's worker states,
// keyed by node and input ID (a node that hands an input over reports it too, so the owner's entry counts).
func stateOf(id string, a store.Assignment, states map[string]string) string {
	if a.Node == "" {
		return "unassigned"
	}
	if st, ok := states[a.Node+"\x00"+id]; ok {
		return st
	}
	return "unknown"
}

// runtimeCacheFor is how long the fan-out of runtimeStates is reused: a console filtering as its user types
// asks every owner once, not once per key stroke.
const runtimeCacheFor = time.Second

type runtimeCache struct {
	mu     sync.Mutex
	at     time.Time
	states map[string]string
}

// runtimeStates is every live node's worker state of each of its inputs (this node's own, the others' through
// their GET /v1/local?states=true with the caller's token), keyed as stateOf reads it.
func (s *Server) runtimeStates(r *http.Request) map[string]string {
	c := &s.runtime
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.states != nil && time.Since(c.at) < runtimeCacheFor {
		return c.states
	}
	all := map[string]string{}
	for _, a := range s.askMembers(r, "/v1/local?states=true", decodeLocalStates) {
		states := map[string]string{}
		switch {
		case a.self:
			states = s.localStates().States
		case a.err == nil:
			states = a.value.(wire.LocalStates).States
		}
		for id, st := range states {
			all[a.node+"\x00"+id] = st
		}
	}
	c.states, c.at = all, time.Now()
	return all
}

func (s *Server) localStates() wire.LocalStates {
	v := wire.LocalStates{Node: s.node.ID(), States: map[string]string{}}
	for _, st := range s.node.Local() {
		v.States[st.ID] = st.State
	}
	return v
}

func decodeLocalStates(body io.Reader) (any, error) {
	var v wire.LocalStates
	err := json.NewDecoder(body).Decode(&v)
	return v, err
}

// maxStatusIDs is the most input IDs attachStatus names in one owner's URL (128 characters each at most).
const maxStatusIDs = 200

// attachStatus sets each input's Status from its owner: this node's worker, or the owner's /v1/local for just
// those inputs, owners asked in parallel. An input whose owner does not answer keeps a nil Status.
func (s *Server) attachStatus(r *http.Request, ins []wire.Input) {
	byOwner := map[string][]string{}
	for _, in := range ins {
		if in.Node != "" {
			byOwner[in.Node] = append(byOwner[in.Node], in.ID)
		}
	}
	got := map[string]wire.LocalInput{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for owner, ids := range byOwner {
		if owner == s.node.ID() {
			continue
		}
		path := "/v1/local?" + url.Values{"input": ids}.Encode()
		if len(ids) > maxStatusIDs {
			path = "/v1/local" // all of it: thousands of IDs in a URL would pass the owner's header limit
		}
		wg.Go(func() {
			v, err := s.askMember(r, owner, path, decodeLocal)
			if err != nil {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			for _, in := range v.(wire.Local).Inputs {
				got[owner+"\x00"+in.ID] = in
			}
		})
	}
	wg.Wait()
	if _, mine := byOwner[s.node.ID()]; mine {
		for _, st := range s.node.Local() {
			got[s.node.ID()+"\x00"+st.ID] = localView(st)
		}
	}
	for i := range ins {
		if st, ok := got[ins[i].Node+"\x00"+ins[i].ID]; ok {
			ins[i].Status = &st
		}
	}
}
