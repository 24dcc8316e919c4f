package cluster_test

import (
	"crypto/rand"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/gatherd/gatherd/cluster"
	"github.com/gatherd/gatherd/testcluster"
	"github.com/gatherd/gatherd/tlsutil"
)

func key(t *testing.T) []byte {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return k
}

// aliveMembers returns the IDs node via sees alive in gossip.
func aliveMembers(t *testing.T, c *testcluster.Cluster, via int) []string {
	var ids []string
	for _, m := range members(t, c, via) {
		if m.Status == "alive" {
			ids = append(ids, m.ID)
		}
	}
	return ids
}

func TestGossipKeyKeepsStrangersOut(t *testing.T) {
	good := key(t)
	logs := map[int]*testcluster.LogBuffer{}
	keys := map[int][]byte{3: key(t), 4: nil} // node 4 has the wrong key, node 5 none
	c := testcluster.New(t, testcluster.Options{Nodes: 3, Configure: func(i int, cfg *cluster.Config) {
		cfg.GossipKey = good
		if k, odd := keys[i]; odd {
			cfg.GossipKey = k
			logs[i] = &testcluster.LogBuffer{}
			cfg.Logger = zerolog.New(logs[i])
		}
	}})
	c.AddOutsider()
	c.AddOutsider()
	l := c.WaitLeader()
	// Give the strangers time to try: several join retries and gossip rounds.
	deadline := time.Now().Add(4 * time.Second)
	for time.Now().Before(deadline) {
		if got := aliveMembers(t, c, l); len(got) != 3 {
			t.Fatalf("a node without the gossip key got in: %v", got)
		}
		time.Sleep(200 * time.Millisecond)
	}
	for i, buf := range logs {
		out := buf.String()
		if !strings.Contains(out, "join failed") {
			t.Errorf("node %d's log does not say its join failed:\n%s", i, tail(out))
		}
		if !strings.Contains(strings.ToLower(out), "encrypt") && !strings.Contains(strings.ToLower(out), "decrypt") {
			t.Errorf("node %d's log does not name encryption as the reason:\n%s", i, tail(out))
		}
	}
}

func tail(s string) string {
	if len(s) > 2000 {
		return s[len(s)-2000:]
	}
	return s
}

func TestCertificateFromAnotherCACannotJoinRaft(t *testing.T) {
	dir, other := t.TempDir(), t.TempDir()
	for _, d := range []string{dir, other} {
		if err := tlsutil.GenerateCA(d); err != nil {
			t.Fatal(err)
		}
	}
	load := func(d, name string) *tlsutil.Config {
		if err := tlsutil.GenerateNodeCert(d, name, []string{"127.0.0.1"}); err != nil {
			t.Fatal(err)
		}
		cert, key := tlsutil.NodeFiles(d, name)
		conf, err := tlsutil.Load(cert, key, d+"/"+tlsutil.CAFile)
		if err != nil {
			t.Fatal(err)
		}
		return conf
	}
	confs := map[int]*tlsutil.Config{}
	for i := range 4 {
		d := dir
		if i == 3 {
			d = other // the rogue node: a valid certificate, from the wrong CA
		}
		confs[i] = load(d, fmt.Sprintf("node%d", i+1))
	}
	c := testcluster.New(t, testcluster.Options{Nodes: 3, Configure: func(i int, cfg *cluster.Config) {
		cfg.TLS = confs[i].Peer()
	}})
	ids := applyRecords(t, c, 30)
	waitRunning(t, c, ids)
	rogue := c.AddOutsider()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		st := c.Node(rogue).Node.Status()
		if st.Inputs != 0 || st.LeaderID != "" || st.Running != 0 {
			t.Fatalf("the node with a foreign certificate got raft data: %+v", st)
		}
		for id, n := range owners(t, c) {
			if n == c.Node(rogue).ID {
				t.Fatalf("%s was assigned to the node that cannot hear the leader", id)
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	waitRunning(t, c, ids)
}
