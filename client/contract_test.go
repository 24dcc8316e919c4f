package client_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/gatherd/gatherd/api"
	"github.com/gatherd/gatherd/client"
	"github.com/gatherd/gatherd/testcluster"
)

// TestContract runs every method of the client against real nodes (with tokens), so the client and the server
// agree on routes, shapes and errors.
func TestContract(t *testing.T) {
	c := testcluster.New(t, testcluster.Options{Nodes: 3, Tokens: []api.Token{{Value: "w", Role: api.RoleWrite}}})
	l := c.WaitLeader()
	follower := (l + 1) % 3
	ctx := context.Background()
	cl, err := client.New(c.Node(follower).URL(), client.WithToken("w"))
	if err != nil {
		t.Fatal(err)
	}
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	must("Health", cl.Health(ctx))
	c.WaitFor("the follower ready", testcluster.DefaultWait, func() error { return cl.Ready(ctx) })

	st, err := cl.Status(ctx)
	must("Status", err)
	if st.NodeID != c.Node(follower).ID || st.LeaderID != c.Node(l).ID || len(st.Members) != 3 {
		t.Fatalf("Status: %+v", st)
	}
	ms, err := cl.Members(ctx)
	must("Members", err)
	if len(ms) != 3 || ms[0].APIAddr == "" || ms[0].GossipAddr == "" {
		t.Fatalf("Members: %+v", ms)
	}
	plugins, err := cl.Plugins(ctx)
	must("Plugins", err)
	if len(plugins) < 8 { // Telegraf's seven and the recorder
		t.Fatalf("Plugins: %v", plugins)
	}

	in, err := cl.PutInput(ctx, "one", client.InputSpec{Plugin: testcluster.RecordPlugin, Interval: "1s", Config: []byte(`{"key":"one"}`)})
	must("PutInput", err)
	if in.ID != "one" || in.Interval != "1s" || in.Version == 0 {
		t.Fatalf("PutInput: %+v", in)
	}
	res, err := cl.ApplyInputs(ctx, []client.InputSpec{
		{ID: "two", Plugin: testcluster.RecordPlugin, Interval: "1s", Config: []byte(`{"key":"two"}`)},
		{ID: "three", Plugin: testcluster.RecordPlugin, Interval: "2s", Timeout: "1s", Config: []byte(`{"key":"three"}`)},
	})
	must("ApplyInputs", err)
	if len(res.Inputs) != 2 || res.Index == 0 || res.Inputs[1].Timeout != "1s" {
		t.Fatalf("ApplyInputs: %+v", res)
	}
	toml, err := cl.ApplyTOML(ctx, []byte("[[inputs.net_response]]\nalias = \"tcp\"\naddress = \"127.0.0.1:1\"\nprotocol = \"tcp\"\ninterval = \"5s\"\n"))
	must("ApplyTOML", err)
	if len(toml.Inputs) != 1 || toml.Inputs[0].ID != "tcp" || toml.Inputs[0].Interval != "5s" {
		t.Fatalf("ApplyTOML: %+v", toml)
	}
	c.WaitFor("four inputs, placed, on the follower", testcluster.DefaultWait, func() error {
		ins, err := cl.Inputs(ctx)
		if err != nil {
			return err
		}
		if len(ins) != 4 {
			return errors.New("not yet four")
		}
		for _, in := range ins {
			if in.Node == "" {
				return errors.New(in.ID + " unassigned")
			}
		}
		return nil
	})
	got, err := cl.Input(ctx, "one")
	must("Input", err)
	if got.Node == "" || got.Plugin != testcluster.RecordPlugin {
		t.Fatalf("Input: %+v", got)
	}
	as, err := cl.Assignments(ctx)
	must("Assignments", err)
	placed := 0
	for _, ids := range as.Nodes {
		placed += len(ids)
	}
	if placed != 4 || len(as.Unassigned) != 0 || as.Generation == 0 {
		t.Fatalf("Assignments: %+v", as)
	}
	c.WaitFor("the owner's worker running one", testcluster.DefaultWait, func() error {
		got, err := cl.Input(ctx, "one")
		if err != nil {
			return err
		}
		if got.Status == nil || got.Status.State != "running" {
			return errors.New("owner status not running yet")
		}
		return nil
	})
	loc, err := cl.Local(ctx)
	must("Local", err)
	if loc.Node != c.Node(follower).ID {
		t.Fatalf("Local: %+v", loc)
	}

	must("DeleteInput", cl.DeleteInput(ctx, "one"))
	var apiErr *client.APIError
	if _, err := cl.Input(ctx, "absent"); !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotFound {
		t.Fatalf("Input of an absent input: %v", err)
	}
	if _, err := cl.PutInput(ctx, "bad", client.InputSpec{Plugin: testcluster.RecordPlugin, Interval: "1ms"}); !errors.As(err, &apiErr) || apiErr.Status != 400 || apiErr.Field != "interval" {
		t.Fatalf("PutInput of a bad input: %v", err)
	}

	other := c.Node((l + 2) % 3).ID
	ns, err := cl.Drain(ctx, other)
	must("Drain", err)
	if ns.ID != other || ns.State != "draining" {
		t.Fatalf("Drain: %+v", ns)
	}
	ns, err = cl.Undrain(ctx, other)
	must("Undrain", err)
	if ns.State != "alive" {
		t.Fatalf("Undrain: %+v", ns)
	}
	ns, err = cl.Leave(ctx, other)
	must("Leave", err)
	if ns.State != "left" {
		t.Fatalf("Leave: %+v", ns)
	}
	select {
	case <-c.Node((l + 2) % 3).Node.Done():
	case <-time.After(testcluster.DefaultWait):
		t.Fatal("the node told to leave still runs")
	}
}
