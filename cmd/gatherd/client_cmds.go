package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/gatherd/gatherd/client"
	"github.com/gatherd/gatherd/telegrafx"
	"github.com/gatherd/gatherd/tlsutil"
	"github.com/gatherd/gatherd/wire"
)

// defaultAddr is the API the client commands talk to when neither --addr nor GATHERD_ADDR says otherwise.
const defaultAddr = "http://127.0.0.1:8080"

// addClientCommands adds the subcommands that talk to a node's API.
func addClientCommands(root *cobra.Command) {
	root.AddCommand(
		newStatusCmd(),
		newMembersCmd(),
		newInputsCmd(),
		newAssignmentsCmd(),
		newLocalCmd(),
		newDrainCmd(),
		newRebalanceCmd(),
		newLeaveCmd(),
		newPluginsCmd(),
		newHealthCmd(),
		newKeygenCmd(),
	)
}

// clientOpts are the flags every client command shares.
type clientOpts struct {
	addr, output, token, tokenFile, caCert string
	flags                                  *pflag.FlagSet
}

// addClientFlags gives cmd, and the subcommands it will have, --addr, --output, --token, --token-file and
// --ca-cert.
func addClientFlags(cmd *cobra.Command) *clientOpts {
	o := &clientOpts{flags: cmd.PersistentFlags()}
	o.flags.StringVar(&o.addr, "addr", defaultAddr, "API of the node to ask, URL or host:port (env GATHERD_ADDR)")
	o.flags.StringVarP(&o.output, "output", "o", "table", "output format: table or json")
	o.flags.StringVar(&o.token, "token", "", "API bearer token (env GATHERD_TOKEN)")
	o.flags.StringVar(&o.tokenFile, "token-file", "", "file holding the API bearer token (env GATHERD_TOKEN_FILE)")
	o.flags.StringVar(&o.caCert, "ca-cert", "", "CA certificate (PEM) to trust for an https --addr (env GATHERD_CA_CERT)")
	return o
}

// setup checks the flags and returns a client for --addr, taking GATHERD_ADDR, GATHERD_TOKEN,
// GATHERD_TOKEN_FILE and GATHERD_CA_CERT from the environment for flags not given.
func (o *clientOpts) setup() (*client.Client, error) {
	if o.output != "table" && o.output != "json" {
		return nil, fmt.Errorf("--output must be table or json, not %q", o.output)
	}
	addr := o.addr
	if env := os.Getenv("GATHERD_ADDR"); env != "" && !o.flags.Changed("addr") {
		addr = env
	}
	token, err := o.resolveToken()
	if err != nil {
		return nil, err
	}
	opts := []client.Option{client.WithToken(token)}
	ca := o.caCert
	if env := os.Getenv("GATHERD_CA_CERT"); env != "" && !o.flags.Changed("ca-cert") {
		ca = env
	}
	if ca != "" {
		pool, err := tlsutil.LoadCAPool(ca)
		if err != nil {
			return nil, fmt.Errorf("--ca-cert: %w", err)
		}
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		opts = append(opts, client.WithHTTPClient(&http.Client{Timeout: 30 * time.Second, Transport: tr}))
	}
	return client.New(addr, opts...)
}

// resolveToken picks the token as Consul's CLI does: --token, then --token-file, then GATHERD_TOKEN, then
// GATHERD_TOKEN_FILE. A flag given on the command line beats the environment even when the environment holds
// the other form.
func (o *clientOpts) resolveToken() (string, error) {
	switch {
	case o.flags.Changed("token"):
		return o.token, nil
	case o.flags.Changed("token-file"):
		return readTokenFile("--token-file", o.tokenFile)
	case os.Getenv("GATHERD_TOKEN") != "":
		return os.Getenv("GATHERD_TOKEN"), nil
	case os.Getenv("GATHERD_TOKEN_FILE") != "":
		return readTokenFile("GATHERD_TOKEN_FILE", os.Getenv("GATHERD_TOKEN_FILE"))
	}
	return "", nil
}

// readTokenFile returns the token in file: its content without surrounding white space. The error never shows
// the content.
func readTokenFile(what, file string) (string, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" {
		return "", fmt.Errorf("%s %s is empty", what, file)
	}
	if strings.ContainsAny(tok, " \t\r\n") {
		return "", fmt.Errorf("%s %s must hold one token and nothing else", what, file)
	}
	return tok, nil
}

func (o *clientOpts) json() bool { return o.output == "json" }

// show prints an answer of the typed client: with -o json as indented JSON, otherwise through render. A nil
// render prints nothing in table mode.
func show[T any](cmd *cobra.Command, o *clientOpts, v T, err error, render func(io.Writer, T) error) error {
	if err != nil {
		return err
	}
	w := cmd.OutOrStdout()
	if o.json() {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	if render == nil {
		return nil
	}
	return render(w, v)
}

// ask is a command that calls one method of the typed client and shows its answer.
func ask[T any](call func(c *client.Client, ctx context.Context) (T, error), render func(io.Writer, T) error) clientRun {
	return func(cmd *cobra.Command, _ []string, o *clientOpts) error {
		c, err := o.setup()
		if err != nil {
			return err
		}
		v, err := call(c, cmd.Context())
		return show(cmd, o, v, err, render)
	}
}

// clientRun is the body of a client command.
type clientRun func(cmd *cobra.Command, args []string, o *clientOpts) error

// clientCmd returns a command with the shared client flags whose RunE calls run.
func clientCmd(use, short string, args cobra.PositionalArgs, run clientRun) *cobra.Command {
	cmd := &cobra.Command{Use: use, Short: short, Args: args}
	o := addClientFlags(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error { return run(cmd, args, o) }
	return cmd
}

func newStatusCmd() *cobra.Command {
	return clientCmd("status", "Show the cluster as the node at --addr sees it", cobra.NoArgs,
		ask((*client.Client).Status, renderStatus))
}

func newMembersCmd() *cobra.Command {
	return clientCmd("members", "List the cluster's nodes", cobra.NoArgs,
		ask(func(c *client.Client, ctx context.Context) (wire.MemberList, error) {
			ms, err := c.Members(ctx)
			return wire.MemberList{Members: ms}, err
		}, func(w io.Writer, v wire.MemberList) error { return renderMembers(w, v.Members) }))
}

func newAssignmentsCmd() *cobra.Command {
	return clientCmd("assignments", "Show which node runs which inputs", cobra.NoArgs,
		ask((*client.Client).Assignments, renderAssignments))
}

func newLocalCmd() *cobra.Command {
	return clientCmd("local", "List the inputs running on the node at --addr", cobra.NoArgs,
		func(cmd *cobra.Command, args []string, o *clientOpts) error {
			return ask((*client.Client).Local, func(w io.Writer, l *client.Local) error {
				if l.Fenced {
					fmt.Fprintf(cmd.ErrOrStderr(), "warning: node %s is fenced (no recent leader contact); its inputs are stopped\n", l.Node)
				}
				return renderLocal(w, l, time.Now())
			})(cmd, args, o)
		})
}

func newPluginsCmd() *cobra.Command {
	remote := ask(func(c *client.Client, ctx context.Context) (wire.PluginList, error) {
		ps, err := c.Plugins(ctx)
		return wire.PluginList{Plugins: ps}, err
	}, func(w io.Writer, v wire.PluginList) error {
		for _, p := range v.Plugins {
			if _, err := fmt.Fprintln(w, p); err != nil {
				return err
			}
		}
		return nil
	})
	return clientCmd("plugins", "List the plugins this binary carries (or, with --addr, the inputs the node there can run)", cobra.NoArgs,
		func(cmd *cobra.Command, args []string, o *clientOpts) error {
			if cmd.Flags().Changed("addr") || os.Getenv("GATHERD_ADDR") != "" {
				return remote(cmd, args, o)
			}
			w := cmd.OutOrStdout()
			fmt.Fprintln(w, "inputs:  "+strings.Join(telegrafx.InputNames(), " "))
			fmt.Fprintln(w, "outputs: "+strings.Join(telegrafx.OutputNames(), " "))
			fmt.Fprintln(w, "parsers: influx json prometheus (data_format of the http input)")
			return nil
		})
}

func newInputsCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "inputs", Short: "List, show, create, replace and delete inputs", Args: cobra.NoArgs}
	o := addClientFlags(cmd)
	sub := func(use, short string, args cobra.PositionalArgs, run func(cmd *cobra.Command, args []string) error) *cobra.Command {
		c := &cobra.Command{Use: use, Short: short, Args: args, RunE: run}
		cmd.AddCommand(c)
		return c
	}

	var filter client.InputFilter
	list := sub("list", "List the inputs", cobra.NoArgs, func(cmd *cobra.Command, _ []string) error {
		return ask(func(c *client.Client, ctx context.Context) (wire.InputList, error) {
			ins, _, err := c.ListInputs(ctx, filter)
			return wire.InputList{Inputs: ins}, err
		}, func(w io.Writer, v wire.InputList) error { return renderInputs(w, v.Inputs) })(cmd, nil, o)
	})
	list.Flags().StringVar(&filter.Group, "group", "", "only the inputs split from this table (its ID)")
	list.Flags().StringVar(&filter.Source, "source", "", "only the inputs of this source")
	list.Flags().StringVar(&filter.Node, "node", "", "only the inputs this node runs")
	list.Flags().StringVar(&filter.Plugin, "plugin", "", "only the inputs of this plugin")

	sub("get ID", "Show one input", cobra.ExactArgs(1), func(cmd *cobra.Command, args []string) error {
		return ask(func(c *client.Client, ctx context.Context) (*client.Input, error) {
			return c.Input(ctx, args[0])
		}, renderInput)(cmd, args, o)
	})

	var putFile string
	put := sub("put ID -f FILE", "Create or replace an input from a JSON spec", cobra.ExactArgs(1),
		func(cmd *cobra.Command, args []string) error {
			c, err := o.setup()
			if err != nil {
				return err
			}
			b, err := readSpecFile(cmd, putFile)
			if err != nil {
				return err
			}
			var spec client.InputSpec
			if err := decodeSpec(putFile, b, &spec); err != nil {
				return err
			}
			in, err := c.PutInput(cmd.Context(), args[0], spec)
			return show(cmd, o, in, err,
				func(w io.Writer, in *client.Input) error {
					_, err := fmt.Fprintf(w, "input %s stored: version %d, node %s\n", in.ID, in.Version, nodeOrUnassigned(in.Node))
					return err
				})
		})
	put.Long = `Create or replace the input ID from FILE, a JSON object such as
  {"plugin": "net_response", "interval": "10s", "config": {"address": "127.0.0.1:22", "protocol": "tcp"}}
An unknown field is named before anything is sent; the API names any value it rejects. "-f -" reads standard
input.`
	put.Flags().StringVarP(&putFile, "file", "f", "", `JSON spec of the input ("-" for standard input)`)
	_ = put.MarkFlagRequired("file")

	sub("delete ID", "Delete an input", cobra.ExactArgs(1), func(cmd *cobra.Command, args []string) error {
		c, err := o.setup()
		if err != nil {
			return err
		}
		if err := c.DeleteInput(cmd.Context(), args[0]); err != nil {
			return err
		}
		if !o.json() {
			fmt.Fprintf(cmd.OutOrStdout(), "input %s deleted\n", args[0])
		}
		return nil
	})

	var applyFile, applyFormat string
	var applyOpts client.ApplyOptions
	apply := sub("apply -f FILE|DIR", "Create, replace and (with --prune) delete inputs to match a file, all or none", cobra.NoArgs,
		func(cmd *cobra.Command, _ []string) error {
			c, err := o.setup()
			if err != nil {
				return err
			}
			b, format, err := readApplyFile(cmd, applyFile, applyFormat)
			if err != nil {
				return err
			}
			opts := applyOpts
			if opts.Source == "" {
				opts.Source = defaultSource(applyFile)
			}
			var res *client.ApplyResult
			switch format {
			case "json":
				if b, err = batchBody(applyFile, b); err != nil {
					return err
				}
				var batch wire.Batch
				if err := decodeSpec(applyFile, b, &batch); err != nil {
					return err
				}
				res, err = c.ApplyInputs(cmd.Context(), batch.Inputs, opts)
			case "toml":
				res, err = c.ApplyTOML(cmd.Context(), b, opts)
			}
			return show(cmd, o, res, err, func(w io.Writer, r *client.ApplyResult) error {
				return renderPlan(w, opts.Source, r)
			})
		})
	apply.Long = `Make the inputs of a source match FILE, in one change, all or none: new ones are created, changed ones
replaced (and restarted), unchanged ones left running; with --prune the source's inputs FILE lacks are
deleted (another source's never are). --dry-run prints the plan and changes nothing.

FILE is Telegraf TOML (*.conf, *.toml, or --format toml): its [[inputs.X]] tables, one input per table, or per
target of a table that lists several (agents, urls, servers, sources). Or JSON, either
  {"inputs": [{"id": "ssh", "plugin": "net_response", "config": {"address": "127.0.0.1:22", "protocol": "tcp"}}, ...]}
or just the array, or a single spec with an "id". A DIR applies every *.conf in it as one Telegraf config, as
Telegraf's --config-directory does. The source defaults to the file's or directory's name ("api" for "-f -",
which reads standard input).`
	apply.Flags().StringVarP(&applyFile, "file", "f", "", `file or directory of input specs ("-" for standard input)`)
	apply.Flags().StringVar(&applyFormat, "format", "auto", "format of the file: auto (by its extension), json or toml")
	apply.Flags().StringVar(&applyOpts.Source, "source", "", "the source the inputs belong to (default: the file or directory name)")
	apply.Flags().BoolVar(&applyOpts.Prune, "prune", false, "delete the source's inputs that the file does not contain")
	apply.Flags().BoolVar(&applyOpts.DryRun, "dry-run", false, "print what would change, change nothing")
	_ = apply.MarkFlagRequired("file")
	return cmd
}

func nodeOrUnassigned(n string) string {
	if n == "" {
		return "(unassigned)"
	}
	return n
}

// readSpecFile reads the file named by -f, standard input for "-".
func readSpecFile(cmd *cobra.Command, name string) ([]byte, error) {
	if name == "-" {
		b, err := io.ReadAll(cmd.InOrStdin())
		if err != nil {
			return nil, fmt.Errorf("read standard input: %w", err)
		}
		return b, nil
	}
	return os.ReadFile(name)
}

func displayName(name string) string {
	if name == "-" {
		return "standard input"
	}
	return name
}

// decodeSpec decodes one JSON object of the API's shape from the file name, naming an unknown field before
// anything is sent.
func decodeSpec(name string, b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s: want a JSON object: %w", displayName(name), err)
	}
	if dec.More() {
		return fmt.Errorf("%s: want one JSON object, found more after it", displayName(name))
	}
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		return fmt.Errorf("%s: want a JSON object, not null", displayName(name))
	}
	return nil
}

// batchBody turns a JSON file into the body of POST /v1/inputs: {"inputs": [...]} is sent as is, an array
// of specs or a single spec is wrapped. The specs themselves are passed through for the API to check.
func batchBody(name string, b []byte) ([]byte, error) {
	b = bytes.TrimSpace(b)
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("%s: not JSON: %w", displayName(name), err)
	}
	switch v := v.(type) {
	case []any:
		return append(append([]byte(`{"inputs":`), b...), '}'), nil
	case map[string]any:
		if _, ok := v["inputs"]; ok {
			return b, nil
		}
		if _, ok := v["plugin"]; ok {
			return append(append([]byte(`{"inputs":[`), b...), ']', '}'), nil
		}
	}
	return nil, fmt.Errorf(`%s: want {"inputs": [...]}, an array of input specs or one spec`, displayName(name))
}

func renderNodeState(w io.Writer, s *client.NodeState) error {
	_, err := fmt.Fprintf(w, "node %s: %s\n", s.ID, s.State)
	return err
}

func newDrainCmd() *cobra.Command {
	var undo bool
	cmd := clientCmd("drain NODE", "Move every input off a node and keep new ones away (--undo ends it)", cobra.ExactArgs(1),
		func(cmd *cobra.Command, args []string, o *clientOpts) error {
			c, err := o.setup()
			if err != nil {
				return err
			}
			call := c.Drain
			if undo {
				call = c.Undrain
			}
			st, err := call(cmd.Context(), args[0])
			return show(cmd, o, st, err, renderNodeState)
		})
	cmd.Flags().BoolVar(&undo, "undo", false, "end the drain: let the node take inputs again")
	return cmd
}

func newRebalanceCmd() *cobra.Command {
	var dryRun bool
	cmd := clientCmd("rebalance", "Even out the nodes' measured load now, within the move budget (--dry-run only shows the moves)", cobra.NoArgs,
		func(cmd *cobra.Command, args []string, o *clientOpts) error {
			c, err := o.setup()
			if err != nil {
				return err
			}
			r, err := c.Rebalance(cmd.Context(), dryRun)
			return show(cmd, o, r, err, renderRebalance)
		})
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print the moves and the load before and after; move nothing")
	return cmd
}

func newLeaveCmd() *cobra.Command {
	cmd := clientCmd("leave [NODE]", "Remove a node from the cluster after it hands its inputs over", cobra.MaximumNArgs(1),
		func(cmd *cobra.Command, args []string, o *clientOpts) error {
			c, err := o.setup()
			if err != nil {
				return err
			}
			var id string
			if len(args) == 1 {
				id = args[0]
			} else {
				st, err := c.Status(cmd.Context())
				if err != nil {
					return fmt.Errorf("find the ID of the node at %s: %w", c.Addr(), err)
				}
				if st.NodeID == "" {
					return fmt.Errorf("the node at %s did not say its ID; name the node to leave", c.Addr())
				}
				id = st.NodeID
			}
			st, err := c.Leave(cmd.Context(), id)
			return show(cmd, o, st, err, renderNodeState)
		})
	cmd.Long = `Remove a node from the cluster: it hands its inputs over, leaves and shuts down. NODE defaults to the node
at --addr (asked with GET /v1/status). Starting the node's process again makes it rejoin.`
	return cmd
}

func newHealthCmd() *cobra.Command {
	var ready bool
	var timeout time.Duration
	cmd := clientCmd("health", "Exit 0 if the node at --addr is healthy, else print why and exit 1", cobra.NoArgs,
		func(cmd *cobra.Command, args []string, o *clientOpts) error {
			c, err := o.setup()
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			probe, path := c.Health, "/healthz"
			if ready {
				probe, path = c.Ready, "/readyz"
			}
			err = probe(ctx)
			var apiErr *client.APIError
			if errors.As(err, &apiErr) {
				return fmt.Errorf("%s%s: %w", c.Addr(), path, err)
			}
			return err
		})
	cmd.Long = `Ask GET /healthz of the node at --addr (GET /readyz with --ready) and exit 0 when it answers 200, else
print why and exit 1. Quiet on success, it suits a container healthcheck:
  HEALTHCHECK CMD ["/gatherd", "health"]`
	cmd.Flags().BoolVar(&ready, "ready", false, "check /readyz instead: a leader is known, the node caught up and is not fenced")
	cmd.Flags().DurationVar(&timeout, "timeout", 5*time.Second, "give up after this long")
	return cmd
}

func newKeygenCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "keygen",
		Short: "Print a new random gossip encryption key for --encrypt",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			key := make([]byte, 32)
			if _, err := rand.Read(key); err != nil {
				return err
			}
			_, err := fmt.Fprintln(cmd.OutOrStdout(), base64.StdEncoding.EncodeToString(key))
			return err
		},
	}
}
