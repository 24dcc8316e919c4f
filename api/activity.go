package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gatherd/gatherd/store"
	"github.com/gatherd/gatherd/wire"
)

// auth is GET /v1/auth: what the presented token may do, so the console can disable what it may not.
func (s *Server) auth(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, wire.Auth{Role: roleOf(r)})
}

// events is GET /v1/events?limit=N: what this node observed, newest first.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	limit, ok := positiveParam(w, r, "limit", 200)
	if !ok {
		return
	}
	v := wire.EventList{Node: s.node.ID(), Events: []wire.Event{}}
	if s.activity != nil {
		v.Events = append(v.Events, s.activity.Events(limit)...)
	}
	writeJSON(w, http.StatusOK, v)
}

// history is GET /v1/history?limit=N&moves=M: the last N placement generations, newest first, each with its
// count of moves by reason and its first M moves.
func (s *Server) history(w http.ResponseWriter, r *http.Request) {
	limit, ok := positiveParam(w, r, "limit", 50)
	if !ok {
		return
	}
	moves, ok := positiveParam(w, r, "moves", 20)
	if !ok {
		return
	}
	v := wire.History{Generations: []wire.Generation{}}
	for _, g := range s.node.Store().Generations(limit) {
		out := wire.Generation{Generation: g.Generation, Index: g.Index, At: g.At, Total: g.Total, Reasons: map[string]int{}, Moves: []wire.Move{}}
		for i, m := range g.Moves {
			out.Reasons[m.Reason]++
			if i < moves {
				out.Moves = append(out.Moves, moveView(store.InputMove{MoveRecord: m, Generation: g.Generation, At: g.At}))
			}
		}
		if extra := g.Total - len(g.Moves); extra > 0 {
			out.Reasons["(not kept)"] = extra
		}
		v.Generations = append(v.Generations, out)
	}
	writeJSON(w, http.StatusOK, v)
}

func moveView(m store.InputMove) wire.Move {
	return wire.Move{Input: m.Input, From: m.From, To: m.To, Reason: m.Reason, Generation: m.Generation, At: m.At}
}

// positiveParam reads an optional positive integer query parameter, answering 400 naming it when it is not one.
func positiveParam(w http.ResponseWriter, r *http.Request, name string, def int) (int, bool) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		writeError(w, http.StatusBadRequest, name, fmt.Sprintf("%q is not a positive number", v))
		return 0, false
	}
	return n, true
}

// perNode serves a route every live member answers for itself, in the shape {"nodes": [...]} (wire.Series,
// wire.NodeList): with ?local=true this node's entry only; else every live member's, asked in parallel at
// path?local=true with the caller's token, in member order. A member that does not answer gives failed's entry.
func perNode[E any](s *Server, path string, local func() E, failed func(node string, err error) E) http.HandlerFunc {
	type list struct {
		Nodes []E `json:"nodes"`
	}
	return func(w http.ResponseWriter, r *http.Request) {
		out := list{Nodes: []E{}}
		localOnly, err := boolParam(r, "local")
		if err != nil {
			writeErr(w, err)
			return
		}
		if localOnly {
			out.Nodes = append(out.Nodes, local())
			writeJSON(w, http.StatusOK, out)
			return
		}
		answers := s.askMembers(r, path+"?local=true", func(body io.Reader) (any, error) {
			var v list
			if err := json.NewDecoder(body).Decode(&v); err != nil {
				return nil, err
			}
			if len(v.Nodes) != 1 {
				return nil, fmt.Errorf("%d entries in a node's own answer", len(v.Nodes))
			}
			return v.Nodes[0], nil
		})
		for _, a := range answers {
			switch {
			case a.self:
				out.Nodes = append(out.Nodes, local())
			case a.err != nil:
				out.Nodes = append(out.Nodes, failed(a.node, a.err))
			default:
				out.Nodes = append(out.Nodes, a.value.(E))
			}
		}
		writeJSON(w, http.StatusOK, out)
	}
}

// series is GET /v1/series: gathers and errors per 10 s over the last hour, per live member.
func (s *Server) series() http.HandlerFunc {
	return perNode(s, "/v1/series", s.localSeries, func(node string, err error) wire.NodeSeries {
		return wire.NodeSeries{Node: node, Points: []wire.Point{}, Error: err.Error()}
	})
}

// nodes is GET /v1/nodes: every live member's own account of itself (version, readiness, fencing, what it runs).
func (s *Server) nodes() http.HandlerFunc {
	return perNode(s, "/v1/nodes", s.nodeInfo, func(node string, err error) wire.NodeInfo {
		return wire.NodeInfo{ID: node, NotReady: "not answering", Error: err.Error()}
	})
}

func (s *Server) nodeInfo() wire.NodeInfo {
	ready, why := s.node.Ready()
	st := s.node.Status()
	return wire.NodeInfo{ID: s.node.ID(), Version: Version(), Ready: ready, NotReady: why, Fenced: st.Fenced, Running: st.Running, AppliedIndex: st.AppliedIndex}
}

func (s *Server) localSeries() wire.NodeSeries {
	v := wire.NodeSeries{Node: s.node.ID(), Points: []wire.Point{}}
	if s.activity != nil {
		v.Points = s.activity.Points()
	}
	return v
}

// memberAnswer is one live member's answer to askMembers: self marks this node (not asked over HTTP).
type memberAnswer struct {
	node  string
	self  bool
	value any
	err   error
}

// askMembers sends GET path to every live member but this one, in parallel, with the caller's token and a
// short timeout, and decodes each 200 answer with decode. Answers come in member order.
func (s *Server) askMembers(r *http.Request, path string, decode func(io.Reader) (any, error)) []memberAnswer {
	var out []memberAnswer
	for _, m := range s.node.Status().Members {
		if m.Status == "alive" {
			out = append(out, memberAnswer{node: m.ID, self: m.ID == s.node.ID()})
		}
	}
	var wg sync.WaitGroup
	for i := range out {
		if out[i].self {
			continue
		}
		wg.Go(func() { out[i].value, out[i].err = s.askMember(r, out[i].node, path, decode) })
	}
	wg.Wait()
	return out
}

// askMemberTimeout bounds how long a fan-out waits for one member.
const askMemberTimeout = 3 * time.Second

func (s *Server) askMember(r *http.Request, node, path string, decode func(io.Reader) (any, error)) (any, error) {
	base, ok := s.node.MemberAPI(node)
	if !ok {
		return nil, fmt.Errorf("no API address known for %s", node)
	}
	ctx, cancel := context.WithTimeout(r.Context(), askMemberTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
	if err != nil {
		return nil, err
	}
	if v := r.Header.Get("Authorization"); v != "" {
		req.Header.Set("Authorization", v)
	}
	req.Header.Set(forwardedHeader, s.node.ID())
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s answered %s", node, resp.Status)
	}
	return decode(io.LimitReader(resp.Body, 64<<20))
}
