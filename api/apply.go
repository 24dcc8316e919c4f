package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gatherd/gatherd/store"
	"github.com/gatherd/gatherd/wire"
)

// applyParams are the query parameters of a write: source (default "api"), and for POST /v1/inputs prune
// (delete the source's inputs the body lacks) and dry_run (answer the plan, change nothing).
type applyParams struct {
	Source string
	Prune  bool
	DryRun bool
}

func parseApplyParams(r *http.Request) (applyParams, error) {
	q := r.URL.Query()
	p := applyParams{Source: q.Get("source")}
	if p.Source == "" {
		p.Source = store.DefaultSource
	}
	if !store.ValidID(p.Source) {
		return p, &store.FieldError{Field: "source", Reason: fmt.Sprintf("%q must be 1 to %d characters of A-Z a-z 0-9 . _ -", p.Source, store.MaxIDLength)}
	}
	var err error
	if p.Prune, err = boolParam(r, "prune"); err != nil {
		return p, err
	}
	p.DryRun, err = boolParam(r, "dry_run")
	return p, err
}

// boolParam reads a true/false query parameter; absent is false.
func boolParam(r *http.Request, name string) (bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return false, nil
	}
	on, err := strconv.ParseBool(v)
	if err != nil {
		return false, &store.FieldError{Field: name, Reason: fmt.Sprintf("%q is not true or false", v)}
	}
	return on, nil
}

// split turns an input listing several targets into one input per target (Options.Split), or leaves it alone.
func (s *Server) split(in store.Input, where string) ([]store.Input, error) {
	if s.splitTargets == nil {
		return []store.Input{in}, nil
	}
	return s.splitTargets(in, where)
}

// apply writes ins as one declarative apply (one raft entry, all or nothing), or with dry_run answers what it
// would change. The plan is computed on the leader, against the state the write would meet.
func (s *Server) apply(w http.ResponseWriter, r *http.Request, body []byte, ins []store.Input, p applyParams) {
	if !s.node.IsLeader() {
		s.forward(w, r, body)
		return
	}
	a := &store.Apply{Source: p.Source, Prune: p.Prune, Inputs: ins}
	// The plan, against the leader's state once a barrier has committed: every write acknowledged so far, also
	// by a previous leader, is applied here, and the barrier's quorum proves this node still leads. A dry run
	// answers it; an apply that changes nothing answers it too, without writing its entry (re-applying a
	// 30,000-input file must not replicate megabytes to say "no change").
	if err := s.node.Barrier(); err != nil {
		if errors.Is(err, store.ErrNotLeader) {
			s.forward(w, r, body) // it lost the leadership: hold the request for the next leader
			return
		}
		writeErr(w, err)
		return
	}
	var plan store.Plan
	var index uint64
	var err error
	s.node.Store().Read(func(st *store.State) {
		plan, err = store.PlanApply(st, a)
		index = st.Index
	})
	if err != nil {
		writeErr(w, err)
		return
	}
	if p.DryRun {
		writeJSON(w, http.StatusOK, planResult(plan, index, true, []wire.Input{}))
		return
	}
	if len(plan.Created)+len(plan.Updated)+len(plan.Deleted) == 0 {
		setIndex(w, index)
		writeJSON(w, http.StatusOK, planResult(plan, index, false, s.views(ins)))
		return
	}
	res, ok := s.applyCommand(w, r, body, &store.Command{Op: store.OpApply, Apply: a})
	if !ok {
		return
	}
	setIndex(w, res.Index)
	writeJSON(w, http.StatusOK, planResult(*res.Plan, res.Index, false, s.views(ins)))
}

// applyCommand writes cmd through raft on this node, the leader. When the node lost its leadership before the
// write entered its log, the request is held and sent to the next leader instead. ok is false when the
// answer has been written (forwarded, or an error).
func (s *Server) applyCommand(w http.ResponseWriter, r *http.Request, body []byte, cmd *store.Command) (*store.Result, bool) {
	res, err := s.node.Apply(cmd)
	if errors.Is(err, store.ErrNotLeader) {
		s.forward(w, r, body)
		return nil, false
	}
	if err != nil {
		writeErr(w, err)
		return nil, false
	}
	return res, true
}

// views are the stored inputs of an apply's body, as the API shows them.
func (s *Server) views(ins []store.Input) []wire.Input {
	out := make([]wire.Input, 0, len(ins))
	s.node.Store().Read(func(st *store.State) {
		for _, in := range ins {
			if stored, ok := st.Inputs[in.ID]; ok {
				out = append(out, s.view(*stored, st.Assignments[in.ID]))
			}
		}
	})
	return out
}

func planResult(p store.Plan, index uint64, dryRun bool, views []wire.Input) wire.ApplyResult {
	return wire.ApplyResult{
		Inputs: views, Index: index, DryRun: dryRun,
		Created: p.Created, Updated: p.Updated, Deleted: p.Deleted, Unchanged: p.Unchanged,
	}
}
