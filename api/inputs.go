package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gatherd/gatherd/inputs"
	"github.com/gatherd/gatherd/policy"
	"github.com/gatherd/gatherd/store"
	"github.com/gatherd/gatherd/wire"
	"github.com/gatherd/gatherd/worker"
)

// DefaultInterval applies when a submitted input names none, as Telegraf's agent interval does.
const DefaultInterval = 10 * time.Second

// toInput turns a submitted spec into a store input, with errors naming the field under prefix. Durations
// travel as strings and are parsed here so that an error can name the field.
func toInput(r wire.InputSpec, prefix string) (store.Input, error) {
	in := store.Input{ID: r.ID, Plugin: r.Plugin, Config: r.Config, Interval: store.Duration(DefaultInterval)}
	for _, d := range []struct {
		field string
		raw   string
		dst   *store.Duration
	}{{"interval", r.Interval, &in.Interval}, {"timeout", r.Timeout, &in.Timeout}, {"jitter", r.Jitter, &in.Jitter}} {
		if d.raw == "" {
			continue
		}
		v, err := time.ParseDuration(d.raw)
		if err != nil {
			return in, &store.FieldError{Field: prefix + d.field, Reason: fmt.Sprintf("%q is not a duration such as \"10s\"", d.raw)}
		}
		*d.dst = store.Duration(v)
	}
	if err := in.Validate(); err != nil {
		if fe, ok := err.(*store.FieldError); ok {
			return in, &store.FieldError{Field: prefix + fe.Field, Reason: fe.Reason}
		}
		return in, err
	}
	if err := refuseRedacted(in, prefix); err != nil {
		return in, err
	}
	return in, nil
}

// refuseRedacted stops a config read back from the API (with secrets redacted) from overwriting the real
// secret with the redaction marker.
func refuseRedacted(in store.Input, prefix string) error {
	if p, ok := FindRedacted(in.Config); ok {
		return &store.FieldError{Field: prefix + "config." + p, Reason: fmt.Sprintf("holds %q: send the real value", Redacted)}
	}
	return nil
}

// view is how every input leaves the API: secrets in its config are redacted.
func (s *Server) view(in store.Input, a store.Assignment) wire.Input {
	return wire.Input{
		ID: in.ID, Plugin: in.Plugin, Interval: in.Interval.D().String(), Timeout: durationText(in.Timeout),
		Jitter: durationText(in.Jitter), Config: RedactConfig(in.Config), Version: in.Version,
		Group: in.Group, Source: store.SourceOf(&in),
		Node: a.Node, Generation: a.Generation, Since: a.Since, Reason: a.Reason,
	}
}

// durationText is an optional duration as the API writes it: "" (omitted) when zero.
func durationText(d store.Duration) string {
	if d == 0 {
		return ""
	}
	return d.D().String()
}

func (s *Server) listInputs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	perPage := 0
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, "per_page", fmt.Sprintf("%q is not a positive number", v))
			return
		}
		perPage = n
	}
	state := q.Get("state")
	if state != "" && !slices.Contains(inputStates, state) {
		writeError(w, http.StatusBadRequest, "state", fmt.Sprintf("%q is not one of %s", state, strings.Join(inputStates, ", ")))
		return
	}
	withStatus, err := boolParam(r, "status")
	if err != nil {
		writeErr(w, err)
		return
	}
	// A state filter needs every owner's state of every input (kept a second, see runtimeStates); the full status
	// of the page's inputs alone is asked of their owners once the page is cut.
	var states map[string]string
	if state != "" {
		states = s.runtimeStates(r)
	}
	group, source, node, plugin, next := q.Get("group"), q.Get("source"), q.Get("node"), q.Get("plugin"), q.Get("next_token")
	search := strings.ToLower(q.Get("q"))
	now := time.Now()
	out := wire.InputList{Inputs: []wire.Input{}}
	matches := 0
	s.node.Store().Read(func(st *store.State) {
		for _, in := range st.SortedInputs() {
			a := st.Assignments[in.ID]
			switch {
			case group != "" && in.Group != group,
				source != "" && store.SourceOf(&in) != source,
				node != "" && a.Node != node,
				plugin != "" && in.Plugin != plugin,
				search != "" && !strings.Contains(strings.ToLower(in.ID), search),
				state != "" && stateOf(in.ID, a, states) != state:
				continue
			}
			matches++ // every match counts, on this page or another
			if in.ID < next {
				continue
			}
			if perPage > 0 && len(out.Inputs) >= perPage {
				if len(out.Inputs) == perPage && w.Header().Get("X-Next-Token") == "" {
					w.Header().Set("X-Next-Token", in.ID) // the first input of the next page
				}
				continue
			}
			v := s.view(in, a)
			v.Cost = st.Costs[in.ID]
			if a.Node != "" {
				v.NextSlot = worker.NextSlot(in.ID, in.Interval.D(), now)
			}
			out.Inputs = append(out.Inputs, v)
		}
	})
	if state != "" || withStatus {
		s.attachStatus(r, out.Inputs)
	}
	w.Header().Set("X-Total-Count", strconv.Itoa(matches))
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getInput(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	in, a, ok := s.node.Store().Input(id)
	if !ok {
		writeError(w, http.StatusNotFound, "id", fmt.Sprintf("input %q not found", id))
		return
	}
	v := s.view(in, a)
	s.node.Store().Read(func(st *store.State) { v.Cost = st.Costs[id] })
	v.Status = s.ownerStatus(r, id, a.Node)
	if a.Node != "" {
		v.NextSlot = worker.NextSlot(in.ID, in.Interval.D(), time.Now())
	}
	for _, m := range s.node.Store().Moves(id) {
		v.Moves = append(v.Moves, moveView(m))
	}
	writeJSON(w, http.StatusOK, v)
}

// ownerStatus asks the input's owner what its worker says of the input: this node's worker when it owns it,
// else the owner's /v1/local, with the caller's token and a short timeout. nil when the owner cannot tell.
func (s *Server) ownerStatus(r *http.Request, id, owner string) *wire.LocalInput {
	if owner == "" {
		return nil
	}
	if owner == s.node.ID() {
		for _, st := range s.node.Local() {
			if st.ID == id {
				v := localView(st)
				return &v
			}
		}
		return nil
	}
	if r.Header.Get(forwardedHeader) != "" {
		return nil
	}
	v, err := s.askMember(r, owner, "/v1/local?input="+url.QueryEscape(id), decodeLocal)
	if err != nil {
		s.log.Debug().Err(err).Str("owner", owner).Str("input", id).Msg("owner status unavailable")
		return nil
	}
	if local := v.(wire.Local); len(local.Inputs) == 1 {
		return &local.Inputs[0]
	}
	return nil
}

func decodeLocal(body io.Reader) (any, error) {
	var local wire.Local
	err := json.NewDecoder(body).Decode(&local)
	return local, err
}

func (s *Server) putInput(w http.ResponseWriter, r *http.Request, body []byte) {
	id := r.PathValue("id")
	var req wire.InputSpec
	if err := decodeStrict(body, &req); err != nil {
		writeErr(w, err)
		return
	}
	if req.ID != "" && req.ID != id {
		writeError(w, http.StatusBadRequest, "id", fmt.Sprintf("body id %q differs from the path's %q", req.ID, id))
		return
	}
	req.ID = id
	params, err := parseApplyParams(r)
	if err == nil && (params.Prune || params.DryRun) {
		field := "prune"
		if params.DryRun {
			field = "dry_run"
		}
		err = &store.FieldError{Field: field, Reason: "applies to POST /v1/inputs only: a PUT stores the one input it names"}
	}
	if err != nil {
		writeErr(w, err)
		return
	}
	in, err := toInput(req, "")
	if err == nil {
		err = s.checkPlugin(r, &in, "", "config.")
	}
	if err != nil {
		writeErr(w, err)
		return
	}
	in.Source = params.Source
	s.putOne(w, r, body, in)
}

func (s *Server) postInputs(w http.ResponseWriter, r *http.Request, body []byte) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/toml" {
		s.postTOML(w, r, body)
		return
	}
	params, err := parseApplyParams(r)
	if err != nil {
		writeErr(w, err)
		return
	}
	var req wire.Batch
	if err := decodeStrict(body, &req); err != nil {
		writeErr(w, err)
		return
	}
	if len(req.Inputs) == 0 {
		writeError(w, http.StatusBadRequest, "inputs", "at least one input is required")
		return
	}
	ins := make([]store.Input, 0, len(req.Inputs))
	seen := map[string]string{}
	for i := range req.Inputs {
		prefix := fmt.Sprintf("inputs[%d].", i)
		in, err := toInput(req.Inputs[i], prefix)
		if err != nil {
			writeErr(w, err)
			return
		}
		split, err := s.prepare(r, in, entry{name: fmt.Sprintf("inputs[%d]", i), prefix: prefix, config: prefix + "config", dup: prefix + "id"}, seen)
		if err != nil {
			writeErr(w, err)
			return
		}
		ins = append(ins, split...)
	}
	s.apply(w, r, body, ins, params)
}

// postTOML applies a Telegraf config: one input per [[inputs.X]] table, in one raft entry, all or nothing.
// Errors name the table ("inputs.http_response[1]") and the key.
func (s *Server) postTOML(w http.ResponseWriter, r *http.Request, body []byte) {
	if s.toml == nil {
		writeError(w, http.StatusUnsupportedMediaType, "Content-Type", "this node cannot import Telegraf TOML")
		return
	}
	params, err := parseApplyParams(r)
	if err != nil {
		writeErr(w, err)
		return
	}
	ins, err := s.toml(body)
	if err != nil {
		writeErr(w, err)
		return
	}
	tables := tableNames(ins)
	seen := map[string]string{}
	var all []store.Input
	for i := range ins {
		if err := refuseRedacted(ins[i], tables[i]+"."); err != nil {
			writeErr(w, err)
			return
		}
		split, err := s.prepare(r, ins[i], entry{name: tables[i], prefix: tables[i] + ".", config: tables[i], dup: tables[i] + ".alias"}, seen)
		if err != nil {
			writeErr(w, err)
			return
		}
		all = append(all, split...)
	}
	s.apply(w, r, body, all, params)
}

// entry names a submitted input in errors: a batch entry ("inputs[2]", config keys under "inputs[2].config")
// or a TOML table ("inputs.ping[0]", keys right under it); dup is the field blamed when it makes an ID another
// entry makes too.
type entry struct{ name, prefix, config, dup string }

// prepare checks one submitted input and makes one input per target of it: its target list first, then its
// plugin and the policy once for the whole entry (Init checks every target), then the split. seen maps the IDs
// made so far to their entry, so two entries cannot make the same input.
func (s *Server) prepare(r *http.Request, in store.Input, e entry, seen map[string]string) ([]store.Input, error) {
	split, err := s.split(in, e.config)
	if err == nil {
		err = s.checkPlugin(r, &in, e.prefix, e.config+".")
	}
	if err != nil {
		return nil, err
	}
	for _, one := range split {
		if other, dup := seen[one.ID]; dup {
			return nil, &store.FieldError{Field: e.dup, Reason: fmt.Sprintf("id %q is also made by %s: give one an alias or another id", one.ID, other)}
		}
		seen[one.ID] = e.name
	}
	return split, nil
}

// tableNames names each parsed table after its place in the file, "inputs.<plugin>[n]", in the order
// ParseInputs returns them.
func tableNames(ins []store.Input) []string {
	count := map[string]int{}
	out := make([]string, len(ins))
	for i, in := range ins {
		out[i] = fmt.Sprintf("inputs.%s[%d]", in.Plugin, count[in.Plugin])
		count[in.Plugin]++
	}
	return out
}

// checkPlugin refuses an input that no live node's policy allows (it would run a program, read a local path,
// bind an interface or reach a link-local address), then builds the plugin once, so an unknown plugin or a
// config it rejects fails now, not on a node. prefix names the input ("", "inputs[2]." or the TOML table's
// "inputs.ping[0]."), configPrefix its config keys ("config.", "inputs[2].config." or the table's prefix).
// The plugin is initialised only when this node's own policy allows the input: Init may read the files the
// config names, and another node's allowed directory means nothing here. A table that lists several targets is
// checked once, before it is split: its Init checks every target. The leader does not build again what a peer
// forwarded (it built it), which halves the cost of a large apply; every node still checks its own policy
// when it builds an input to run it.
func (s *Server) checkPlugin(r *http.Request, in *store.Input, prefix, configPrefix string) error {
	if s.plugins == nil {
		return nil
	}
	spec := inputs.Spec{ID: in.ID, Interval: in.Interval.D(), Config: in.Config, Validation: true}
	if s.plugins.Has(in.Plugin) {
		here, err := s.node.Admit(in.Plugin, in.Config)
		var v *policy.Violation
		if errors.As(err, &v) {
			field := configPrefix + v.Key
			if v.Key == "" {
				field = prefix + "plugin"
			}
			return &store.FieldError{Field: field, Reason: v.Reason}
		}
		if err != nil {
			return &store.FieldError{Field: prefix + "config", Reason: err.Error()}
		}
		spec.NoInit = !here
		if s.fromPeer(r) {
			return nil
		}
	}
	if _, err := s.plugins.Build(in.Plugin, spec); err != nil {
		field := prefix + "config"
		var unknown *inputs.UnknownPluginError
		var keys interface{ UnknownKeys() []string }
		switch {
		case errors.As(err, &unknown):
			field = prefix + "plugin"
		case errors.As(err, &keys) && len(keys.UnknownKeys()) > 0:
			field = configPrefix + keys.UnknownKeys()[0]
		}
		return &store.FieldError{Field: field, Reason: err.Error()}
	}
	return nil
}

// putOne stores exactly the one input a PUT names.
func (s *Server) putOne(w http.ResponseWriter, r *http.Request, body []byte, in store.Input) {
	if !s.node.IsLeader() {
		s.forward(w, r, body)
		return
	}
	res, ok := s.applyCommand(w, r, body, &store.Command{Op: store.OpPutInputs, Inputs: []store.Input{in}})
	if !ok {
		return
	}
	_, a, _ := s.node.Store().Input(in.ID)
	setIndex(w, res.Index)
	writeJSON(w, http.StatusOK, s.view(res.Inputs[0], a))
}

func (s *Server) deleteInput(w http.ResponseWriter, r *http.Request, body []byte) {
	id := r.PathValue("id")
	if !store.ValidID(id) {
		writeError(w, http.StatusBadRequest, "id", fmt.Sprintf("%q is not a valid input id", id))
		return
	}
	if !s.node.IsLeader() {
		s.forward(w, r, body)
		return
	}
	res, ok := s.applyCommand(w, r, body, &store.Command{Op: store.OpDeleteInput, ID: id})
	if !ok {
		return
	}
	setIndex(w, res.Index)
	w.WriteHeader(http.StatusNoContent)
}
