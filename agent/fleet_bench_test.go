package agent_test

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
)

// fleetTOML is a Telegraf config of tables http_response tables with targets URLs each, at 60 s, against url.
func fleetTOML(tables, targets int, url string) []byte {
	var b strings.Builder
	for t := range tables {
		fmt.Fprintf(&b, "[[inputs.http_response]]\n  alias = \"web%02d\"\n  interval = \"60s\"\n  urls = [", t)
		for i := range targets {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%q", fmt.Sprintf("%s/%d/%d", url, t, i))
		}
		b.WriteString("]\n")
	}
	return []byte(b.String())
}

// BenchmarkFleetApply applies 30,000 inputs (60 tables of 500 targets, one input per target) to a 3-node
// testcluster through a follower, as `gatherd inputs apply` would, then, once every input runs, the same again;
// it reports both times end to end (the request answered, the change committed) and how long until all 30,000
// ran (each node building 10,000 Telegraf plugins). Run alone: make bench-fleet.
func BenchmarkFleetApply(b *testing.B) {
	tables, targets := 60, 500
	if testing.Short() {
		tables = 10
	}
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer target.Close()
	for range b.N {
		c := testcluster.New(b, testcluster.Options{Nodes: 3})
		l := c.WaitLeader()
		cl, err := client.New(c.Node((l+1)%3).URL(), client.WithHTTPClient(&http.Client{Timeout: 5 * time.Minute}))
		if err != nil {
			b.Fatal(err)
		}
		doc := fleetTOML(tables, targets, target.URL)
		ctx := context.Background()
		start := time.Now()
		res, err := cl.ApplyTOML(ctx, doc, client.ApplyOptions{Source: "fleet", Prune: true})
		if err != nil {
			b.Fatal(err)
		}
		applied := time.Since(start)
		if len(res.Created) != tables*targets {
			b.Fatalf("created %d, want %d", len(res.Created), tables*targets)
		}
		// A user re-applies a file to a cluster that runs it: wait until every input runs.
		applyStart := start
		c.WaitFor("every input running", 3*time.Minute, func() error {
			running := 0
			for _, i := range c.Running() {
				for _, st := range c.Node(i).Node.Local() {
					if st.State == "running" {
						running++
					}
				}
			}
			if running < tables*targets {
				return fmt.Errorf("%d running", running)
			}
			return nil
		})
		allRunning := time.Since(applyStart)
		start = time.Now()
		res, err = cl.ApplyTOML(ctx, doc, client.ApplyOptions{Source: "fleet", Prune: true})
		if err != nil {
			b.Fatal(err)
		}
		reapplied := time.Since(start)
		if res.Unchanged != tables*targets || len(res.Created)+len(res.Updated)+len(res.Deleted) != 0 {
			b.Fatalf("re-apply changed: %d created, %d updated, %d deleted", len(res.Created), len(res.Updated), len(res.Deleted))
		}
		b.ReportMetric(applied.Seconds(), "apply-s")
		b.ReportMetric(reapplied.Seconds(), "reapply-s")
		b.ReportMetric(allRunning.Seconds(), "all-running-s")
		b.ReportMetric(float64(len(doc))/1e6, "body-MB")
		c.Close()
	}
}
