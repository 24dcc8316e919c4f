package cluster

import (
	"encoding/json"
	"fmt"

	"github.com/gatherd/gatherd/policy"
)

// Meta is what a node tells the others about itself through gossip. memberlist caps it at 512 bytes, so it
// holds addresses and flags only.
type Meta struct {
	API      string `json:"api"`             // scheme://host:port of the HTTP API
	Raft     string `json:"raft"`            // host:port of the raft transport
	HasState bool   `json:"state,omitempty"` // the node holds raft state, so the cluster was bootstrapped
	Stopping bool   `json:"stop,omitempty"`  // shutting down: move my inputs away now, with a handoff
	// NotReady means give me no inputs: fenced, or replication to it not yet proven. Its JSON name stays
	// "fenced", the name older versions write and read: nodes of both versions gossip during a rolling upgrade.
	NotReady  bool  `json:"fenced,omitempty"`
	Proving   bool  `json:"proving,omitempty"`   // hears the leader, waits for a replicated entry to prove replication
	Bootstrap bool  `json:"bootstrap,omitempty"` // started with bootstrap-expect > 0: may be a first voter
	Boot      int64 `json:"boot"`                // start time (Unix ns): a larger value means the node restarted
	// Capacity is the node's --capacity, its weight in placement; 0 means the default (1), and a negative value
	// (--capacity 0) that the node takes no inputs. A node with capacity 2 gets twice the share of one with 1.
	Capacity float64 `json:"cap,omitempty"`
	// Allow is what the node's operator lets its inputs do (--allow-*); nil allows nothing beyond targets.
	Allow *policy.Policy `json:"allow,omitempty"`
}

const maxMeta = 512

func (m Meta) encode() ([]byte, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	if len(b) > maxMeta {
		return nil, fmt.Errorf("gossip metadata is %d bytes, over memberlist's %d", len(b), maxMeta)
	}
	return b, nil
}

func decodeMeta(b []byte) (Meta, error) {
	var m Meta
	if len(b) == 0 {
		return m, fmt.Errorf("empty gossip metadata")
	}
	err := json.Unmarshal(b, &m)
	return m, err
}
