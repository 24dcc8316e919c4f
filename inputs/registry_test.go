package inputs

import (
	"errors"
	"testing"

	"github.com/influxdata/telegraf"
)

type nop struct{}

func (nop) SampleConfig() string              { return "" }
func (nop) Gather(telegraf.Accumulator) error { return nil }

func TestRegistry(t *testing.T) {
	var r Registry
	r.Add("b", func(Spec) (telegraf.Input, error) { return nop{}, nil })
	r.Add("a", func(Spec) (telegraf.Input, error) { return nil, errors.New("bad config") })
	if got := r.Names(); len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Fatalf("names = %v", got)
	}
	if _, err := r.Build("b", Spec{ID: "x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Build("a", Spec{ID: "x"}); err == nil {
		t.Fatal("factory error was lost")
	}
	_, err := r.Build("zzz", Spec{ID: "x"})
	var u *UnknownPluginError
	if !errors.As(err, &u) || len(u.Available) != 2 {
		t.Fatalf("want UnknownPluginError listing 2 plugins, got %v", err)
	}
}
