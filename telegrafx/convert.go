package telegrafx

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/pelletier/go-toml/v2"
)

// configToTOML renders one input's JSON config as a Telegraf document holding a single [[inputs.name]] table.
func configToTOML(category, name string, config json.RawMessage) ([]byte, error) {
	table := map[string]any{}
	if len(config) > 0 {
		dec := json.NewDecoder(bytes.NewReader(config))
		dec.UseNumber()
		if err := dec.Decode(&table); err != nil {
			return nil, fmt.Errorf("config is not a JSON object: %w", err)
		}
	}
	doc := map[string]any{category: map[string]any{name: []any{fromJSON(table)}}}
	return toml.Marshal(doc)
}

// fromJSON turns JSON numbers into the integer or float TOML needs, so "5" stays an integer for int fields.
func fromJSON(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = fromJSON(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = fromJSON(e)
		}
		return x
	default:
		return v
	}
}

// envReference matches what Telegraf's loader would fill from the environment: ${VAR}, ${VAR:-x} and $VAR.
var envReference = regexp.MustCompile(`\$\{|\$[A-Za-z_]`)

// checkNoEnv rejects any environment reference: a submitted input runs on some node, and must not read that
// node's secrets. Telegraf's "$$" escape stays allowed.
func checkNoEnv(s string) error {
	clean := strings.ReplaceAll(s, "$$", "")
	if loc := envReference.FindStringIndex(clean); loc != nil {
		end := min(loc[1]+16, len(clean))
		return fmt.Errorf("environment references such as %q are not allowed: they would read the node's environment", clean[loc[0]:end])
	}
	return nil
}

// stableID names a TOML table without an alias: the plugin name and a hash of the table's canonical JSON, so
// applying the same file twice yields the same IDs.
func stableID(plugin string, table map[string]any) string {
	b, _ := json.Marshal(table) // maps marshal with sorted keys
	sum := sha256.Sum256(append([]byte(plugin+"\x00"), b...))
	return plugin + "-" + hex.EncodeToString(sum[:6])
}
