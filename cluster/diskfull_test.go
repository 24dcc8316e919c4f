package cluster_test

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatherd/gatherd/cluster"
	"github.com/gatherd/gatherd/testcluster"
	"github.com/gatherd/gatherd/wire"
)

// mountSmallDisk mounts a tmpfs of size at a new directory, or skips the test when this process may not mount.
func mountSmallDisk(t *testing.T, size string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "small-disk")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("a full data dir needs a small tmpfs, and mounting one is not permitted here (root or CAP_SYS_ADMIN): %v: %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", dir).Run() })
	return dir
}

// A follower whose data dir fills up (ENOSPC) says so in its log, /v1/status and /readyz, stops its inputs
// (the leader moves them), and once space is freed catches up with the same state as the others: no panic, no
// stale store that claims to be current, no input run by two nodes.
func TestFullDataDirFencesUntilSpaceIsFreed(t *testing.T) {
	disk := mountSmallDisk(t, "1m")
	filler := filepath.Join(disk, "filler")
	if err := os.WriteFile(filler, make([]byte, 600<<10), 0o600); err != nil {
		t.Fatal(err)
	}
	const full = 2 // the follower on the small disk
	c := testcluster.New(t, testcluster.Options{Nodes: 3, Configure: func(i int, cfg *cluster.Config) {
		if i == full {
			cfg.DataDir = filepath.Join(disk, "node")
		}
	}})
	if c.WaitLeader() == full {
		c.Stop(full) // a leader hands over; the test is about a follower
		c.Restart(full)
	}
	applyRecords(t, c, 30)
	c.WaitFor("a running share on the small-disk node", testcluster.DefaultWait, func() error {
		if c.Node(full).Node.Status().Running == 0 {
			return errors.New("runs nothing yet")
		}
		return nil
	})

	// Fill the disk with batches of inputs until the node cannot append them.
	for b := 0; c.Node(full).Node.Status().DiskError == ""; b++ {
		if b == 200 {
			t.Fatal("200 batches written and the small disk never filled")
		}
		var specs []map[string]any
		for i := range 50 {
			id := fmt.Sprintf("fill-%03d-%02d", b, i)
			s := testcluster.RecordSpec(id, time.Hour) // stored, rarely gathered
			s["config"] = map[string]string{"key": id + strings.Repeat("x", 200)}
			specs = append(specs, s)
		}
		if code, body := c.Do(c.WaitLeader(), http.MethodPost, "/v1/inputs", map[string]any{"inputs": specs}); code != http.StatusOK {
			t.Fatalf("batch %d: %d %s", b, code, body)
		}
	}
	st := c.Node(full).Node.Status()
	if !strings.Contains(st.DiskError, "no space left on device") {
		t.Fatalf("disk_error %q does not say the disk is full", st.DiskError)
	}
	c.WaitFor("the full node to fence and the leader to move its inputs", testcluster.DefaultWait, func() error {
		var got wire.Status
		if code := c.GetJSON(full, "/v1/status", &got); code != http.StatusOK || got.DiskError == "" || !got.Fenced {
			return fmt.Errorf("/v1/status: %d, disk_error %q, fenced %v", code, got.DiskError, got.Fenced)
		}
		if code, body := c.Do(full, http.MethodGet, "/readyz", nil); code != http.StatusServiceUnavailable || !strings.Contains(string(body), "no space left") {
			return fmt.Errorf("/readyz: %d %s", code, body)
		}
		if n := c.Node(full).Node.Status().Running; n != 0 {
			return fmt.Errorf("still runs %d inputs", n)
		}
		var a wire.Assignments
		c.GetJSON(c.WaitLeader(), "/v1/assignments", &a)
		if n := len(a.Nodes[c.Node(full).ID]); n != 0 {
			return fmt.Errorf("the leader still assigns it %d inputs", n)
		}
		return nil
	})

	// Space again: the node appends what it missed, unfences and holds what the leader holds.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	c.WaitFor("the node to recover once space is freed", testcluster.DefaultWait, func() error {
		st := c.Node(full).Node.Status()
		lead := c.Node(c.WaitLeader()).Node.Status()
		if st.DiskError != "" || st.Fenced || st.AppliedIndex < lead.CommitIndex || st.Inputs != lead.Inputs {
			return fmt.Errorf("disk_error %q, fenced %v, applied %d of %d, %d inputs of %d", st.DiskError, st.Fenced, st.AppliedIndex, lead.CommitIndex, st.Inputs, lead.Inputs)
		}
		if ok, why := c.Node(full).Node.Ready(); !ok {
			return errors.New(why)
		}
		return nil
	})
}
