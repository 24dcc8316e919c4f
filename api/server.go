package api

import (
	"cmp"
	"context"
	stdlog "log"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/zerolog"

	"github.com/gatherd/gatherd/activity"
	"github.com/gatherd/gatherd/inputs"
	"github.com/gatherd/gatherd/logging"
	"github.com/gatherd/gatherd/store"
	"github.com/gatherd/gatherd/wire"
)

// Options configures the API server.
type Options struct {
	Node     Cluster
	Plugins  *inputs.Registry    // validates plugins and configs before they are stored; nil skips the check
	Gatherer prometheus.Gatherer // served at /metrics; nil serves an empty registry
	Logger   zerolog.Logger
	Client   *http.Client // for forwarding writes to the leader; nil uses a client with a 15 s timeout
	// ImportTOML turns a Telegraf config (POST /v1/inputs with Content-Type application/toml) into inputs;
	// nil answers such requests with 415.
	ImportTOML func([]byte) ([]store.Input, error)
	// Split turns an input (a JSON batch entry, or a table ImportTOML returned) that lists several targets
	// into one input per target; nil stores them as they come.
	Split func(in store.Input, where string) ([]store.Input, error)
	// Outputs reports the node's outputs for GET /v1/local; nil reports none.
	Outputs func() []wire.OutputHealth

	// Tokens are the bearer tokens the API accepts. Empty leaves the API open to anyone who can reach it (for
	// development); otherwise every request but GET /healthz needs one, and writes need a RoleWrite token.
	// Every node of a cluster must have the same tokens, since the leader checks forwarded requests again.
	Tokens []Token

	// WriteRate limits requests other than GET and HEAD per client address, in requests per second, with bursts
	// of up to WriteBurst. Zero values mean DefaultWriteRate and DefaultWriteBurst; a negative WriteRate turns
	// the limit off. Requests another node forwards are not counted again.
	WriteRate  float64
	WriteBurst int

	// HoldTimeout bounds how long a write is held while the leader changes; 0 means DefaultHoldTimeout.
	HoldTimeout time.Duration
	// ReadYourWritesTimeout bounds how long a node that forwarded a write waits to apply it before answering;
	// 0 means DefaultReadYourWritesTimeout.
	ReadYourWritesTimeout time.Duration

	// Activity is the node's recorder of cluster events and gather counts (GET /v1/events, /v1/series, and the
	// index of blocking status reads); nil answers those routes with nothing recorded.
	Activity *activity.Recorder
	// Console serves the web console under /ui/ (its static files need no token: they hold no data); nil
	// serves none.
	Console http.Handler
}

// DefaultReadYourWritesTimeout is Options.ReadYourWritesTimeout's default: a follower learns a commit with
// the leader's next append, within raft's commit timeout (tens of milliseconds); seconds mean it is cut off.
const DefaultReadYourWritesTimeout = 2 * time.Second

// Server serves the API of one node.
type Server struct {
	node          Cluster
	plugins       *inputs.Registry
	gatherer      prometheus.Gatherer
	outputs       func() []wire.OutputHealth
	log           zerolog.Logger
	client        *http.Client
	toml          func([]byte) ([]store.Input, error)
	splitTargets  func(store.Input, string) ([]store.Input, error)
	tokens        []Token
	limiter       *writeLimiter  // nil: writes are not limited
	mux           *http.ServeMux // the routes, for a held request this node ends up leading
	hold          time.Duration
	ryw           time.Duration
	activity      *activity.Recorder
	console       http.Handler
	runtime       runtimeCache
	closing       context.Context // ends at Close: blocking reads answer at once
	cancelClosing context.CancelFunc
}

// New returns a server for o.Node.
func New(o Options) *Server {
	s := &Server{node: o.Node, plugins: o.Plugins, gatherer: o.Gatherer, log: o.Logger, client: o.Client, toml: o.ImportTOML, splitTargets: o.Split, outputs: o.Outputs}
	s.tokens = append([]Token(nil), o.Tokens...)
	s.activity, s.console = o.Activity, o.Console
	s.closing, s.cancelClosing = context.WithCancel(context.Background())
	s.hold = cmp.Or(o.HoldTimeout, DefaultHoldTimeout)
	s.ryw = cmp.Or(o.ReadYourWritesTimeout, DefaultReadYourWritesTimeout)
	s.limiter = newWriteLimiter(o.WriteRate, o.WriteBurst, s.fromPeer)
	if s.gatherer == nil {
		s.gatherer = prometheus.NewRegistry()
	}
	if s.client == nil {
		s.client = &http.Client{Timeout: 15 * time.Second}
	}
	return s
}

// Handler returns the API's routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, wire.Health{Status: "ok"})
	})
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.gatherer, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /v1/status", s.blocking(statusIndex, s.status))
	mux.HandleFunc("GET /v1/members", s.blocking(statusIndex, s.listMembers))
	mux.HandleFunc("GET /v1/assignments", s.blocking(raftIndex, s.reads(s.assignments)))
	mux.HandleFunc("GET /v1/auth", s.auth)
	mux.HandleFunc("GET /v1/events", s.blocking(statusIndex, s.events))
	mux.HandleFunc("GET /v1/history", s.blocking(raftIndex, s.reads(s.history)))
	mux.HandleFunc("GET /v1/series", s.series())
	mux.HandleFunc("GET /v1/nodes", s.nodes())
	mux.HandleFunc("GET /v1/local", s.local)
	mux.HandleFunc("GET /v1/plugins", s.listPlugins)
	mux.HandleFunc("GET /v1/inputs", s.blocking(raftIndex, s.reads(s.listInputs)))
	mux.HandleFunc("GET /v1/inputs/{id}", s.blocking(raftIndex, s.reads(s.getInput)))
	mux.HandleFunc("PUT /v1/inputs/{id}", s.writes(s.putInput))
	mux.HandleFunc("POST /v1/inputs", s.writes(s.postInputs))
	mux.HandleFunc("DELETE /v1/inputs/{id}", s.writes(s.deleteInput))
	mux.HandleFunc("POST /v1/nodes/{id}/drain", s.writes(s.drain(true)))
	mux.HandleFunc("DELETE /v1/nodes/{id}/drain", s.writes(s.drain(false)))
	mux.HandleFunc("POST /v1/nodes/{id}/leave", s.writes(s.leave))
	mux.HandleFunc("POST /v1/rebalance", s.writes(s.rebalance))
	if s.console != nil {
		mux.Handle("GET /ui/", s.console)
		mux.Handle("GET /{$}", http.RedirectHandler("/ui/", http.StatusFound))
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "", "no route for "+r.Method+" "+r.URL.Path)
	})
	s.mux = mux
	// Authentication comes before the rate limit so that anonymous traffic cannot use up a client's allowance.
	return s.logRequests(requireToken(s.tokens, s.console != nil, s.limiter.wrap(mux)))
}

// writes reads the capped body once and hands it on, so a forwarded write sends the same bytes.
func (s *Server) writes(h func(http.ResponseWriter, *http.Request, []byte)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := readBody(w, r)
		if err == errBodyTooLarge {
			writeError(w, http.StatusRequestEntityTooLarge, "body", err.Error())
			return
		}
		if err != nil {
			writeError(w, http.StatusBadRequest, "body", "read body: "+err.Error())
			return
		}
		h(w, r, body)
	}
}

// reads serves locally, or through the leader when the client asks for ?consistent=true. Inside a blocking
// read it runs after the wait: the leader confirms its leadership when it answers, not minutes before, and a
// follower forwards once its own replica has reached the index (the leader's then answers at once).
func (s *Server) reads(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("consistent") == "true" {
			if !s.node.IsLeader() {
				s.forward(w, r, nil)
				return
			}
			if err := s.node.VerifyLeader(); err != nil {
				writeErr(w, err)
				return
			}
		}
		h(w, r)
	}
}

type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.code = code
	s.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection (a blocking read extends its write deadline).
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(rec, r)
		ev := s.log.Debug()
		// A 503 from /readyz is an answer, not a failure: a healthcheck asks every few seconds while the node
		// starts or is fenced, and the node logs why it is not ready itself.
		if rec.code >= 500 && r.URL.Path != "/readyz" {
			ev = s.log.Warn()
		}
		ev.Str("method", r.Method).Str("path", r.URL.Path).Int("code", rec.code).
			Dur("took", time.Since(start)).Str("remote", r.RemoteAddr).Msg("api request")
	})
}

// NewHTTPServer wraps a handler with the timeouts a server facing hostile clients needs. The server's own
// errors (failed TLS handshakes, panics in handlers) go to log: left nil they would go to the standard
// library's logger, which Telegraf takes over and labels as its own.
func NewHTTPServer(addr string, h http.Handler, log zerolog.Logger) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ErrorLog:          stdlog.New(&logging.LevelWriter{Logger: log.With().Str("module", "http").Logger()}, "", 0),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
}
