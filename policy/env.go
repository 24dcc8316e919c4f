package policy

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// envReference matches what Telegraf's loader fills from the node's environment: ${VAR}, ${VAR:-x} and $VAR.
var envReference = regexp.MustCompile(`\$\{|\$[A-Za-z_]`)

// noEnv refuses an environment reference in any key or string value of a config, after JSON decoding: the
// escape \u0024 is a "$" by then, and the TOML Telegraf's loader reads is rendered from the decoded values. A
// submitted input runs on some node and must not read that node's environment (its tokens and keys). The
// "$$" escape stays allowed.
func noEnv(where string, raw json.RawMessage) error {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil // not JSON: Inspect already said so
	}
	return walkEnv(where, v)
}

func walkEnv(where string, v any) error {
	switch x := v.(type) {
	case string:
		return checkEnv(where, x)
	case map[string]any:
		for k, e := range x {
			key := k
			if where != "" {
				key = where + "." + k
			}
			if err := checkEnv(key, k); err != nil {
				return err
			}
			if err := walkEnv(key, e); err != nil {
				return err
			}
		}
	case []any:
		for i, e := range x {
			if err := walkEnv(fmt.Sprintf("%s[%d]", where, i), e); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkEnv(where, s string) error {
	clean := strings.ReplaceAll(s, "$$", "")
	if loc := envReference.FindStringIndex(clean); loc != nil {
		end := min(loc[1]+16, len(clean))
		return &Violation{Key: where, Reason: fmt.Sprintf("environment references such as %q are not allowed: they would read the node's environment", clean[loc[0]:end])}
	}
	return nil
}
