package delivery

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/gatherd/gatherd/client"
	"github.com/gatherd/gatherd/testcluster"
)

// smallDisk mounts a tmpfs of size bytes for the test, or skips saying why it cannot.
func smallDisk(t *testing.T, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v: %s)", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
			t.Logf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

func freeBytes(t *testing.T, dir string) int64 {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	return int64(st.Bavail) * int64(st.Bsize)
}

// The case 4: a node's data dir (raft store and disk buffer) on an 8 MiB tmpfs that something else
// fills while InfluxDB is down. The buffer stops short of the free-space reserve it keeps for raft (a quarter
// of the filesystem here) and drops its oldest metrics, counted and warned about; the node keeps gathering and
// its raft keeps committing (a new input is stored and runs). When space returns and InfluxDB is back, the
// buffer grows again and is delivered.
func TestDiskBufferOnAFullDiskDropsOldestAndKeepsRaftHealthy(t *testing.T) {
	disk := smallDisk(t, "8m")
	db := testcluster.StartInfluxDB(t)
	db.Stop()
	tg := newTarget(t)
	ns := startNodes(t, 1, influxOutputs(db), []string{filepath.Join(disk, "n1")})
	n := ns[0]
	const interval = time.Second
	ids := applyProbes(t, n, tg, "full", 50, interval)

	// Something else takes the disk: the buffer has 256 KiB left above the 2 MiB reserve (two of its 128 KiB
	// segments).
	filler := filepath.Join(disk, "filler")
	fill := freeBytes(t, disk) - (2<<20 + 256<<10)
	if err := os.WriteFile(filler, make([]byte, fill), 0o600); err != nil {
		t.Fatal(err)
	}
	var h client.OutputHealth
	wait(t, "the buffer dropping its oldest metrics", 60*time.Second, func() error {
		if h = outputHealth(t, n); h.Dropped == 0 {
			return fmt.Errorf("nothing dropped yet: %+v, %d bytes free", h, freeBytes(t, disk))
		}
		return nil
	})
	t.Logf("disk full: %+v, %d bytes free", h, freeBytes(t, disk))
	checkReserve(t, disk)
	wait(t, "a warning about the drops", 20*time.Second, func() error {
		if !n.logHas(`"level":"warn"`, "oldest metrics dropped") {
			return fmt.Errorf("no warning in the log")
		}
		return nil
	})
	// Still gathering every input, and raft still commits on this disk: a new input is stored and runs.
	since := time.Now()
	more := applyProbes(t, n, tg, "more", 1, interval)
	wait(t, "every input still gathered", 10*time.Second, func() error {
		got := tg.hits.Since(since, time.Now())
		for _, id := range append(ids, more...) {
			if len(got[id]) == 0 {
				return fmt.Errorf("%s not probed since the disk filled", id)
			}
		}
		return nil
	})
	st, err := n.client().Status(ctx(t))
	if err != nil || st.RaftState != "Leader" || st.Fenced {
		t.Fatalf("raft on the full disk: %+v, %v", st, err)
	}
	// The buffer keeps taking every gather, dropping old ones, and stays out of the reserve.
	took := uint64(h.Buffered) + h.Dropped
	wait(t, "the oldest dropped again", 60*time.Second, func() error {
		if h2 := outputHealth(t, n); h2.Dropped <= h.Dropped {
			return fmt.Errorf("%+v", h2)
		}
		return nil
	})
	h2 := outputHealth(t, n)
	checkReserve(t, disk)
	if got := uint64(h2.Buffered) + h2.Dropped - took; got < uint64(len(ids)) {
		t.Fatalf("the buffer took %d metrics meanwhile: %+v", got, h2)
	}

	// Space returns, then InfluxDB: the buffer grows again and drains.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	buffered := outputHealth(t, n).Buffered
	wait(t, "the buffer growing again", 20*time.Second, func() error {
		if h := outputHealth(t, n); h.Buffered <= buffered+10 {
			return fmt.Errorf("buffered %d, was %d", h.Buffered, buffered)
		}
		return nil
	})
	db.Start()
	back := time.Now()
	wait(t, "the buffer delivered", 60*time.Second, func() error {
		if h := outputHealth(t, n); h.Buffered > len(ids)+1 || h.Written == 0 {
			return fmt.Errorf("%+v", h)
		}
		return nil
	})
	from := time.Now()
	wait(t, "new slots in InfluxDB", 30*time.Second, func() error {
		m, probes := missingSlots(t, db, tg, ids, from, time.Now().Add(-2*interval), interval)
		if probes < len(ids) || countMissing(m) > 0 {
			return fmt.Errorf("%d probes, missing %v", probes, m)
		}
		return nil
	})
	t.Logf("recovered: delivered in %s: %+v", time.Since(back).Round(time.Millisecond), outputHealth(t, n))
}

// checkReserve fails the test when the free space on disk is below the buffer's 2 MiB reserve by more than
// raft's own growth could explain (the buffer stops at the reserve; raft may write a little past it, which is
// what the reserve is for).
func checkReserve(t *testing.T, disk string) {
	t.Helper()
	if free := freeBytes(t, disk); free < 2<<20-64<<10 {
		t.Errorf("%d bytes free: the buffer ate into the 2 MiB reserve", free)
	}
}
