package store

import "fmt"

// CommandType is the fixed number of a command type, so that a binary can tell a command it does not know
// (written by a newer binary in the same cluster, during a rolling upgrade) from a corrupt entry. Numbers are
// never changed or reused: entries outlive binaries in raft logs. Changing the fields of a command takes a new
// number, because a binary that knows a type decodes its fields strictly and reports an entry with fields it
// lacks as corrupt, without applying it, which would let its replica diverge.
type CommandType uint8

// The numbers of the four ops. Their entries are written without a "type" (the op names them), byte for byte
// as binaries from before command numbers write them, because those binaries reject fields they do not know.
const (
	TypePutInputs   CommandType = 1
	TypeDeleteInput CommandType = 2
	TypeSetNode     CommandType = 3
	TypeAssign      CommandType = 4
	// TypeApplyInputs is OpApply, the first command binaries before it do not know: it is not skippable (a
	// node that skipped it would lack the inputs), so such a binary halts on it.
	TypeApplyInputs CommandType = 5
	// TypeSetCosts records measured costs. Binaries before it neither hold nor read costs, so it is written
	// with IgnoreUnknownTypeFlag: they skip it and still answer the same.
	TypeSetCosts CommandType = 6
)

// IgnoreUnknownTypeFlag, set on a command's type, lets a binary that does not know the type skip the entry.
// A newer binary sets it only on commands whose state older binaries neither hold nor read, so a replica that
// skipped them answers those binaries the same. Without it an unknown type halts the store (see Store.Fatal).
// As with Nomad's flag of the same name it is the high bit, so type numbers stop at 127.
const IgnoreUnknownTypeFlag CommandType = 0x80

var typeOps = map[CommandType]Op{
	TypePutInputs:   OpPutInputs,
	TypeDeleteInput: OpDeleteInput,
	TypeSetNode:     OpSetNode,
	TypeAssign:      OpAssign,
	TypeApplyInputs: OpApply,
	TypeSetCosts:    OpSetCosts,
}

// Known reports whether this binary can apply commands of type t, whatever its flag.
func (t CommandType) Known() bool {
	_, ok := typeOps[t&^IgnoreUnknownTypeFlag]
	return ok
}

// Skippable reports whether t carries IgnoreUnknownTypeFlag.
func (t CommandType) Skippable() bool { return t&IgnoreUnknownTypeFlag != 0 }

// UnknownTypeError is a command whose type this binary does not know. Apply skips the entry when the type is
// Skippable and otherwise halts the store with it.
type UnknownTypeError struct {
	Type  CommandType // as written in the entry, IgnoreUnknownTypeFlag included
	Index uint64      // raft index of the entry; zero when decoded outside Apply
}

func (e *UnknownTypeError) Error() string {
	at := ""
	if e.Index != 0 {
		at = fmt.Sprintf("raft index %d: ", e.Index)
	}
	n := e.Type &^ IgnoreUnknownTypeFlag
	if e.Type.Skippable() {
		return fmt.Sprintf("%scommand type %d is unknown to this binary and flagged skippable", at, n)
	}
	return fmt.Sprintf("%scommand type %d is unknown to this binary, which is older than the cluster: "+
		"upgrade gatherd on this node", at, n)
}
