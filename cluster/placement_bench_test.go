package cluster_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatherd/gatherd/client"
	"github.com/gatherd/gatherd/testcluster"
	"github.com/gatherd/gatherd/worker"
)

// BenchmarkComputePlacement is the leader's placement pass over 100,000 inputs that stay where they are: the
// work every placement pays before its moves, as in a failover of a large fleet.
func BenchmarkComputePlacement(b *testing.B) {
	const n = 100000
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer target.Close()
	c := testcluster.New(b, testcluster.Options{Nodes: 1, Sink: func(string) worker.Sink { return nil }})
	l := c.WaitLeader()
	cl, err := client.New(c.Node(l).URL(), client.WithHTTPClient(&http.Client{Timeout: 5 * time.Minute}))
	if err != nil {
		b.Fatal(err)
	}
	for from := 0; from < n; from += 10000 {
		var doc strings.Builder
		for t := from / 500; t*500 < from+10000; t++ {
			fmt.Fprintf(&doc, "[[inputs.http_response]]\n  alias = \"w%03d\"\n  interval = \"1h\"\n  urls = [", t)
			for i := t * 500; i < (t+1)*500; i++ {
				if i > t*500 {
					doc.WriteString(",")
				}
				fmt.Fprintf(&doc, "%q", fmt.Sprintf("%s/%d", target.URL, i))
			}
			doc.WriteString("]\n")
		}
		if _, err := cl.ApplyTOML(context.Background(), []byte(doc.String())); err != nil {
			b.Fatal(err)
		}
	}
	nd := c.Node(l).Node
	c.WaitFor("placed", time.Minute, func() error {
		if m := nd.ComputePlacement(); m != 0 {
			return fmt.Errorf("%d moves pending", m)
		}
		return nil
	})
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if m := nd.ComputePlacement(); m != 0 {
			b.Fatalf("%d moves", m)
		}
	}
}
