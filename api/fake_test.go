package api

import (
	"encoding/json"
	"fmt"
	"sync"

	"github.com/hashicorp/raft"

	"github.com/gatherd/gatherd/policy"
	"github.com/gatherd/gatherd/store"
	"github.com/gatherd/gatherd/wire"
	"github.com/gatherd/gatherd/worker"
)

// fakeCluster is a node without raft: a real store applied in order, a registry of known nodes and the zero
// policy, so the API's validation and error paths run as unit tests.
type fakeCluster struct {
	mu     sync.Mutex
	st     *store.Store
	index  uint64
	leader bool
	nodes  map[string]bool
	audit  policy.Table
}

func newFakeCluster(audit policy.Table) *fakeCluster {
	return &fakeCluster{st: store.New(), leader: true, nodes: map[string]bool{"n1": true}, audit: audit}
}

var _ Cluster = (*fakeCluster)(nil)

func (f *fakeCluster) ID() string          { return "n1" }
func (f *fakeCluster) Store() *store.Store { return f.st }
func (f *fakeCluster) IsLeader() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.leader
}
func (f *fakeCluster) Leader() (string, string, error) {
	if f.IsLeader() {
		return "n1", "http://127.0.0.1:1", nil
	}
	return "", "", store.ErrNoLeader
}
func (f *fakeCluster) Barrier() error { return f.VerifyLeader() }

func (f *fakeCluster) VerifyLeader() error {
	if !f.IsLeader() {
		return store.ErrNotLeader
	}
	return nil
}

func (f *fakeCluster) Apply(cmd *store.Command) (*store.Result, error) {
	if !f.IsLeader() {
		return nil, store.ErrNotLeader
	}
	b, err := cmd.Encode()
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	f.index++
	i := f.index
	f.mu.Unlock()
	res := f.st.Apply(&raft.Log{Index: i, Type: raft.LogCommand, Data: b}).(*store.Result)
	return res, res.Err
}

func (f *fakeCluster) SetNodeState(id string, state store.NodeState) error {
	if !f.nodes[id] {
		return fmt.Errorf("node %q: %w", id, store.ErrUnknownNode)
	}
	_, err := f.Apply(&store.Command{Op: store.OpSetNode, Node: &store.Node{ID: id, State: state}})
	return err
}

func (f *fakeCluster) Status() wire.Status {
	st := wire.Status{NodeID: "n1", LeaderID: "n1", RaftState: "Leader"}
	f.st.Read(func(s *store.State) { st.Inputs, st.Generation, st.AppliedIndex = len(s.Inputs), s.Generation, s.Index })
	return st
}
func (f *fakeCluster) Ready() (bool, string)              { return f.IsLeader(), "no leader known" }
func (f *fakeCluster) Fenced() bool                       { return false }
func (f *fakeCluster) Local() []worker.Status             { return nil }
func (f *fakeCluster) MemberAPI(id string) (string, bool) { return "", false }

// Admit applies the zero policy: no node of the fake allows anything beyond network targets.
func (f *fakeCluster) Admit(plugin string, config json.RawMessage) (bool, error) {
	needs, err := f.audit.Inspect(plugin, config)
	if err == nil {
		err = policy.Policy{}.Admit(needs)
	}
	return err == nil, err
}

// Rebalance plans nothing: the fake has no placement. Tests of rebalancing run a testcluster.
func (f *fakeCluster) Rebalance(dryRun bool) (wire.Rebalance, error) {
	if !f.IsLeader() {
		return wire.Rebalance{}, store.ErrNotLeader
	}
	return wire.Rebalance{DryRun: dryRun, Moves: []wire.Move{}}, nil
}
