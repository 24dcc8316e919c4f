package agent

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/influxdata/telegraf"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/rs/zerolog"

	"github.com/gatherd/gatherd/activity"
	"github.com/gatherd/gatherd/api"
	"github.com/gatherd/gatherd/cluster"
	"github.com/gatherd/gatherd/console"
	"github.com/gatherd/gatherd/inputs"
	"github.com/gatherd/gatherd/store"
	"github.com/gatherd/gatherd/telegrafx"
	"github.com/gatherd/gatherd/tlsutil"
	"github.com/gatherd/gatherd/worker"
)

// Config is a node's settings, parsed. Zero values work: Telegraf's plugins, no outputs, plain HTTP, an open
// API, default write limits.
type Config struct {
	// Cluster is the node's cluster settings (ID, data dir, ports, seeds, timings, policy). New fills in Build,
	// Sink, Registerer, Logger, APIAddr, APIScheme and, with TLS, the raft TLS config.
	Cluster cluster.Config
	// Listener is the API's listener; nil listens on HTTPAddr.
	Listener net.Listener
	HTTPAddr string
	Logger   zerolog.Logger

	// Plugins registers the input plugins the node can run; nil registers Telegraf's (telegrafx).
	Plugins func(reg *inputs.Registry, log zerolog.Logger)
	// ImportTOML turns a Telegraf config into inputs for POST /v1/inputs; nil uses telegrafx.ParseInputs.
	ImportTOML func([]byte) ([]store.Input, error)

	// Outputs are Telegraf [[outputs.X]] tables the node writes what it gathers to. Sink, when set, replaces
	// them (tests count metrics in memory).
	Outputs []*telegrafx.Output
	Sink    worker.Sink
	// NodeTag adds a gatherd_node tag with this node's ID to every metric written to Outputs.
	NodeTag bool

	// TLS turns on mutual TLS between nodes and HTTPS for the API.
	TLS *tlsutil.Config
	// Tokens guard the API (empty: open), WriteRate and WriteBurst limit writes per client (see api.Options).
	Tokens     []api.Token
	WriteRate  float64
	WriteBurst int

	// Registry receives every metric the node exports at /metrics; nil makes one with the Go and process
	// collectors.
	Registry *prometheus.Registry
}

// Agent is a running node with its API.
type Agent struct {
	Node     *cluster.Node
	Registry *prometheus.Registry
	Plugins  *inputs.Registry

	log      zerolog.Logger
	url      string
	outMu    sync.Mutex         // held while the outputs flush on close
	outputs  *telegrafx.Outputs // nil with a Sink, or once closed
	http     *http.Server
	api      *api.Server
	activity *activity.Recorder
	serveErr chan error
}

// New starts a node and its API. It returns once both listen; the cluster forms in the background.
func New(cfg Config) (*Agent, error) {
	log := cfg.Logger
	ln := cfg.Listener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", cfg.HTTPAddr); err != nil {
			return nil, fmt.Errorf("http listen on %s: %w", cfg.HTTPAddr, err)
		}
	}
	a := &Agent{Registry: cfg.Registry, Plugins: &inputs.Registry{}, log: log, serveErr: make(chan error, 1)}
	if a.Registry == nil {
		a.Registry = prometheus.NewRegistry()
		a.Registry.MustRegister(goCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	register := cfg.Plugins
	if register == nil {
		register = telegrafx.Register
	}
	register(a.Plugins, log.With().Str("module", "plugin").Logger())

	cc := cfg.Cluster
	cc.Logger, cc.Registerer = log, a.Registry
	cc.APIAddr = advertisedHTTP(ln.Addr().(*net.TCPAddr), cc.AdvertiseAddr, cc.BindAddr)
	scheme := "http"
	if cfg.TLS != nil {
		// The raft transport uses one tls.Config to listen and to dial, so it gets the one that serves both.
		cc.TLS = cfg.TLS.Peer()
		scheme = "https"
	}
	cc.APIScheme = scheme
	a.url = scheme + "://" + cc.APIAddr
	cc.Sink = cfg.Sink
	if cc.Sink == nil {
		tag := ""
		if cfg.NodeTag {
			tag = cc.NodeID
		}
		outs, err := telegrafx.StartOutputs(cfg.Outputs, tag, cc.DataDir, log.With().Str("module", "outputs").Logger(), a.Registry)
		if err != nil {
			ln.Close()
			return nil, err
		}
		a.outputs, cc.Sink = outs, outs
	}
	cc.Build = func(t worker.Task) (telegraf.Input, error) {
		return a.Plugins.Build(t.Plugin, inputs.Spec{ID: t.ID, Interval: t.Interval, Config: t.Config, AllowTargets: cc.Policy.Targets})
	}
	node, err := cluster.New(cc)
	if err != nil {
		ln.Close()
		a.closeOutputs()
		return nil, err
	}
	a.Node = node

	importTOML := cfg.ImportTOML
	if importTOML == nil {
		importTOML = telegrafx.ParseInputs
	}
	opts := api.Options{
		Node: node, Plugins: a.Plugins, Gatherer: a.Registry, Logger: log, ImportTOML: importTOML, Split: telegrafx.SplitTargets,
		Tokens: cfg.Tokens, WriteRate: cfg.WriteRate, WriteBurst: cfg.WriteBurst,
		Activity: activity.New(node), Console: console.Handler(),
	}
	a.activity = opts.Activity
	a.activity.Start()
	if outs := a.outputs; outs != nil {
		opts.Outputs = outs.Health
	}
	if cfg.TLS != nil {
		// Forwarded writes present this node's certificate (which exempts them from the leader's rate limit)
		// and trust only cluster nodes.
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = cfg.TLS.Client()
		opts.Client = &http.Client{Timeout: 15 * time.Second, Transport: tr}
	}
	a.api = api.New(opts)
	a.http = api.NewHTTPServer(cfg.HTTPAddr, a.api.Handler(), log)
	a.http.RegisterOnShutdown(a.api.Close) // blocking reads answer at once instead of holding the shutdown
	if cfg.TLS != nil {
		a.http.TLSConfig = cfg.TLS.APIServer()
		go func() { a.serveErr <- a.http.ServeTLS(ln, "", "") }() // the certificate comes from TLSConfig
	} else {
		go func() { a.serveErr <- a.http.Serve(ln) }()
	}
	log.Info().Str("api", a.url).Msg("API listening")
	return a, nil
}

// URL is the API's base URL as other nodes reach it, e.g. https://10.0.0.1:8080.
func (a *Agent) URL() string { return a.url }

// ServeErr delivers the error that stopped the API server, if it stops by itself.
func (a *Agent) ServeErr() <-chan error { return a.serveErr }

// Stop stops the node as SIGTERM does: it hands its inputs over (waiting at most timeout), leaves, and then
// the API stops and the outputs flush what they hold.
func (a *Agent) Stop(timeout time.Duration) error {
	err := a.Node.Stop(timeout)
	a.closeHTTP()
	a.closeOutputs()
	return err
}

// Shutdown stops the node at once: no handoff, no gossip leave, as a crash would. The outputs still flush
// (the process is not gone), unless a Stop is flushing them already: then it does not wait for it.
func (a *Agent) Shutdown() error {
	a.api.Close()
	_ = a.http.Close()
	a.activity.Stop()
	err := a.Node.Shutdown()
	if a.outMu.TryLock() {
		a.outMu.Unlock()
		a.closeOutputs()
	}
	return err
}

// Close stops the API and the outputs of a node that already stopped by itself (it left the cluster).
func (a *Agent) Close() {
	a.closeHTTP()
	a.closeOutputs()
}

func (a *Agent) closeHTTP() {
	defer a.activity.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := a.http.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		a.log.Debug().Err(err).Msg("api shutdown")
	}
	_ = a.http.Close()
}

func (a *Agent) closeOutputs() {
	a.outMu.Lock()
	defer a.outMu.Unlock()
	if a.outputs != nil {
		a.outputs.Close() // after the node stopped: the last gathers are flushed
		a.outputs = nil
	}
}

// advertisedHTTP turns the API listener's address into one other nodes can reach: the advertise address (or
// the bind address) when it listens on every interface.
func advertisedHTTP(l *net.TCPAddr, advertise, bind string) string {
	host := l.IP.String()
	if l.IP.IsUnspecified() {
		host = advertise
		if host == "" {
			host = bind
		}
	}
	return net.JoinHostPort(host, strconv.Itoa(l.Port))
}

// goCollector is the Go runtime's metrics plus three that tell whether the process is starved of CPU, which is
// what makes gossip suspect a healthy node and raft lose its leader: how long runnable goroutines waited for a
// thread (go_sched_latencies_seconds), the CPU time spent on garbage collection
// (go_cpu_classes_gc_total_cpu_seconds_total, against process_cpu_seconds_total), and the stop-the-world pauses
// for it (go_sched_pauses_total_gc_seconds).
func goCollector() prometheus.Collector {
	return collectors.NewGoCollector(collectors.WithGoCollectorRuntimeMetrics(collectors.GoRuntimeMetricsRule{
		Matcher: regexp.MustCompile(`^/sched/latencies:seconds$|^/cpu/classes/gc/total:cpu-seconds$|^/sched/pauses/total/gc:seconds$`),
	}))
}
