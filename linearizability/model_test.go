package linearizability

import (
	"testing"

	"github.com/anishathalye/porcupine"
)

func op(client int, in Input, call int64, out Output, ret int64) porcupine.Operation {
	if out.Unknown {
		ret = 1 << 62
	}
	return porcupine.Operation{ClientId: client, Input: in, Call: call, Output: out, Return: ret}
}

// The checker must be able to fail: each bad history here is one a broken store could produce.
func TestModel(t *testing.T) {
	put := func(slot int, v Value) Input { return Input{Kind: Put, Slot: slot, Value: v} }
	read := func(slot int) Input { return Input{Kind: Read, Slot: slot} }
	del := func(slot int) Input { return Input{Kind: Delete, Slot: slot} }
	batch := func(a, b Value) Input { return Input{Kind: Batch, Batch: State{a, b, 0}} }
	cases := []struct {
		name string
		ops  []porcupine.Operation
		ok   bool
	}{
		{"read after an acknowledged put sees it", []porcupine.Operation{
			op(0, put(0, 1), 0, Output{}, 10), op(1, read(0), 11, Output{Value: 1}, 20)}, true},
		{"stale read after an acknowledged put", []porcupine.Operation{
			op(0, put(0, 1), 0, Output{}, 10), op(1, read(0), 11, Output{}, 20)}, false},
		{"a concurrent read may miss the put", []porcupine.Operation{
			op(0, put(0, 1), 0, Output{}, 10), op(1, read(0), 5, Output{}, 20)}, true},
		{"a read cannot go back to an older value", []porcupine.Operation{
			op(0, put(0, 1), 0, Output{}, 10), op(0, put(0, 2), 11, Output{}, 20),
			op(1, read(0), 5, Output{Value: 2}, 30), op(2, read(0), 31, Output{Value: 1}, 40)}, false},
		{"an unknown put may have applied", []porcupine.Operation{
			op(0, put(0, 1), 0, Output{Unknown: true}, 0), op(1, read(0), 50, Output{Value: 1}, 60)}, true},
		{"an unknown put may not have applied", []porcupine.Operation{
			op(0, put(0, 1), 0, Output{Unknown: true}, 0), op(1, read(0), 50, Output{}, 60)}, true},
		{"an unknown put cannot apply before its call", []porcupine.Operation{
			op(1, read(0), 0, Output{Value: 1}, 10), op(0, put(0, 1), 20, Output{Unknown: true}, 0)}, false},
		{"delete finds what a put wrote", []porcupine.Operation{
			op(0, put(1, 1), 0, Output{}, 10), op(0, del(1), 11, Output{Found: true}, 20),
			op(0, del(1), 21, Output{}, 30), op(1, read(1), 31, Output{}, 40)}, true},
		{"delete of an absent input cannot find it", []porcupine.Operation{
			op(0, del(1), 0, Output{Found: true}, 10)}, false},
		{"a read after a delete sees the input gone", []porcupine.Operation{
			op(0, put(1, 1), 0, Output{}, 10), op(0, del(1), 11, Output{Found: true}, 20),
			op(1, read(1), 21, Output{Value: 1}, 30)}, false},
		{"a batch applies whole", []porcupine.Operation{
			op(0, batch(1, 2), 0, Output{}, 10), op(1, read(0), 11, Output{Value: 1}, 20),
			op(1, read(1), 21, Output{Value: 2}, 30)}, true},
		{"half a batch seen, then the other half missing", []porcupine.Operation{
			op(0, batch(1, 2), 0, Output{}, 100), op(1, read(0), 10, Output{Value: 1}, 20),
			op(1, read(1), 21, Output{}, 30)}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := porcupine.CheckOperations(Model, c.ops); got != c.ok {
				t.Fatalf("linearizable = %v, want %v", got, c.ok)
			}
		})
	}
}

// Groups are checked apart: a bad group fails the whole history however many good ones surround it.
func TestModelPartitions(t *testing.T) {
	var ops []porcupine.Operation
	for g := range 5 {
		ops = append(ops, op(0, Input{Kind: Put, Group: g, Value: Value(g + 1)}, int64(g*100), Output{}, int64(g*100+10)),
			op(1, Input{Kind: Read, Group: g}, int64(g*100+20), Output{Value: Value(g + 1)}, int64(g*100+30)))
	}
	if !porcupine.CheckOperations(Model, ops) {
		t.Fatal("good groups: not linearizable")
	}
	ops = append(ops, op(1, Input{Kind: Read, Group: 2}, 1000, Output{Value: 99}, 1010))
	if porcupine.CheckOperations(Model, ops) {
		t.Fatal("a read of a value never written: linearizable")
	}
}

func TestIntervalEncoding(t *testing.T) {
	for _, v := range []Value{1, 2, 1000, maxValue} {
		got, err := valueOf(interval(v))
		if err != nil || got != v {
			t.Fatalf("value %d -> %q -> %d, %v", v, interval(v), got, err)
		}
	}
	if _, err := valueOf("10s"); err == nil {
		t.Fatal("10s decoded as a value")
	}
}
