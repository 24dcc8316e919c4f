package wire

import "time"

// Event is one thing a node saw happen in the cluster (GET /v1/events).
type Event struct {
	At time.Time `json:"at"`
	// Kind is start, join, failed, left, removed, drain, undrain, state, raft (suffrage change), leader,
	// leader_lost, term, fenced or unfenced.
	Kind   string `json:"kind"`
	Node   string `json:"node,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// EventList is GET /v1/events: the answering node's observations, newest first.
type EventList struct {
	Node   string  `json:"node"`
	Events []Event `json:"events"`
}

// Move is one input's change of owner: From is empty when it was first placed, To when no node may run it.
// Reason is new, join, crash, drain, leave or rebalance.
type Move struct {
	Input      string    `json:"input"`
	From       string    `json:"from"`
	To         string    `json:"to"`
	Reason     string    `json:"reason,omitempty"`
	Generation uint64    `json:"generation"`
	At         time.Time `json:"at,omitzero"`
	// Since is when a planned move takes effect: the new owner gathers the slots from it (rebalance plans).
	Since time.Time `json:"since,omitzero"`
}

// Generation is one placement generation of GET /v1/history: when the leader wrote it, how many inputs it
// moved by reason, and (up to ?moves=N) which.
type Generation struct {
	Generation uint64         `json:"generation"`
	Index      uint64         `json:"index"`
	At         time.Time      `json:"at,omitzero"`
	Total      int            `json:"total"`
	Reasons    map[string]int `json:"reasons"`
	Moves      []Move         `json:"moves"`
}

// History is GET /v1/history: placement generations, newest first.
type History struct {
	Generations []Generation `json:"generations"`
}

// Point is what one node gathered in one window ending at At, of Seconds length.
type Point struct {
	At      time.Time `json:"at"`
	Seconds float64   `json:"seconds"`
	Gathers uint64    `json:"gathers"`
	Errors  uint64    `json:"errors"`
}

// NodeSeries is one node's points, oldest first; Error says why a node did not answer.
type NodeSeries struct {
	Node   string  `json:"node"`
	Points []Point `json:"points"`
	Error  string  `json:"error,omitempty"`
}

// Series is GET /v1/series: gathers and errors per node over the last hour, in 10 s windows.
type Series struct {
	Nodes []NodeSeries `json:"nodes"`
}

// Auth is GET /v1/auth: what the presented token may do ("write", "read", or "open" when the API needs none).
type Auth struct {
	Role string `json:"role"`
}

// NodeInfo is a node's own account of itself, in GET /v1/nodes. Error says why the node did not answer.
type NodeInfo struct {
	ID           string `json:"id"`
	Version      string `json:"version,omitempty"`
	Ready        bool   `json:"ready"`
	NotReady     string `json:"not_ready,omitempty"` // why not, when not ready
	Fenced       bool   `json:"fenced"`
	Running      int    `json:"running"`
	AppliedIndex uint64 `json:"applied_index"`
	Error        string `json:"error,omitempty"`
}

// NodeList is GET /v1/nodes.
type NodeList struct {
	Nodes []NodeInfo `json:"nodes"`
}
