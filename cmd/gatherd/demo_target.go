package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/gatherd/gatherd/demotarget"
)

// newDemoTargetCmd returns `gatherd demo-target`, which serves the demotarget package's probe-counting HTTP
// server (docker-compose.yml's target service, and the e2e chaos suite) until SIGINT or SIGTERM.
func newDemoTargetCmd() *cobra.Command {
	var (
		addr         string
		keep         time.Duration
		maxIDs, maxN int
	)
	cmd := &cobra.Command{
		Use:   "demo-target",
		Short: "Serve a demo target that counts the probes of each input (for the compose demo and the e2e suite)",
		Long: `Serve a demo target for inputs to probe and scrape:
  GET  /probe/{id}               records (id, time) and answers 200 "ok"; point http_response inputs here
  GET  /hits?since=RFC3339       {"<id>": [unix-nanos, ...]} of the probes since then (&detail=true adds who)
  GET  /metrics                  a few Prometheus gauges; point an http input (data_format prometheus) here
  POST /reset                    forget every probe
  GET  /healthz                  200 while the target runs
Only the last --keep of probes are kept, at most --max-hits per input and --max-inputs inputs.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if keep <= 0 || maxIDs <= 0 || maxN <= 0 {
				return errors.New("--keep, --max-inputs and --max-hits must be positive")
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return fmt.Errorf("listen on %s: %w", addr, err)
			}
			hits := demotarget.NewHitLog(demotarget.Limits{Keep: keep, MaxInputs: maxIDs, MaxHitsPerInput: maxN})
			handler := demotarget.NewHandler(hits, time.Now)
			fmt.Fprintf(cmd.ErrOrStderr(), "demo target listening on %s (GET /probe/{id}, /hits, /metrics; POST /reset)\n", ln.Addr())
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			return demotarget.Serve(ctx, ln, handler)
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "http", ":9000", "listen address")
	f.DurationVar(&keep, "keep", demotarget.DefaultKeep, "keep probes this long")
	f.IntVar(&maxIDs, "max-inputs", demotarget.DefaultMaxInputs, "count probes of at most this many input IDs; further IDs are answered but not counted")
	f.IntVar(&maxN, "max-hits", demotarget.DefaultMaxHitsPerInput, "keep at most this many probes per input (the oldest go first)")
	return cmd
}
