package api

import (
	"encoding/json"

	"github.com/gatherd/gatherd/store"
	"github.com/gatherd/gatherd/wire"
	"github.com/gatherd/gatherd/worker"
)

// Cluster is what the API needs of the node it serves (rqlite's http.Store is the model): reads of the local
// replica of the store, writes through raft on the leader, and the node's view of the cluster. *cluster.Node
// implements it; the validation and error tests use a fake with a real store and no raft.
type Cluster interface {
	// ID is this node's ID.
	ID() string
	// Store is the node's replica of the desired state, for local reads.
	Store() *store.Store
	// IsLeader says whether writes may be applied here; elsewhere they are forwarded to Leader's API.
	IsLeader() bool
	// Leader returns the leader's ID and API base URL, or store.ErrNoLeader.
	Leader() (id, apiURL string, err error)
	// VerifyLeader confirms with a quorum that this node still leads (for ?consistent=true reads).
	VerifyLeader() error
	// Barrier returns once this node, the leader, has applied every entry committed before the call.
	Barrier() error
	// Rebalance evens out measured load now (leader only, else store.ErrNotLeader); with dryRun it only plans.
	Rebalance(dryRun bool) (wire.Rebalance, error)
	// Apply writes a command through raft and returns once this node applied it (leader only, else
	// store.ErrNotLeader).
	Apply(cmd *store.Command) (*store.Result, error)
	// SetNodeState writes a node's registry state (drain, undrain, leave); store.ErrUnknownNode for a node the
	// cluster does not know.
	SetNodeState(id string, state store.NodeState) error
	// Status is the node's view of the cluster, as GET /v1/status shows it.
	Status() wire.Status
	// Ready says whether the node has a leader, caught up and is not fenced, with the reason when not.
	Ready() (bool, string)
	// Fenced says whether the node stopped its inputs for lack of leader contact.
	Fenced() bool
	// Local is what this node's worker runs.
	Local() []worker.Status
	// MemberAPI returns the API base URL of a live member.
	MemberAPI(id string) (string, bool)
	// Admit says whether an input may run in this cluster (a *policy.Violation when no live node's policy
	// allows it) and whether this node would run it itself.
	Admit(plugin string, config json.RawMessage) (here bool, err error)
}
