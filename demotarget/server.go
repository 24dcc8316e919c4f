package demotarget

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/gatherd/gatherd/store"
)

// NewHandler returns the target's HTTP API over hits, reading the time from now (time.Now if nil):
//
//	GET  /probe/{id}               records (id, time) and answers 200 "ok"; 400 for an ID the store would refuse
//	GET  /hits?since=RFC3339       {"<id>": [unix-nanos, ...]} of the probes since then (&detail=true lists Hits)
//	GET  /metrics                  a few Prometheus gauges
//	POST /reset                    forgets every probe (204)
//	GET  /healthz                  {"status":"ok"}
//
// The uptime gauge counts from the call to NewHandler.
func NewHandler(hits *HitLog, now func() time.Time) http.Handler {
	if now == nil {
		now = time.Now
	}
	t := &target{hits: hits, now: now, started: now()}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /probe/{id}", t.probe)
	mux.HandleFunc("GET /hits", t.list)
	mux.HandleFunc("GET /metrics", t.metrics)
	mux.HandleFunc("POST /reset", func(w http.ResponseWriter, _ *http.Request) {
		t.hits.Reset()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	})
	return mux
}

// Serve serves h on ln until ctx is done, then shuts the server down, giving requests in flight two seconds to
// finish, and returns nil. It returns the server's error if serving stops first. The server's timeouts and
// header limit keep a slow or hostile client from holding the target's memory.
func Serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdownCtx)
	return nil
}

// target serves a HitLog over HTTP.
type target struct {
	hits    *HitLog
	now     func() time.Time
	started time.Time
}

func (t *target) probe(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !store.ValidID(id) {
		http.Error(w, "id must be 1 to 128 of A-Z a-z 0-9 . _ -", http.StatusBadRequest)
		return
	}
	from, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		from = r.RemoteAddr
	}
	t.hits.Record(id, from, t.now())
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok"))
}

func (t *target) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var since time.Time
	if s := q.Get("since"); s != "" {
		st, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			http.Error(w, "since: want an RFC3339 time: "+err.Error(), http.StatusBadRequest)
			return
		}
		since = st
	}
	hits := t.hits.Since(since, t.now())
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

func (t *target) metrics(w http.ResponseWriter, _ *http.Request) {
	now := t.now()
	s := t.hits.Stats(now)
	up := now.Sub(t.started).Seconds()
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	gauge := func(name, help string, v float64) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s gauge\n%s %s\n", name, help, name, name, strconv.FormatFloat(v, 'g', -1, 64))
	}
	gauge("demo_target_uptime_seconds", "Seconds since the demo target started.", up)
	gauge("demo_target_inputs", "Input IDs with probes kept.", float64(s.Inputs))
	gauge("demo_target_probes_kept", "Probes held in memory.", float64(s.Kept))
	gauge("demo_target_probes", "Probes counted since the start or the last reset.", float64(s.Total))
	gauge("demo_target_probes_dropped", "Probes not counted because too many input IDs were seen.", float64(s.Dropped))
	// Something that moves, for dashboards: a 10-minute sine wave around 20.
	gauge("demo_target_temperature_celsius", "A made-up temperature.", 20+5*math.Sin(2*math.Pi*float64(now.Unix()%600)/600))
}
