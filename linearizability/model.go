package linearizability

import (
	"fmt"
	"strings"

	"github.com/anishathalye/porcupine"
)

// GroupSize is the number of input IDs in one key group.
//
// Why groups: porcupine checks fast when a history splits into independent parts (linearizability is
// compositional: a history is linearizable iff each object's sub-history is). A PUT, DELETE or read touches one
// input, but a batch apply touches several, so partitioning per input would split a batch across parts and
// lose its atomicity. Instead every operation, batches included, stays inside one group of GroupSize IDs, and
// the group is the object: its state is the value of each of its IDs, a batch is one atomic step on it, and
// the history partitions per group. Atomicity across groups is not checked (no operation spans two groups).
const GroupSize = 3

// Kind is what an operation does.
type Kind uint8

const (
	Put    Kind = iota // PUT /v1/inputs/{id}
	Delete             // DELETE /v1/inputs/{id}
	Read               // GET /v1/inputs/{id}?consistent=true
	Batch              // POST /v1/inputs with {"inputs": [...]} for some IDs of one group
)

func (k Kind) String() string {
	return [...]string{"put", "delete", "read", "batch"}[k]
}

// Value is what an input holds as far as the model cares: 0 for absent, else the number the writer encoded in
// it (unique per write, so that a read names the write it saw).
type Value int32

// State is one group: the value of each of its IDs.
type State [GroupSize]Value

// Input is an operation as called.
type Input struct {
	Kind  Kind
	Group int
	Slot  int   // the ID within the group (Put, Delete, Read)
	Value Value // what Put writes
	Batch State // what Batch writes: each non-zero value to its slot
}

// Output is an operation's result.
type Output struct {
	// Unknown: the client cannot tell whether the write was applied (a timeout, a broken connection, a 5xx
	// that does not say "not applied"). Its return time is infinite: it may take effect at any time after its
	// call, or never (placed after every other operation, it changes nothing anyone saw).
	Unknown bool
	// Found: a Delete found the input (204; 404 otherwise).
	Found bool
	// Value: what a Read saw (0: 404).
	Value Value
}

// step applies one operation to a group's state, and says whether its result fits.
func step(s State, in Input, out Output) (bool, State) {
	switch in.Kind {
	case Put:
		s[in.Slot] = in.Value
		return true, s
	case Delete:
		ok := out.Unknown || out.Found == (s[in.Slot] != 0)
		s[in.Slot] = 0
		return ok, s
	case Read:
		return out.Value == s[in.Slot], s
	case Batch:
		for i, v := range in.Batch {
			if v != 0 {
				s[i] = v
			}
		}
		return true, s
	}
	return false, s
}

// Model is the input store as porcupine sees it: a map from ID to value, in groups (see GroupSize).
var Model = porcupine.Model{
	Partition: func(h []porcupine.Operation) [][]porcupine.Operation {
		by := map[int][]porcupine.Operation{}
		var order []int
		for _, op := range h {
			g := op.Input.(Input).Group
			if _, ok := by[g]; !ok {
				order = append(order, g)
			}
			by[g] = append(by[g], op)
		}
		out := make([][]porcupine.Operation, 0, len(order))
		for _, g := range order {
			out = append(out, by[g])
		}
		return out
	},
	Init: func() any { return State{} },
	Step: func(state, input, output any) (bool, any) {
		return step(state.(State), input.(Input), output.(Output))
	},
	DescribeOperation: func(input, output any) string {
		in, out := input.(Input), output.(Output)
		id := ID(in.Group, in.Slot)
		switch in.Kind {
		case Put:
			return fmt.Sprintf("put(%s, %d)%s", id, in.Value, unknownMark(out))
		case Delete:
			if out.Unknown {
				return fmt.Sprintf("delete(%s) ?", id)
			}
			return fmt.Sprintf("delete(%s) -> found=%v", id, out.Found)
		case Read:
			return fmt.Sprintf("read(%s) -> %d", id, out.Value)
		default:
			var parts []string
			for i, v := range in.Batch {
				if v != 0 {
					parts = append(parts, fmt.Sprintf("%s=%d", ID(in.Group, i), v))
				}
			}
			return fmt.Sprintf("batch(%s)%s", strings.Join(parts, ", "), unknownMark(out))
		}
	},
	DescribeState: func(state any) string {
		return fmt.Sprint(state.(State))
	},
}

func unknownMark(out Output) string {
	if out.Unknown {
		return " ?"
	}
	return ""
}

// ID is the input ID of a group's slot.
func ID(group, slot int) string { return fmt.Sprintf("lin-g%d-k%d", group, slot) }
