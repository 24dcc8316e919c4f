package cluster_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatherd/gatherd/cluster"
	"github.com/gatherd/gatherd/testcluster"
	"github.com/gatherd/gatherd/wire"
)

// A node whose raft.db is corrupt refuses to start with an error that says how to recover, and the recovery
// it names works: started again with an empty data dir under the same ID, it rejoins and receives every input.
func TestCorruptRaftLogRefusesStartAndEmptyDataDirRejoins(t *testing.T) {
	c := testcluster.New(t, testcluster.Options{Nodes: 3})
	ids := applyRecords(t, c, 6)
	victim := (c.WaitLeader() + 1) % 3
	c.Stop(victim)
	path := filepath.Join(c.Node(victim).DataDir, "raft", "raft.db")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b[:len(b)/4+100], 0o600); err != nil {
		t.Fatal(err)
	}
	err = c.TryRestart(victim)
	if !errors.Is(err, cluster.ErrCorruptStore) || !strings.Contains(err.Error(), "empty data dir") {
		t.Fatalf("start on a truncated raft.db: %v, want ErrCorruptStore saying how to recover", err)
	}

	if err := os.RemoveAll(c.Node(victim).DataDir); err != nil {
		t.Fatal(err)
	}
	c.Restart(victim)
	c.WaitFor("the emptied node to hold every input again", testcluster.DefaultWait, func() error {
		var list wire.InputList
		code, body, err := c.TryDo(victim, http.MethodGet, "/v1/inputs", nil)
		if err != nil || code != http.StatusOK {
			return errors.Join(err, errors.New(string(body)))
		}
		if err := json.Unmarshal(body, &list); err != nil {
			return err
		}
		if len(list.Inputs) != len(ids) {
			return errors.New("inputs missing on the rejoined node")
		}
		return nil
	})
	c.WaitFor("the emptied node to be ready", testcluster.DefaultWait, func() error {
		if ok, why := c.Node(victim).Node.Ready(); !ok {
			return errors.New(why)
		}
		return nil
	})
}
