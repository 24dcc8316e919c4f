package telegrafx

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/gatherd/gatherd/store"
)

// TargetKeys names, per plugin, the option that lists the plugin's targets. A table listing several becomes
// one input per target (DESIGN.md, decision 11): placement, schedule, failure and stats are then per target, so
// one slow device delays no other and a 500-device table spreads over every node. net_response has one
// address already.
var TargetKeys = map[string]string{
	"snmp":          "agents",
	"ping":          "urls",
	"http_response": "urls",
	"http":          "urls",
	"dns_query":     "servers",
	"x509_cert":     "sources",
}

// SplitTargets turns an input whose config lists several targets into one input per target, each with the rest
// of the config unchanged, ID "<in.ID>.<target>" (characters outside [A-Za-z0-9.-] as "_") and Group in.ID. An
// input with one target, or of a plugin without a target list, comes back alone and unchanged. where names the
// input in errors ("inputs.snmp[0]", "inputs[3].config"): a target list of the wrong type, an empty one, a
// target listed twice and a target that would make an ID over 128 characters are *store.FieldError.
func SplitTargets(in store.Input, where string) ([]store.Input, error) {
	key, ok := TargetKeys[in.Plugin]
	if !ok || len(in.Config) == 0 {
		return []store.Input{in}, nil
	}
	var cfg map[string]json.RawMessage
	if err := json.Unmarshal(in.Config, &cfg); err != nil {
		return []store.Input{in}, nil // not an object: the plugin's own check names it
	}
	raw, ok := cfg[key]
	if !ok {
		return []store.Input{in}, nil
	}
	field := where + "." + key
	var targets []string
	if err := json.Unmarshal(raw, &targets); err != nil {
		return nil, &store.FieldError{Field: field, Reason: "must be a list of strings"}
	}
	switch len(targets) {
	case 0:
		return nil, &store.FieldError{Field: field, Reason: "lists no targets"}
	case 1:
		return []store.Input{in}, nil
	}
	out := make([]store.Input, len(targets))
	ids := make(map[string]int, len(targets))
	for i, target := range targets {
		id := in.ID + "." + targetSlug(target)
		if j, dup := ids[id]; dup {
			reason := fmt.Sprintf("%q is listed twice (also %s[%d])", target, key, j)
			if targets[j] != target {
				reason = fmt.Sprintf("%q and %q (%s[%d]) give the same input ID %q", target, targets[j], key, j, id)
			}
			return nil, &store.FieldError{Field: fmt.Sprintf("%s[%d]", field, i), Reason: reason}
		}
		if len(id) > store.MaxIDLength {
			return nil, &store.FieldError{Field: fmt.Sprintf("%s[%d]", field, i), Reason: fmt.Sprintf(
				"target %q would give the input ID %q, over %d characters: give the table a shorter alias", target, id, store.MaxIDLength)}
		}
		ids[id] = i
		one, err := json.Marshal([]string{target})
		if err != nil {
			return nil, err
		}
		cfg[key] = one
		b, err := json.Marshal(cfg)
		if err != nil {
			return nil, err
		}
		split := in
		split.ID, split.Group, split.Config = id, in.ID, b
		out[i] = split
	}
	return out, nil
}

// targetSlug makes a target usable in an ID: "udp://127.0.0.1:161" becomes "udp_127.0.0.1_161".
func targetSlug(target string) string {
	target = strings.ReplaceAll(target, "://", "_")
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-':
			return r
		}
		return '_'
	}, target)
}
