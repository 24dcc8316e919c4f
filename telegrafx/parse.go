package telegrafx

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"

	"github.com/gatherd/gatherd/store"
)

// DefaultInterval is Telegraf's default agent interval, used for a table without an interval.
const DefaultInterval = 10 * time.Second

// forbiddenTables are top-level tables a submitted file may not hold: they configure an agent, not inputs.
var forbiddenTables = []string{"agent", "outputs", "processors", "aggregators", "secretstores", "global_tags", "tags"}

// ParseInputs turns a Telegraf config holding [[inputs.X]] tables into input specs, one per table, in file
// order (by plugin name); SplitTargets then makes one input per target of a table that lists several. A
// table's ID is its alias when set,
// else a stable hash of the table (without its target list, when it lists several, so that adding or removing
// a target leaves the other targets' IDs alone, as long as two or more remain: a table with one target keeps
// the ID it always had); the same file applied twice changes nothing. interval and
// collection_jitter become the input's interval and jitter; every other key stays in its config. Errors are
// *store.FieldError naming the table ("inputs.http_response[1]") and key. It does not check the plugin's
// keys: building the plugin does.
func ParseInputs(data []byte) ([]store.Input, error) {
	if err := checkNoEnv(string(data)); err != nil {
		return nil, &store.FieldError{Field: "body", Reason: err.Error()}
	}
	var doc map[string]any
	if err := toml.Unmarshal(data, &doc); err != nil {
		var de *toml.DecodeError
		if errors.As(err, &de) {
			row, col := de.Position()
			return nil, &store.FieldError{Field: "body", Reason: fmt.Sprintf("TOML syntax error at line %d column %d: %s", row, col, de.Error())}
		}
		return nil, &store.FieldError{Field: "body", Reason: "TOML: " + err.Error()}
	}
	for _, t := range forbiddenTables {
		if _, ok := doc[t]; ok {
			return nil, &store.FieldError{Field: t, Reason: fmt.Sprintf("[%s] is not allowed: submit [[inputs.*]] tables only; outputs and agent settings belong to each node's config", t)}
		}
	}
	for k := range doc {
		if k != "inputs" {
			return nil, &store.FieldError{Field: k, Reason: "unexpected top-level key or table: submit [[inputs.*]] tables only"}
		}
	}
	plugins, ok := doc["inputs"].(map[string]any)
	if !ok || len(plugins) == 0 {
		return nil, &store.FieldError{Field: "inputs", Reason: "no [[inputs.*]] tables"}
	}
	names := make([]string, 0, len(plugins))
	for n := range plugins {
		names = append(names, n)
	}
	slices.Sort(names) // map order is random; a stable order keeps errors and results reproducible
	var out []store.Input
	for _, name := range names {
		var tables []any
		switch v := plugins[name].(type) {
		case []any:
			tables = v
		case map[string]any:
			tables = []any{v} // legacy [inputs.x]
		default:
			return nil, &store.FieldError{Field: "inputs." + name, Reason: "must be a table"}
		}
		for i, raw := range tables {
			where := fmt.Sprintf("inputs.%s[%d]", name, i)
			table, ok := raw.(map[string]any)
			if !ok {
				return nil, &store.FieldError{Field: where, Reason: "must be a table"}
			}
			in, err := tableToInput(name, table, where)
			if err != nil {
				return nil, err
			}
			out = append(out, in)
		}
	}
	return out, nil
}

func tableToInput(name string, table map[string]any, where string) (store.Input, error) {
	in := store.Input{Plugin: name, Interval: store.Duration(DefaultInterval)}
	if alias, ok := table["alias"]; ok {
		s, ok := alias.(string)
		if !ok || !store.ValidID(s) {
			return in, &store.FieldError{Field: where + ".alias", Reason: fmt.Sprintf("%v must be 1 to 128 characters of A-Z a-z 0-9 . _ - to serve as the input's ID", alias)}
		}
		in.ID = s
	} else {
		in.ID = stableID(name, withoutTargets(name, table))
	}
	cfg := map[string]any{}
	for k, v := range table {
		switch k {
		case "interval", "collection_jitter":
			d, err := tomlDuration(v)
			if err != nil {
				return in, &store.FieldError{Field: where + "." + k, Reason: err.Error()}
			}
			if k == "interval" {
				in.Interval = store.Duration(d)
			} else {
				in.Jitter = store.Duration(d)
			}
		default:
			cfg[k] = v
		}
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		return in, &store.FieldError{Field: where, Reason: "cannot carry this table as JSON: " + err.Error()}
	}
	in.Config = b
	if err := in.Validate(); err != nil {
		var fe *store.FieldError
		if errors.As(err, &fe) {
			return in, &store.FieldError{Field: where + "." + fe.Field, Reason: fe.Reason}
		}
		return in, err
	}
	return in, nil
}

// withoutTargets returns table without its target list when it lists more than one target, so the table's
// ID survives changes to the list; else table itself.
func withoutTargets(plugin string, table map[string]any) map[string]any {
	key, ok := TargetKeys[plugin]
	if list, isList := table[key].([]any); !ok || !isList || len(list) < 2 {
		return table
	}
	rest := make(map[string]any, len(table))
	for k, v := range table {
		if k != key {
			rest[k] = v
		}
	}
	return rest
}

// tomlDuration reads a duration as Telegraf does: a string such as "10s", or a number of seconds.
func tomlDuration(v any) (time.Duration, error) {
	switch x := v.(type) {
	case string:
		d, err := time.ParseDuration(strings.TrimSpace(x))
		if err != nil {
			return 0, fmt.Errorf("%q is not a duration such as \"10s\"", x)
		}
		return d, nil
	case int64:
		return time.Duration(x) * time.Second, nil
	case float64:
		return time.Duration(x * float64(time.Second)), nil
	default:
		return 0, fmt.Errorf("%v is not a duration such as \"10s\"", v)
	}
}
