package wire

import (
	"encoding/json"
	"time"
)

// Error is every 4xx and 5xx answer: what failed, and the part of the request to blame when there is one
// ("interval", "inputs[2].config.urls[0]", "inputs.ping[0].method").
type Error struct {
	Error string `json:"error"`
	Field string `json:"field,omitempty"`
}

// Health is GET /healthz and GET /readyz when they answer 200.
type Health struct {
	Status string `json:"status"` // "ok" or "ready"
}

// Member is one node of the cluster as the answering node sees it.
type Member struct {
	ID         string `json:"id"`
	Status     string `json:"status"` // gossip: alive, dead or left
	State      string `json:"state"`  // registry: alive, draining or left
	Voter      bool   `json:"voter"`  // a raft voter
	Raft       string `json:"raft"`   // voter, nonvoter, staging or none
	APIAddr    string `json:"api_addr"`
	RaftAddr   string `json:"raft_addr"`
	GossipAddr string `json:"gossip_addr"`
	Stopping   bool   `json:"stopping,omitempty"` // shutting down, handing its inputs over
}

// MemberList is GET /v1/members.
type MemberList struct {
	Members []Member `json:"members"`
}

// Status is GET /v1/status: the answering node's view of the cluster.
type Status struct {
	NodeID       string   `json:"node_id"`
	LeaderID     string   `json:"leader_id"`
	RaftState    string   `json:"raft_state"`
	Term         uint64   `json:"term"`
	Members      []Member `json:"members"`
	Inputs       int      `json:"inputs"` // inputs in the cluster
	AppliedIndex uint64   `json:"applied_index"`
	CommitIndex  uint64   `json:"commit_index"`
	Generation   uint64   `json:"generation"` // of the assignment
	Fenced       bool     `json:"fenced"`     // the node stopped its inputs for lack of leader contact
	Running      int      `json:"running"`    // inputs running on the answering node
	// DiskError: the node's last write to its raft log failed (the data dir full, say); it is fenced until a
	// write succeeds.
	DiskError string `json:"disk_error,omitempty"`
}

// InputSpec is an input as submitted (PUT /v1/inputs/{id}, and each of POST /v1/inputs). Durations are Go
// duration strings such as "10s"; an empty Interval means the server's default (10s). Config is the plugin's
// settings, a JSON object of its Telegraf keys.
type InputSpec struct {
	ID       string          `json:"id,omitempty"` // required in a batch; PUT takes it from the path
	Plugin   string          `json:"plugin"`
	Interval string          `json:"interval,omitempty"`
	Timeout  string          `json:"timeout,omitempty"`
	Jitter   string          `json:"jitter,omitempty"`
	Config   json.RawMessage `json:"config,omitempty"`
}

// Batch is the JSON body of POST /v1/inputs: many inputs in one raft entry, all or nothing.
type Batch struct {
	Inputs []InputSpec `json:"inputs"`
}

// Input is a stored input with its owner. Secrets in Config come back as "<redacted>".
type Input struct {
	ID         string          `json:"id"`
	Plugin     string          `json:"plugin"`
	Interval   string          `json:"interval"`
	Timeout    string          `json:"timeout,omitempty"`
	Jitter     string          `json:"jitter,omitempty"`
	Config     json.RawMessage `json:"config,omitempty"`
	Group      string          `json:"group,omitempty"`  // the table (or batch entry) it was split from, one input per target
	Source     string          `json:"source,omitempty"` // what applied it: a file, a directory, a tool; "api" by default
	Version    uint64          `json:"version"`          // the raft index of the change that last wrote the spec
	Node       string          `json:"node"`             // empty while unassigned
	Generation uint64          `json:"generation"`       // of the assignment that placed it
	Since      time.Time       `json:"since,omitzero"`
	// Reason says why the input has this owner: "new", "crash", "drain", "leave", "join" (a node joined or
	// came back and took its share) or "rebalance" (measured load was uneven); with no owner, why no node runs it.
	Reason string `json:"reason,omitempty"`
	// Cost is the measured wall time of one gather in seconds, smoothed, as the leader last recorded it (it
	// records changes of more than 25%); absent until measured. Placement weighs the input by Cost / interval.
	Cost float64 `json:"cost,omitempty"`
	// Status is the owner's view of the input (GET /v1/inputs/{id}, and GET /v1/inputs with ?status=true or
	// ?state=; absent when the owner cannot tell).
	Status *LocalInput `json:"status,omitempty"`
	// NextSlot is the next gather time of the input's schedule (the same on every node), while it has an owner.
	NextSlot time.Time `json:"next_slot,omitzero"`
	// Moves is the input's history of owners, newest first, as far as the move history reaches (GET
	// /v1/inputs/{id} only).
	Moves []Move `json:"moves,omitempty"`
}

// InputList is GET /v1/inputs.
type InputList struct {
	Inputs []Input `json:"inputs"`
}

// ApplyResult is the answer of POST /v1/inputs: the inputs of the body as stored, and what the apply changed
// (or, with dry_run, would change), by ID.
type ApplyResult struct {
	Inputs    []Input  `json:"inputs"`
	Index     uint64   `json:"index"` // raft index of the change; with dry_run, the index the plan was made at
	DryRun    bool     `json:"dry_run,omitempty"`
	Created   []string `json:"created"`
	Updated   []string `json:"updated"`
	Deleted   []string `json:"deleted"`
	Unchanged int      `json:"unchanged"`
}

// Assignments is GET /v1/assignments: which node runs which inputs.
type Assignments struct {
	Generation uint64              `json:"generation"`
	Nodes      map[string][]string `json:"nodes"` // node ID to sorted input IDs; nodes without inputs are absent
	// Load is each node's measured load: the sum over its inputs of gather seconds per second (smoothed gather
	// time / interval; unmeasured inputs count as their plugin's average). Absent until costs are measured.
	Load       map[string]float64 `json:"load,omitempty"`
	Unassigned []string           `json:"unassigned"`
}

// LocalInput is one input on the answering node, as its worker sees it.
type LocalInput struct {
	ID      string `json:"id"`
	Plugin  string `json:"plugin"`
	Version uint64 `json:"version"`
	// State is "starting" (waiting for the previous instance to wind down, or in Build/Start), "running",
	// "ended" (its handover window closed) or "failed" (the node refused or could not build it; LastError says
	// why; not retried until the spec changes).
	State      string    `json:"state"`
	Started    time.Time `json:"started"`
	LastGather time.Time `json:"last_gather,omitzero"`
	// LastDuration is how long the last gather took, as a duration string ("1.2ms").
	LastDuration string `json:"last_duration,omitempty"`
	Gathers      uint64 `json:"gathers"`
	Errors       uint64 `json:"errors"`   // returned errors, logged errors, timeouts, panics, build failures
	Overruns     uint64 `json:"overruns"` // slots skipped: the previous gather still ran, or the loop woke late
	// Skipped counts slots dropped at the moment of the gather: late by more than half the interval (a frozen
	// or starved process), or without the node's lease (fenced, or frozen longer than the fence timeout).
	Skipped   uint64    `json:"skipped,omitempty"`
	Panics    uint64    `json:"panics"`
	LastError string    `json:"last_error,omitempty"`
	From      time.Time `json:"from,omitzero"`  // gathers slots from this time on, during a handover
	Until     time.Time `json:"until,omitzero"` // gathers slots before this time, during a handover
}

// Local is GET /v1/local: the inputs running on the answering node.
type Local struct {
	Node    string         `json:"node"`
	Fenced  bool           `json:"fenced"`
	Inputs  []LocalInput   `json:"inputs"`
	Outputs []OutputHealth `json:"outputs"`
}

// OutputHealth is one of a node's outputs: what its buffer holds and how its writes go.
type OutputHealth struct {
	Name   string `json:"name"`   // e.g. outputs.influxdb, or its alias
	Buffer string `json:"buffer"` // "memory" or "disk"
	// Buffered is the metrics not yet written; BytesOnDisk what the disk buffer takes (0 in memory).
	Buffered    int   `json:"buffered"`
	BytesOnDisk int64 `json:"bytes_on_disk"`
	// OldestPoint is the timestamp of the oldest metric waiting (zero when none waits); OldestPointAge its age
	// in seconds when the node answered.
	OldestPoint    time.Time `json:"oldest_point,omitzero"`
	OldestPointAge float64   `json:"oldest_point_age_seconds"`
	Writes         uint64    `json:"writes"`       // successful writes (batches)
	Written        uint64    `json:"written"`      // metrics the output accepted
	WriteErrors    uint64    `json:"write_errors"` // failed writes; their metrics stay buffered
	// Dropped counts metrics lost: the oldest ones when the buffer was full (or its disk had no room left).
	Dropped     uint64    `json:"dropped"`
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
}

// LocalStates is GET /v1/local?states=true: the state of each input on the answering node, by ID.
type LocalStates struct {
	Node   string            `json:"node"`
	States map[string]string `json:"states"`
}

// NodeState is the answer of drain, undrain and leave: the node and its new registry state.
type NodeState struct {
	ID    string `json:"id"`
	State string `json:"state"`
}

// PluginList is GET /v1/plugins.
type PluginList struct {
	Plugins []string `json:"plugins"`
}

// Rebalance is what POST /v1/rebalance did, or with dry_run would do: the moves, and each node's measured load
// (gather seconds per second: the average number of gathers it keeps in flight) before and after.
type Rebalance struct {
	DryRun     bool               `json:"dry_run,omitempty"`
	Generation uint64             `json:"generation"` // written, or (dry run) planned from
	Moves      []Move             `json:"moves"`
	Before     map[string]float64 `json:"load_before,omitempty"` // absent until costs are measured
	After      map[string]float64 `json:"load_after,omitempty"`
}
