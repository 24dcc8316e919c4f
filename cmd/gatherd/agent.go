package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	sockaddr "github.com/hashicorp/go-sockaddr"
	"github.com/rs/zerolog"
	"github.com/spf13/cobra"
	"github.com/spf13/viper"

	"github.com/gatherd/gatherd/agent"
	"github.com/gatherd/gatherd/cluster"
	"github.com/gatherd/gatherd/logging"
	"github.com/gatherd/gatherd/policy"
	"github.com/gatherd/gatherd/telegrafx"
)

func newAgentCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "agent",
		Short: "Run a gatherd node",
		Long: `Run a gatherd node. Every flag can also be set from the environment as GATHERD_<FLAG> (upper case,
dashes as underscores, e.g. GATHERD_DATA_DIR) or in the YAML or TOML file named by --config, with keys named
like the flags (data-dir: /var/lib/gatherd). A flag wins over the environment, which wins over the file.

Try it on one machine with: gatherd agent --dev`,
		Args: cobra.NoArgs,
	}
	f := cmd.Flags()
	f.String("config", "", "YAML or TOML file with agent settings")
	f.String("node-id", "", "node ID (default: the one recorded in the data dir, else the hostname)")
	f.String("data-dir", "", "directory for raft data and the node ID (required unless --dev)")
	f.String("bind", "0.0.0.0", "IP to listen on for gossip and raft")
	f.String("advertise", "", "IP other nodes use to reach this one (default: --bind, or the first private IP when binding to 0.0.0.0)")
	f.Int("gossip-port", 7946, "gossip port (TCP and UDP)")
	f.Int("raft-port", 7947, "raft port (TCP)")
	f.String("http", ":8080", "HTTP API listen address")
	f.StringSlice("join", nil, "comma-separated host:gossip-port seeds, retried with backoff until one answers")
	f.Int("bootstrap-expect", 3, "bootstrap raft once this many fresh nodes have met (0: only join)")
	f.Int("voters", 3, "raft voters to keep (odd, at most 5); further nodes are non-voters")
	f.Bool("dev", false, "single node for trying gatherd: bootstrap-expect 1, data in a temporary dir, API on 127.0.0.1:8080")
	f.Duration("fence-timeout", 3*time.Second, "stop local inputs after this long without hearing from the leader")
	f.Duration("handoff-delay", 2*time.Second, "a planned move (join, drain, stop) takes effect this long after it is decided")
	f.Duration("dead-voter-grace", 30*time.Second, "replace a dead raft voter with a healthy non-voter after this long")
	f.Duration("dead-node-grace", 0, "wait this long after a node is declared dead before moving its inputs")
	f.Duration("dead-node-reap", 15*time.Minute, "forget a raft non-voter gone from gossip this long, as `gatherd leave` would; it is taken back if it returns (negative: never)")
	f.Duration("shutdown-timeout", 30*time.Second, "on SIGTERM, wait at most this long for the node's inputs to be handed over")
	f.String("encrypt", "", "base64 gossip encryption key (16, 24 or 32 bytes; see gatherd keygen)")
	f.String("outputs", "", "file of Telegraf [[outputs.X]] tables (influxdb, influxdb_v2, http (prometheusremotewrite), file, prometheus_client) and an [agent] table for buffer_strategy; they may also sit in a TOML --config")
	f.Bool("node-tag", false, "add a gatherd_node tag with the collecting node to every metric (debugging: series then change when inputs move)")
	f.String("log-level", "info", "log level: debug, info, warn or error")
	f.String("log-format", "json", "log format: json or console")
	addSecurityFlags(f)
	f.Float64("capacity", 1, "this node's share of inputs relative to the others' (2: twice the share of a node with 1; 0: none)")
	f.Bool("allow-exec", false, "let ping inputs use method = \"exec\", which runs this node's own system ping (a submitted binary or arguments stays refused)")
	f.StringSlice("allow-local-files", nil, "comma-separated directories whose files inputs may name (tls_ca, bearer_token, x509_cert sources, snmp path...); symlinks and .. are resolved")
	f.StringSlice("allow-interfaces", nil, "comma-separated interface names or source addresses inputs may bind (ping and http_response interface)")
	f.StringSlice("allow-targets", nil, "comma-separated link-local addresses or prefixes inputs may reach (169.254.0.0/16 and fe80::/10 are refused otherwise: cloud metadata)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		v, err := bindSettings(cmd, "config")
		if err != nil {
			return err
		}
		return runAgent(cmd.Context(), v)
	}
	return cmd
}

// loadOutputs reads the node's Telegraf outputs from --outputs and a TOML --config; a --dev node without any
// prints metrics on stdout.
func loadOutputs(v *viper.Viper, log zerolog.Logger) ([]*telegrafx.Output, error) {
	paths := []string{v.GetString("outputs")}
	if c := v.GetString("config"); strings.HasSuffix(c, ".toml") || strings.HasSuffix(c, ".conf") {
		paths = append(paths, c) // a TOML agent config may carry [[outputs.X]] beside the agent's settings
	}
	var outs []*telegrafx.Output
	for _, path := range paths {
		if path == "" {
			continue
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read outputs from %s: %w", path, err)
		}
		o, err := telegrafx.ParseOutputs(b)
		if err != nil {
			return nil, err
		}
		outs = append(outs, o...)
	}
	if len(outs) == 0 && v.GetBool("dev") {
		return telegrafx.ParseOutputs([]byte(telegrafx.DevOutputs))
	}
	if len(outs) == 0 {
		log.Warn().Msg("no outputs configured (--outputs): gathered metrics are discarded")
	}
	return outs, nil
}

func runAgent(ctx context.Context, v *viper.Viper) error {
	setGCPercent()
	format := v.GetString("log-format")
	if v.GetBool("dev") && !v.IsSet("log-format") {
		format = "console"
	}
	log, err := logging.New(os.Stderr, v.GetString("log-level"), format)
	if err != nil {
		return err
	}
	telegrafx.RedirectTelegrafLogging(log)
	cfg, httpAddr, cleanup, err := agentConfig(v, log)
	if err != nil {
		return err
	}
	defer cleanup()
	sec, err := securitySettings(v)
	if err != nil {
		return err
	}
	if len(sec.tokens) == 0 && !v.GetBool("dev") {
		log.Warn().Msg("no API tokens (--api-token, --api-read-token, --api-token-file): anyone who can reach the API can change the cluster")
	}
	if len(sec.tokens) > 0 && sec.tls == nil {
		log.Warn().Msg("API tokens without --tls-cert travel in clear text")
	}
	outs, err := loadOutputs(v, log)
	if err != nil {
		return err
	}
	a, err := agent.New(agent.Config{
		Cluster: cfg, HTTPAddr: httpAddr, Logger: log, Outputs: outs, NodeTag: v.GetBool("node-tag"),
		TLS: sec.tls, Tokens: sec.tokens, WriteRate: sec.writeRate, WriteBurst: sec.writeBurst,
	})
	if err != nil {
		return err
	}

	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	select {
	case sig := <-sigs:
		log.Info().Str("signal", sig.String()).Msg("shutting down; a second signal stops at once")
		stopped := make(chan error, 1)
		go func() { stopped <- a.Stop(v.GetDuration("shutdown-timeout")) }()
		select {
		case err := <-stopped:
			return err
		case <-sigs:
			return a.Shutdown()
		}
	case <-a.Node.Done():
		a.Close()
		if err := a.Node.Store().Fatal(); err != nil {
			return err // the node stopped itself: exit non-zero with the reason
		}
		log.Info().Msg("node left the cluster")
		return nil
	case err := <-a.ServeErr():
		_ = a.Shutdown()
		return fmt.Errorf("http server: %w", err)
	case <-ctxDone(ctx):
		return a.Shutdown()
	}
}

func ctxDone(ctx context.Context) <-chan struct{} {
	if ctx == nil {
		return nil
	}
	return ctx.Done()
}

// agentConfig turns settings into a cluster config, the HTTP listen address and a cleanup (the dev data dir).
func agentConfig(v *viper.Viper, log zerolog.Logger) (cluster.Config, string, func(), error) {
	cleanup := func() {}
	dev := v.GetBool("dev")
	cfg := cluster.Config{
		BindAddr:        v.GetString("bind"),
		AdvertiseAddr:   v.GetString("advertise"),
		GossipPort:      v.GetInt("gossip-port"),
		RaftPort:        v.GetInt("raft-port"),
		Join:            splitList(v.GetStringSlice("join")),
		BootstrapExpect: v.GetInt("bootstrap-expect"),
		Voters:          v.GetInt("voters"),
		FenceTimeout:    v.GetDuration("fence-timeout"),
		HandoffDelay:    v.GetDuration("handoff-delay"),
		DeadVoterGrace:  v.GetDuration("dead-voter-grace"),
		DeadNodeGrace:   v.GetDuration("dead-node-grace"),
		DeadNodeReap:    v.GetDuration("dead-node-reap"),
		DataDir:         v.GetString("data-dir"),
		Capacity:        capacitySetting(v.GetFloat64("capacity")),
	}
	httpAddr := v.GetString("http")
	if dev {
		cfg.BootstrapExpect = 1
		if !v.IsSet("bind") {
			cfg.BindAddr = "127.0.0.1"
		}
		if !v.IsSet("http") {
			httpAddr = "127.0.0.1:8080"
		}
		if cfg.DataDir == "" {
			dir, err := os.MkdirTemp("", "gatherd-dev-")
			if err != nil {
				return cfg, "", cleanup, err
			}
			cfg.DataDir = dir
			cleanup = func() { os.RemoveAll(dir) }
			log.Info().Str("data_dir", dir).Msg("dev mode: data in a temporary dir, removed on exit")
		}
	}
	if cfg.DataDir == "" {
		return cfg, "", cleanup, errors.New("--data-dir is required (or use --dev)")
	}
	id, err := cluster.ResolveNodeID(cfg.DataDir, v.GetString("node-id"))
	if err != nil {
		return cfg, "", cleanup, err
	}
	cfg.NodeID = id
	if cfg.AdvertiseAddr == "" {
		if ip, err := pickAdvertise(cfg.BindAddr); err != nil {
			return cfg, "", cleanup, err
		} else {
			cfg.AdvertiseAddr = ip
		}
	}
	pol, err := policy.New(v.GetBool("allow-exec"), splitList(v.GetStringSlice("allow-local-files")),
		splitList(v.GetStringSlice("allow-interfaces")), splitList(v.GetStringSlice("allow-targets")))
	if err != nil {
		return cfg, "", cleanup, err
	}
	cfg.Policy = pol
	if !pol.IsZero() {
		log.Warn().Strs("allow", pol.Flags()).Msg("inputs submitted through the API may do more than gather from network targets on this node")
	}
	if key := v.GetString("encrypt"); key != "" {
		b, err := base64.StdEncoding.DecodeString(key)
		if err != nil {
			return cfg, "", cleanup, fmt.Errorf("--encrypt: not base64: %w", err)
		}
		cfg.GossipKey = b
	}
	return cfg, httpAddr, cleanup, nil
}

// pickAdvertise returns the bind IP, or the first private IP when binding to every interface.
func pickAdvertise(bind string) (string, error) {
	if bind != "0.0.0.0" && bind != "::" && bind != "" {
		return bind, nil
	}
	ip, err := sockaddr.GetPrivateIP()
	if err != nil {
		return "", fmt.Errorf("find a private IP to advertise: %w", err)
	}
	if ip == "" {
		return "", errors.New("no private IP to advertise: set --advertise")
	}
	return ip, nil
}

// capacitySetting maps --capacity to cluster.Config.Capacity, where zero means the default: --capacity 0 asks
// for no inputs.
func capacitySetting(c float64) float64 {
	if c <= 0 {
		return -1
	}
	return c
}

func splitList(in []string) []string {
	var out []string
	for _, s := range in {
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}
