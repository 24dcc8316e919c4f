package store

import (
	"encoding/json"
	"fmt"
	"time"
)

// Op names a command type.
type Op string

// The commands the FSM applies.
const (
	OpPutInputs   Op = "put_inputs"   // create or replace Inputs, all or nothing
	OpDeleteInput Op = "delete_input" // delete ID; ErrNotFound when absent
	OpSetNode     Op = "set_node"     // set Node's registry state
	OpAssign      Op = "assign"       // apply Assign's moves as a new generation
	OpApply       Op = "apply_inputs" // a declarative Apply: create, update and (with prune) delete a source's inputs
	OpSetCosts    Op = "set_costs"    // record measured gather costs (see costs.go)
)

// NodeState is a node's registry state, set on purpose by an operator or by the node itself.
type NodeState string

// Registry states. A node that merely crashed stays "alive" in the registry: liveness comes from gossip.
const (
	NodeAlive    NodeState = "alive"
	NodeDraining NodeState = "draining"
	NodeLeft     NodeState = "left"
)

// Node is a node's registry entry.
type Node struct {
	ID    string    `json:"id"`
	State NodeState `json:"state"`
	// Boot is the gossip boot stamp of the node's process when it was told to leave: a process with a larger
	// stamp is a later restart, which may rejoin.
	Boot int64 `json:"boot,omitempty"`
}

// Move changes one input's owner. Since is the leader-stamped effective time of a planned move: the previous
// owner gathers the slots before it, the new owner the slots from it. A crash move is stamped with the time the
// leader decided it, already past when applied (the dead owner gathers nothing); zero Since means at once.
// An empty Node unassigns the input. Reason says why the input moves ("new", "crash", "drain", "leave", "join")
// or, unassigned, why no node may run it.
type Move struct {
	Input  string    `json:"input"`
	Node   string    `json:"node"`
	Since  time.Time `json:"since,omitzero"`
	Reason string    `json:"reason,omitempty"`
}

// Assign is one placement generation: only the inputs whose owner changes.
type Assign struct {
	Generation uint64 `json:"generation"`
	Moves      []Move `json:"moves"`
}

// Command is the typed envelope of every raft entry gatherd writes.
type Command struct {
	// Type is the command's number. Leave it zero for the four ops, which Op names: their entries then stay
	// readable by binaries from before command numbers. When present in an entry it wins over Op.
	Type   CommandType `json:"type,omitempty"`
	Op     Op          `json:"op"`
	Inputs []Input     `json:"inputs,omitempty"`
	ID     string      `json:"id,omitempty"`
	Node   *Node       `json:"node,omitempty"`
	Assign *Assign     `json:"assign,omitempty"`
	Apply  *Apply      `json:"apply,omitempty"`
	Costs  Costs       `json:"costs,omitempty"`
}

// Encode returns the command's raft entry bytes. Commands newer than the first four carry their type number,
// so that a binary that does not know them halts rather than misreading them.
func (c *Command) Encode() ([]byte, error) {
	switch {
	case c.Type != 0:
	case c.Op == OpApply:
		c.Type = TypeApplyInputs
	case c.Op == OpSetCosts:
		c.Type = TypeSetCosts | IgnoreUnknownTypeFlag
	}
	return json.Marshal(c)
}

// DecodeCommand parses a raft entry. It rejects unknown fields and ops so that a corrupt or foreign entry is
// an error rather than a silently different state. An entry whose type number this binary does not know
// returns an *UnknownTypeError, even when its fields are unknown too: a newer binary wrote it.
func DecodeCommand(b []byte) (*Command, error) {
	var c Command
	if err := strictUnmarshal(b, &c); err != nil {
		if t := peekType(b); t != 0 && !t.Known() {
			return nil, &UnknownTypeError{Type: t}
		}
		return nil, fmt.Errorf("decode command: %w", err)
	}
	if c.Type != 0 {
		op, ok := typeOps[c.Type&^IgnoreUnknownTypeFlag]
		switch {
		case !ok:
			return nil, &UnknownTypeError{Type: c.Type}
		case c.Op == "":
			c.Op = op
		case c.Op != op:
			return nil, fmt.Errorf("decode command: type %d is op %q, not %q", c.Type, op, c.Op)
		}
	}
	switch c.Op {
	case OpPutInputs, OpDeleteInput, OpSetNode, OpAssign, OpApply, OpSetCosts:
	default:
		return nil, fmt.Errorf("decode command: unknown op %q", c.Op)
	}
	return &c, nil
}

// peekType reads only an entry's type number, ignoring every other field, or returns zero.
func peekType(b []byte) CommandType {
	var p struct {
		Type CommandType `json:"type"`
	}
	if json.Unmarshal(b, &p) != nil {
		return 0
	}
	return p.Type
}
