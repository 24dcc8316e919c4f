package telegrafx

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/influxdata/telegraf"
	"github.com/influxdata/telegraf/config"
	"github.com/influxdata/telegraf/models"
	tinputs "github.com/influxdata/telegraf/plugins/inputs"
	"github.com/rs/zerolog"

	"github.com/gatherd/gatherd/inputs"
	"github.com/gatherd/gatherd/policy"
)

// scheduleKeys are Telegraf per-input keys that gatherd owns as fields of the input itself: accepting them in
// config would silently do nothing.
var scheduleKeys = []string{"interval", "collection_jitter", "collection_offset", "startup_error_behavior"}

// InputNames returns the Telegraf input plugins linked into this binary, sorted.
func InputNames() []string {
	var r inputs.Registry
	Register(&r, zerolog.Nop())
	return r.Names()
}

// Register adds a factory for every linked Telegraf input plugin to reg; plugin logs go to log with the
// input's ID.
func Register(reg *inputs.Registry, log zerolog.Logger) {
	for name := range tinputs.Inputs {
		reg.Add(name, func(s inputs.Spec) (telegraf.Input, error) {
			return Build(name, s, log)
		})
	}
}

// Build makes a ready plugin instance of Telegraf input name from a JSON config holding its TOML keys, through
// Telegraf's own config loader: unknown keys, bad types and a failing Init are errors here.
func Build(name string, s inputs.Spec, log zerolog.Logger) (telegraf.Input, error) {
	cfg := s.Config
	if err := checkNoEnv(string(cfg)); err != nil {
		return nil, err
	}
	if len(cfg) > 0 {
		var keys map[string]json.RawMessage
		if err := json.Unmarshal(cfg, &keys); err != nil {
			return nil, fmt.Errorf("config must be a JSON object: %w", err)
		}
		for _, k := range scheduleKeys {
			if _, ok := keys[k]; ok {
				return nil, fmt.Errorf("key %q belongs on the input (its interval and jitter), not in config", k)
			}
		}
	}
	doc, err := configToTOML("inputs", name, cfg)
	if err != nil {
		return nil, err
	}
	ri, err := loadInput(doc)
	if err != nil {
		return nil, err
	}
	pl := newPluginLogger(log.With().Str("input", s.ID).Str("plugin", name).Logger())
	// The plugin's logger must be set before Init: a nil logger panics inside the plugin's own goroutines.
	models.SetLoggerOnPlugin(ri.Input, pl)
	if t, ok := ri.Input.(interface{ SetTranslator(string) }); ok {
		t.SetTranslator("gosmi") // netsnmp would shell out to snmptranslate, which a scratch image lacks
	}
	if s.NoInit || (s.Validation && initTalksToNetwork(cfg)) {
		return ri.Input, nil
	}
	if err := ri.Init(); err != nil {
		return nil, fmt.Errorf("init: %w", err)
	}
	guardRedirects(ri.Input, allowHost(policy.Policy{Targets: s.AllowTargets}))
	in := &input{ri: ri, log: pl, precision: precision(ri.Config.Precision, s.Interval)}
	if _, ok := ri.Input.(telegraf.ServiceInput); ok {
		return &serviceInput{in}, nil
	}
	return in, nil
}

// initTalksToNetwork says whether a plugin's Init would make requests and start goroutines with this config:
// Telegraf's cookie authentication logs in inside Init and renews forever from a goroutine nothing stops.
// Validating such an input must not do that on every submission.
func initTalksToNetwork(cfg json.RawMessage) bool {
	var keys map[string]json.RawMessage
	if json.Unmarshal(cfg, &keys) != nil {
		return false
	}
	_, cookie := keys["cookie_auth_url"]
	return cookie
}

var unusedFields = regexp.MustCompile(`the fields \[(.*?)\]`)

// KeyError names config keys Telegraf did not recognise.
type KeyError struct {
	Keys []string
	Err  error
}

func (e *KeyError) Error() string { return e.Err.Error() }

// UnknownKeys returns the keys, so callers can name them without importing this package.
func (e *KeyError) UnknownKeys() []string { return e.Keys }
func (e *KeyError) Unwrap() error         { return e.Err }

func loadInput(doc []byte) (*models.RunningInput, error) {
	c := config.NewConfig()
	c.Agent.OmitHostname = true // series must not change with the node that gathers them
	if err := c.LoadConfigData(doc, "gatherd"); err != nil {
		msg := err.Error()
		if m := unusedFields.FindStringSubmatch(msg); m != nil {
			var keys []string
			for _, k := range strings.Split(m[1], " ") {
				keys = append(keys, strings.Trim(k, `"`))
			}
			return nil, &KeyError{Keys: keys, Err: fmt.Errorf("unknown or unused keys %s", strings.Join(keys, ", "))}
		}
		if strings.HasSuffix(msg, "parser not found") {
			msg += ": data_format names a parser this binary lacks (it has influx, json, prometheus and csv)"
		}
		return nil, errors.New(strings.TrimPrefix(msg, "error parsing data: "))
	}
	if len(c.Inputs) != 1 {
		return nil, fmt.Errorf("config produced %d inputs, want 1", len(c.Inputs))
	}
	return c.Inputs[0], nil
}

// input runs a Telegraf RunningInput under the worker: metrics pass through Telegraf's MakeMetric (filters,
// name_override, tags), times round like Telegraf's agent, and errors the plugin only logs count as errors.
type input struct {
	ri        *models.RunningInput
	log       *pluginLogger
	precision time.Duration
}

func (in *input) SampleConfig() string { return in.ri.Input.SampleConfig() }

// Gather runs one gather. The worker never calls it twice at once for an input.
func (in *input) Gather(acc telegraf.Accumulator) error {
	acc.SetPrecision(in.precision)
	before := in.log.errors.Load()
	err := in.ri.Gather(&maker{acc: acc, ri: in.ri})
	if err == nil && in.log.errors.Load() > before {
		err = errors.New(in.log.lastError())
	}
	return err
}

// precision mirrors Telegraf's agent: an explicit precision, else the interval's order of magnitude (an
// unknown interval rounds to the second, as Telegraf's default 10 s does).
func precision(p, interval time.Duration) time.Duration {
	if p > 0 {
		return p
	}
	switch {
	case interval == 0 || interval >= time.Second:
		return time.Second
	case interval >= time.Millisecond:
		return time.Millisecond
	default:
		return time.Microsecond
	}
}

type serviceInput struct{ *input }

func (s *serviceInput) Start(acc telegraf.Accumulator) error {
	return s.ri.Start(&maker{acc: acc, ri: s.ri})
}
func (s *serviceInput) Stop() { s.ri.Stop() }
