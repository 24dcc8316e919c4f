package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/gatherd/gatherd/store"
)

// newDemoTargetCmd returns `gatherd demo-target`: a small HTTP server that inputs can probe and scrape, and that
// counts every probe per input on the target's side, so that a missed or doubled gather is seen where it
// lands (docker-compose.yml's target service, and the e2e chaos suite).
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
			h := newHitLog(keep, maxIDs, maxN)
			srv := &http.Server{
				Handler:           newDemoTarget(h, time.Now).handler(),
				ReadHeaderTimeout: 5 * time.Second,
				ReadTimeout:       10 * time.Second,
				WriteTimeout:      30 * time.Second,
				IdleTimeout:       2 * time.Minute,
				MaxHeaderBytes:    16 << 10,
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "demo target listening on %s (GET /probe/{id}, /hits, /metrics; POST /reset)\n", ln.Addr())
			errc := make(chan error, 1)
			go func() { errc <- srv.Serve(ln) }()
			sigs := make(chan os.Signal, 1)
			signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
			defer signal.Stop(sigs)
			select {
			case err := <-errc:
				return err
			case <-sigs:
			case <-ctxDone(cmd.Context()):
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			_ = srv.Shutdown(ctx)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "http", ":9000", "listen address")
	f.DurationVar(&keep, "keep", 10*time.Minute, "keep probes this long")
	f.IntVar(&maxIDs, "max-inputs", 10000, "count probes of at most this many input IDs; further IDs are answered but not counted")
	f.IntVar(&maxN, "max-hits", 100000, "keep at most this many probes per input (the oldest go first)")
	return cmd
}

// probeHit is one probe as the target saw it.
type probeHit struct {
	At   int64  `json:"t"`    // unix nanoseconds
	From string `json:"from"` // the prober's IP
}

// hitLog counts probes per input ID. Memory stays bounded: probes older than keep are dropped, each ID keeps at
// most maxPerID probes, and at most maxIDs IDs are counted. Safe for concurrent use.
type hitLog struct {
	mu        sync.Mutex
	keep      time.Duration
	maxIDs    int
	maxPerID  int
	hits      map[string][]probeHit // per ID, in arrival order (so non-decreasing times)
	kept      int                   // probes held
	total     uint64                // probes counted since the start or the last reset
	dropped   uint64                // probes not counted: too many IDs
	lastSweep int64
}

func newHitLog(keep time.Duration, maxIDs, maxPerID int) *hitLog {
	return &hitLog{keep: keep, maxIDs: maxIDs, maxPerID: maxPerID, hits: map[string][]probeHit{}}
}

// record counts one probe of id from the address from at now. It reports false when the probe was not counted
// (the ID limit is reached).
func (l *hitLog) record(id, from string, now time.Time) bool {
	at := now.UnixNano()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweepLocked(at)
	hs, ok := l.hits[id]
	if !ok && len(l.hits) >= l.maxIDs {
		l.dropped++
		return false
	}
	// Times from a wall clock may step back a little; keep the slice sorted for since's binary search.
	if n := len(hs); n > 0 && hs[n-1].At > at {
		at = hs[n-1].At
	}
	before := len(hs)
	hs = l.pruneLocked(hs, at)
	if len(hs) >= l.maxPerID {
		hs = hs[len(hs)-l.maxPerID+1:]
	}
	if len(hs) < cap(hs) && cap(hs) > 2*l.maxPerID {
		hs = append([]probeHit(nil), hs...) // do not pin a large backing array
	}
	hs = append(hs, probeHit{At: at, From: from})
	l.kept += len(hs) - before
	l.hits[id] = hs
	l.total++
	return true
}

// pruneLocked drops hs's probes older than keep before now (nanoseconds).
func (l *hitLog) pruneLocked(hs []probeHit, now int64) []probeHit {
	cut := now - int64(l.keep)
	i := sort.Search(len(hs), func(i int) bool { return hs[i].At >= cut })
	return hs[i:]
}

// sweepLocked prunes every ID, and forgets IDs left without probes, at most ten times per keep period.
func (l *hitLog) sweepLocked(now int64) {
	if now-l.lastSweep < int64(l.keep)/10 {
		return
	}
	l.lastSweep = now
	for id, hs := range l.hits {
		p := l.pruneLocked(hs, now)
		l.kept -= len(hs) - len(p)
		if len(p) == 0 {
			delete(l.hits, id)
			continue
		}
		if len(p) < len(hs) {
			l.hits[id] = append([]probeHit(nil), p...)
		}
	}
}

// since returns the probes at or after t, per ID; IDs without any are absent.
func (l *hitLog) since(t, now time.Time) map[string][]probeHit {
	from := int64(math.MinInt64)
	if !t.IsZero() {
		from = t.UnixNano()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweepLocked(now.UnixNano())
	out := map[string][]probeHit{}
	for id, hs := range l.hits {
		i := sort.Search(len(hs), func(i int) bool { return hs[i].At >= from })
		if i < len(hs) {
			out[id] = append([]probeHit(nil), hs[i:]...)
		}
	}
	return out
}

// reset forgets every probe.
func (l *hitLog) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.hits = map[string][]probeHit{}
	l.kept, l.total, l.dropped = 0, 0, 0
}

// hitStats is what /metrics shows of a hitLog.
type hitStats struct {
	IDs     int
	Kept    int
	Total   uint64
	Dropped uint64
}

func (l *hitLog) stats(now time.Time) hitStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweepLocked(now.UnixNano())
	return hitStats{IDs: len(l.hits), Kept: l.kept, Total: l.total, Dropped: l.dropped}
}

// demoTarget serves a hitLog over HTTP.
type demoTarget struct {
	hits    *hitLog
	now     func() time.Time
	started time.Time
}

func newDemoTarget(h *hitLog, now func() time.Time) *demoTarget {
	return &demoTarget{hits: h, now: now, started: now()}
}

func (d *demoTarget) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /probe/{id}", d.probe)
	mux.HandleFunc("GET /hits", d.list)
	mux.HandleFunc("GET /metrics", d.metrics)
	mux.HandleFunc("POST /reset", func(w http.ResponseWriter, _ *http.Request) {
		d.hits.reset()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	})
	return mux
}

func (d *demoTarget) probe(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !store.ValidID(id) {
		http.Error(w, "id must be 1 to 128 of A-Z a-z 0-9 . _ -", http.StatusBadRequest)
		return
	}
	from, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		from = r.RemoteAddr
	}
	d.hits.record(id, from, d.now())
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok"))
}

func (d *demoTarget) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var since time.Time
	if s := q.Get("since"); s != "" {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			http.Error(w, "since: want an RFC3339 time: "+err.Error(), http.StatusBadRequest)
			return
		}
		since = t
	}
	hits := d.hits.since(since, d.now())
	w.Header().Set("Content-Type", "application/json")
	if detail, _ := strconv.ParseBool(q.Get("detail")); detail {
		_ = json.NewEncoder(w).Encode(hits)
		return
	}
	out := make(map[string][]int64, len(hits))
	for id, hs := range hits {
		ts := make([]int64, len(hs))
		for i, h := range hs {
			ts[i] = h.At
		}
		out[id] = ts
	}
	_ = json.NewEncoder(w).Encode(out)
}

func (d *demoTarget) metrics(w http.ResponseWriter, _ *http.Request) {
	now := d.now()
	s := d.hits.stats(now)
	up := now.Sub(d.started).Seconds()
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	gauge := func(name, help string, v float64) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s gauge\n%s %s\n", name, help, name, name, strconv.FormatFloat(v, 'g', -1, 64))
	}
	gauge("demo_target_uptime_seconds", "Seconds since the demo target started.", up)
	gauge("demo_target_inputs", "Input IDs with probes kept.", float64(s.IDs))
	gauge("demo_target_probes_kept", "Probes held in memory.", float64(s.Kept))
	gauge("demo_target_probes", "Probes counted since the start or the last reset.", float64(s.Total))
	gauge("demo_target_probes_dropped", "Probes not counted because too many input IDs were seen.", float64(s.Dropped))
	// Something that moves, for dashboards: a 10-minute sine wave around 20.
	gauge("demo_target_temperature_celsius", "A made-up temperature.", 20+5*math.Sin(2*math.Pi*float64(now.Unix()%600)/600))
}
