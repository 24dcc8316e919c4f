package testcluster

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/gatherd/gatherd/agent"
	"github.com/gatherd/gatherd/api"
	"github.com/gatherd/gatherd/cluster"
	"github.com/gatherd/gatherd/faultnet"
	"github.com/gatherd/gatherd/inputs"
	"github.com/gatherd/gatherd/telegrafx"
	"github.com/gatherd/gatherd/tlsutil"
	"github.com/gatherd/gatherd/worker"
)

// Options shape a test cluster. Zero values pick test-friendly defaults.
type Options struct {
	Nodes           int // nodes started by New; default 3
	BootstrapExpect int // default min(Nodes, 3)
	Voters          int // default 3
	FenceTimeout    time.Duration
	HandoffDelay    time.Duration
	DeadVoterGrace  time.Duration  // default 2s, so tests see a replacement quickly
	DeadNodeReap    time.Duration  // default cluster's (15m)
	Timing          cluster.Timing // CostReport defaults to an hour here: placement stays by count unless set
	// Log shows node logs in the test output when GATHERD_TEST_LOG is set, or always when true.
	Log bool
	// Plugins, when set, registers more input plugins on every node (the recorder is always there).
	Plugins func(reg *inputs.Registry, log zerolog.Logger)
	// Sink, when set, makes each node's sink (metrics of gathered inputs); nil keeps Cluster.Metrics.
	Sink func(node string) worker.Sink
	// Configure, when set, adjusts node i's config before every start (keys, TLS, timings).
	Configure func(i int, cfg *cluster.Config)
	// Outputs, when set, are Telegraf [[outputs.X]] tables every node writes to, as --outputs makes a node do;
	// they replace the in-memory Metrics sink (and Sink).
	Outputs string
	// TLS runs the cluster as `gatherd tls-init` and --tls-* would: a CA, a certificate per node, mutual TLS
	// for raft and forwarding, HTTPS for the API. Do and the other helpers trust the CA.
	TLS bool
	// Tokens guard every node's API; Do sends Token.
	Tokens []api.Token
	// Token is the bearer token Do and the other helpers send; default the first write token of Tokens.
	Token string
}

// Instance is one node slot: its ports and data dir survive restarts.
type Instance struct {
	Index      int
	ID         string
	DataDir    string
	GossipPort int
	RaftPort   int
	APIPort    int
	Node       *cluster.Node // nil while stopped
	Registry   *prometheus.Registry
	agent      *agent.Agent
	scheme     string
}

// URL returns the node's API base URL.
func (in *Instance) URL() string { return in.scheme + "://127.0.0.1:" + strconv.Itoa(in.APIPort) }

// Cluster is a set of real nodes in this process.
type Cluster struct {
	t        testing.TB
	opts     Options
	Recorder *Recorder
	Metrics  *MetricSink // every metric every node gathered, unless Options.Sink replaces it
	Faults   *faultnet.Rules
	mu       sync.Mutex
	nodes    []*Instance
	outsider map[int]bool // nodes started by AddOutsider: WaitLeader does not expect them to follow the leader
	base     string
	log      zerolog.Logger
	client   *http.Client                       // trusts the test CA with TLS
	token    string                             // sent by Do
	tls      func(in *Instance) *tlsutil.Config // nil without TLS
	outputs  []byte
}

// New starts opts.Nodes nodes and waits until they have one leader. Every node is stopped at test cleanup.
func New(t testing.TB, opts Options) *Cluster {
	t.Helper()
	if opts.Nodes == 0 {
		opts.Nodes = 3
	}
	if opts.BootstrapExpect == 0 {
		opts.BootstrapExpect = min(opts.Nodes, 3)
	}
	if opts.DeadVoterGrace == 0 {
		opts.DeadVoterGrace = 2 * time.Second
	}
	if opts.Timing.CostReport == 0 {
		// Tests of placement by count (exact shares, "join moves n/(N+1)") must not see it turn into placement by
		// measured cost halfway through; a test of cost placement sets its own interval.
		opts.Timing.CostReport = time.Hour
	}
	c := &Cluster{t: t, opts: opts, Recorder: NewRecorder(), Metrics: NewMetricSink(), Faults: faultnet.NewRules(), base: t.TempDir(), log: zerolog.Nop()}
	if opts.Log || os.Getenv("GATHERD_TEST_LOG") != "" {
		c.log = zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.DebugLevel).With().Timestamp().Logger()
		if lvl, err := zerolog.ParseLevel(os.Getenv("GATHERD_TEST_LOG")); err == nil && lvl != zerolog.NoLevel {
			c.log = c.log.Level(lvl)
		}
	}
	c.client = &http.Client{Timeout: 20 * time.Second}
	c.token = opts.Token
	for _, tk := range opts.Tokens {
		if c.token == "" && tk.Role == api.RoleWrite {
			c.token = tk.Value
		}
	}
	if opts.TLS {
		c.setupTLS()
	}
	if opts.Outputs != "" {
		c.outputs = []byte(opts.Outputs)
	}
	t.Cleanup(c.Close)
	for range opts.Nodes {
		c.Add()
	}
	c.WaitLeader()
	return c
}

// Add starts one more node that joins the running ones and returns its index.
func (c *Cluster) Add() int {
	c.t.Helper()
	return c.add(false)
}

// AddOutsider starts a node that tries to join but is expected to stay out (see Outsider).
func (c *Cluster) AddOutsider() int {
	c.t.Helper()
	return c.add(true)
}

func (c *Cluster) add(outsider bool) int {
	c.t.Helper()
	c.mu.Lock()
	i := len(c.nodes)
	if outsider {
		if c.outsider == nil {
			c.outsider = map[int]bool{}
		}
		c.outsider[i] = true
	}
	in := &Instance{Index: i, ID: fmt.Sprintf("node%d", i+1), DataDir: filepath.Join(c.base, fmt.Sprintf("node%d", i+1))}
	c.nodes = append(c.nodes, in)
	c.mu.Unlock()
	c.start(in)
	return i
}

func (c *Cluster) seeds(except int) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, in := range c.nodes {
		if in.Index != except && in.GossipPort != 0 {
			out = append(out, "127.0.0.1:"+strconv.Itoa(in.GossipPort))
		}
	}
	return out
}

func (c *Cluster) start(in *Instance) {
	c.t.Helper()
	if err := c.tryStart(in); err != nil {
		c.t.Fatal(err)
	}
}

func (c *Cluster) tryStart(in *Instance) error {
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(in.APIPort))
	if err != nil {
		return fmt.Errorf("node %s: API listen: %w", in.ID, err)
	}
	in.APIPort = ln.Addr().(*net.TCPAddr).Port
	log := c.log.With().Str("node", in.ID).Logger()
	cfg := agent.Config{
		Cluster: cluster.Config{
			NodeID:          in.ID,
			DataDir:         in.DataDir,
			BindAddr:        "127.0.0.1",
			GossipPort:      in.GossipPort,
			RaftPort:        in.RaftPort,
			Join:            c.seeds(in.Index),
			BootstrapExpect: c.opts.BootstrapExpect,
			Voters:          c.opts.Voters,
			FenceTimeout:    c.opts.FenceTimeout,
			HandoffDelay:    c.opts.HandoffDelay,
			DeadVoterGrace:  c.opts.DeadVoterGrace,
			DeadNodeReap:    c.opts.DeadNodeReap,
			RejoinInterval:  time.Second,
			Timing:          c.opts.Timing,
			Faults:          c.Faults,
			Audit:           Audit,
		},
		Listener: ln,
		Logger:   log,
		// Telegraf's plugins, as every node has, and the recorder, labelled with the node.
		Plugins: func(reg *inputs.Registry, log zerolog.Logger) {
			telegrafx.Register(reg, log)
			c.Recorder.Register(reg, in.ID)
			if c.opts.Plugins != nil {
				c.opts.Plugins(reg, log)
			}
		},
		Tokens:    c.opts.Tokens,
		WriteRate: -1, // tests and benchmarks write from one address as fast as they can
	}
	switch {
	case c.outputs != nil:
		outs, err := telegrafx.ParseOutputs(c.outputs)
		if err != nil {
			ln.Close()
			return fmt.Errorf("node %s: outputs: %w", in.ID, err)
		}
		cfg.Outputs = outs
	case c.opts.Sink != nil:
		cfg.Sink = c.opts.Sink(in.ID)
	default:
		cfg.Sink = c.Metrics.For(in.ID)
	}
	if c.tls != nil {
		cfg.TLS = c.tls(in)
	}
	cfg.Cluster.Logger = log
	if c.opts.Configure != nil {
		c.opts.Configure(in.Index, &cfg.Cluster)
	}
	cfg.Logger = cfg.Cluster.Logger // Configure may give the node a logger of its own
	a, err := agent.New(cfg)
	if err != nil {
		return fmt.Errorf("node %s: start: %w", in.ID, err)
	}
	gossipPort, _ := strconv.Atoi(portOf(a.Node.GossipAddr()))
	raftPort, _ := strconv.Atoi(portOf(a.Node.RaftAddr()))
	c.mu.Lock()
	in.Node, in.Registry, in.agent = a.Node, a.Registry, a
	in.scheme = strings.SplitN(a.URL(), ":", 2)[0]
	in.GossipPort, in.RaftPort = gossipPort, raftPort
	c.mu.Unlock()
	return nil
}

func portOf(hostport string) string {
	_, p, _ := net.SplitHostPort(hostport)
	return p
}

// N returns the number of node slots (running or not).
func (c *Cluster) N() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.nodes)
}

// Node returns slot i.
func (c *Cluster) Node(i int) *Instance {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nodes[i]
}

// Running returns the indexes of the running nodes.
func (c *Cluster) Running() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []int
	for _, in := range c.nodes {
		if in.Node != nil {
			out = append(out, in.Index)
		}
	}
	return out
}

// Insiders returns the running nodes expected to follow the leader: all but those AddOutsider started.
func (c *Cluster) Insiders() []int {
	var out []int
	for _, i := range c.Running() {
		c.mu.Lock()
		skip := c.outsider[i]
		c.mu.Unlock()
		if !skip {
			out = append(out, i)
		}
	}
	return out
}

func (c *Cluster) take(i int) *agent.Agent {
	c.mu.Lock()
	defer c.mu.Unlock()
	in := c.nodes[i]
	a := in.agent
	in.Node, in.agent = nil, nil
	return a
}

// Kill stops node i abruptly: no handoff, no gossip leave, sockets closed (its outputs still flush).
func (c *Cluster) Kill(i int) {
	if a := c.take(i); a != nil {
		_ = a.Shutdown()
	}
}

// Stop stops node i as SIGTERM does: its inputs are handed over first.
func (c *Cluster) Stop(i int) {
	a := c.take(i)
	if a == nil {
		return
	}
	if err := a.Stop(30 * time.Second); err != nil {
		c.t.Logf("stop node %d: %v", i, err)
	}
}

// Restart starts a stopped node again from its data dir, on its old ports.
func (c *Cluster) Restart(i int) {
	c.t.Helper()
	in := c.Node(i)
	if in.Node != nil {
		c.t.Fatalf("restart node %d: still running", i)
	}
	c.start(in)
}

// TryRestart is Restart returning the node's start error (a corrupt data dir, say) instead of failing.
func (c *Cluster) TryRestart(i int) error {
	in := c.Node(i)
	if in.Node != nil {
		return fmt.Errorf("restart node %d: still running", i)
	}
	return c.tryStart(in)
}

// Partition cuts node i off from every other node (gossip and raft), until Heal.
func (c *Cluster) Partition(i int) {
	in := c.Node(i)
	c.Faults.Isolate(1, "127.0.0.1:"+strconv.Itoa(in.GossipPort), "127.0.0.1:"+strconv.Itoa(in.RaftPort))
}

// Slow delays every raft message to and from node i by d, until Heal.
func (c *Cluster) Slow(i int, d time.Duration) {
	in := c.Node(i)
	c.Faults.Slow(d, "127.0.0.1:"+strconv.Itoa(in.GossipPort), "127.0.0.1:"+strconv.Itoa(in.RaftPort))
}

// Heal reconnects every node, at full speed.
func (c *Cluster) Heal() { c.Faults.Heal() }

// Close stops every node; it runs at test cleanup.
func (c *Cluster) Close() {
	var wg sync.WaitGroup
	for _, i := range c.Running() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.Kill(i)
		}()
	}
	wg.Wait()
}
