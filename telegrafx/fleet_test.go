package telegrafx_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatherd/gatherd/client"
	"github.com/gatherd/gatherd/testcluster"
	"github.com/gatherd/gatherd/wire"
)

// snmpFleet starts one snmpd answering on n loopback addresses (127.0.1.1, 127.0.1.2, ...) at one port, as n
// devices, or skips when snmpd is not installed. It returns the agents as snmp's agents option lists them.
func snmpFleet(t *testing.T, n int) []string {
	t.Helper()
	bin := snmpdBinary(t)
	dir := t.TempDir()
	conf := filepath.Join(dir, "snmpd.conf")
	if err := os.WriteFile(conf, []byte("rocommunity public 127.0.0.0/8\nsysLocation gatherd-fleet\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	port := freeUDPPort(t)
	agents := make([]string, n)
	listen := make([]string, n)
	for i := range n {
		addr := fmt.Sprintf("127.0.%d.%d:%d", 1+i/250, 1+i%250, port)
		agents[i] = "udp://" + addr
		listen[i] = "udp:" + addr
	}
	cmd := exec.Command(bin, "-f", "-Lo", "-C", "-c", conf, "-p", filepath.Join(dir, "pid"), strings.Join(listen, ","))
	cmd.Env = append(os.Environ(), "MIBDIRS="+dir)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start snmpd: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return agents
}

func snmpTable(agents []string) []byte {
	quoted := make([]string, len(agents))
	for i, a := range agents {
		quoted[i] = strconv.Quote(a)
	}
	return []byte(`[[inputs.snmp]]
  alias = "switches"
  interval = "10s"
  version = 2
  community = "public"
  agents = [` + strings.Join(quoted, ", ") + `]
  [[inputs.snmp.field]]
    name = "uptime"
    oid = ".1.3.6.1.2.1.1.3.0"
`)
}

// TestSNMPTableSpreadsAndPrunes is issue 12's acceptance: a Telegraf file with one 500-agent snmp table runs
// as 500 inputs spread over 5 nodes within one input of their fair share, each gathering its own device;
// applying the same file again changes nothing; removing one agent from the file and applying with prune
// deletes exactly that input and restarts no other.
func TestSNMPTableSpreadsAndPrunes(t *testing.T) {
	if testing.Short() {
		t.Skip("500 devices on 5 nodes: not in -short")
	}
	agents := snmpFleet(t, 500)
	c := testcluster.New(t, testcluster.Options{Nodes: 5})
	l := c.WaitLeader()
	cl, err := client.New(c.Node((l + 1) % 5).URL())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	opts := client.ApplyOptions{Source: "switches.conf", Prune: true}
	res, err := cl.ApplyTOML(ctx, snmpTable(agents), opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Created) != 500 {
		t.Fatalf("created %d inputs, want 500", len(res.Created))
	}
	c.WaitFor("500 inputs, 100 on each node", testcluster.DefaultWait, func() error {
		ins, _, err := cl.ListInputs(ctx, client.InputFilter{Group: "switches"})
		if err != nil {
			return err
		}
		per := map[string]int{}
		for _, in := range ins {
			per[in.Node]++
		}
		if len(ins) != 500 || len(per) != 5 {
			return fmt.Errorf("%d inputs on %v", len(ins), per)
		}
		for n, k := range per {
			if n == "" || k != 100 {
				return fmt.Errorf("%d inputs on %v", len(ins), per)
			}
		}
		return nil
	})
	idOf := strings.NewReplacer("://", "_", ":", "_")
	c.WaitFor("every device gathered by its own input", time.Minute, func() error {
		for _, agent := range agents {
			id := "switches." + idOf.Replace(agent)
			ms := c.Metrics.Of(id)
			if len(ms) == 0 {
				return fmt.Errorf("%s: no metric yet", id)
			}
			m := ms[0].Metric
			host, _ := m.GetTag("agent_host")
			if _, ok := m.GetField("uptime"); !ok || "udp://"+host+agent[strings.LastIndex(agent, ":"):] != agent {
				return fmt.Errorf("%s: metric %v", id, m)
			}
		}
		return nil
	})
	started := startedAt(t, c)

	res, err = cl.ApplyTOML(ctx, snmpTable(agents), opts)
	if err != nil || res.Unchanged != 500 || len(res.Created)+len(res.Updated)+len(res.Deleted) != 0 {
		t.Fatalf("the same file again: %+v %v", planOf(res), err)
	}
	fewer := slices.Delete(slices.Clone(agents), 137, 138)
	res, err = cl.ApplyTOML(ctx, snmpTable(fewer), opts)
	gone := "switches." + idOf.Replace(agents[137])
	if err != nil || !slices.Equal(res.Deleted, []string{gone}) || res.Unchanged != 499 || len(res.Created)+len(res.Updated) != 0 {
		t.Fatalf("one agent removed: %+v %v, want %s deleted", planOf(res), err, gone)
	}
	c.WaitFor("the removed device's input stopped", testcluster.DefaultWait, func() error {
		if _, ok := startedAt(t, c)[gone]; ok {
			return fmt.Errorf("%s still runs", gone)
		}
		return nil
	})
	for id, at := range startedAt(t, c) {
		if !at.Equal(started[id]) {
			t.Errorf("%s restarted (%v -> %v)", id, started[id], at)
		}
	}
}

// startedAt maps every input running in the cluster to when its current instance started.
func startedAt(t *testing.T, c *testcluster.Cluster) map[string]time.Time {
	out := map[string]time.Time{}
	for _, i := range c.Running() {
		var local wire.Local
		c.GetJSON(i, "/v1/local", &local)
		for _, in := range local.Inputs {
			if in.State == "running" {
				out[in.ID] = in.Started
			}
		}
	}
	return out
}

func planOf(r *client.ApplyResult) string {
	if r == nil {
		return "no answer"
	}
	return fmt.Sprintf("created %d updated %d deleted %v unchanged %d", len(r.Created), len(r.Updated), r.Deleted, r.Unchanged)
}
