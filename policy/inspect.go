package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// Use is one option value that needs a node's permission.
type Use struct {
	Key   string // the option as found in config: "tls_ca", "sources[1]", "table[0].oid"
	Value string // the path, interface, address or method it names
}

// Needs is what an input's config would make a node do beyond gathering from ordinary network targets.
type Needs struct {
	Program    []Use // runs a program (ping's exec method)
	Paths      []Use // reads or writes a local file, directory or socket
	Interfaces []Use // binds a local interface or source address
	Targets    []Use // reaches a literal link-local address (Value is the address)
}

// Empty reports whether any node may run the input.
func (n Needs) Empty() bool {
	return len(n.Program) == 0 && len(n.Paths) == 0 && len(n.Interfaces) == 0 && len(n.Targets) == 0
}

// Violation says which option of an input a node refuses, why, and which node setting would allow it.
type Violation struct {
	Key    string // the option, as in Use.Key; "" for the plugin itself
	Reason string
}

func (v *Violation) Error() string {
	if v.Key == "" {
		return v.Reason
	}
	return v.Key + ": " + v.Reason
}

// Inspect reads an input's config (its Telegraf keys as a JSON object) and returns what it needs of a node.
// It refuses, with a *Violation, what no node setting can allow: a plugin the table has not audited, an option
// the audit does not know (default deny: an upgrade's new option is refused until it is classified), an
// option of class Never, and a non-string value where a path, address or interface is expected.
func (t Table) Inspect(plugin string, config json.RawMessage) (Needs, error) {
	var n Needs
	p, ok := t[plugin]
	if !ok {
		return n, &Violation{Reason: fmt.Sprintf("plugin %q has no audit of its options, so no node may run it from the API", plugin)}
	}
	obj, err := object(config)
	if err != nil {
		return n, &Violation{Reason: "config must be a JSON object"}
	}
	if err := p.inspect(plugin, "", obj, &n, true); err != nil {
		return n, err
	}
	if err := noEnv("", config); err != nil {
		return n, err
	}
	if plugin == "ping" {
		// Telegraf's ping runs the system ping unless method is "native": an absent method means exec.
		if m, ok := obj["method"]; !ok || string(m) != `"native"` {
			method := "exec (the default)"
			if ok {
				method = strings.Trim(string(m), `"`)
			}
			n.Program = append(n.Program, Use{Key: "method", Value: method})
		}
	}
	return n, nil
}

func object(raw json.RawMessage) (map[string]json.RawMessage, error) {
	obj := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(raw)) == 0 {
		return obj, nil
	}
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, err
	}
	if obj == nil {
		return nil, fmt.Errorf("null")
	}
	return obj, nil
}

func (p Plugin) inspect(plugin, prefix string, obj map[string]json.RawMessage, n *Needs, top bool) error {
	for _, key := range slices.Sorted(mapKeys(obj)) {
		raw := obj[key]
		where := prefix + key
		if sub, ok := p.Tables[key]; ok {
			var rows []map[string]json.RawMessage
			if err := json.Unmarshal(raw, &rows); err != nil {
				return &Violation{Key: where, Reason: "must be a list of tables"}
			}
			for i, row := range rows {
				if err := sub.inspect(plugin, fmt.Sprintf("%s[%d].", where, i), row, n, false); err != nil {
					return err
				}
			}
			continue
		}
		class, ok := p.Options[key]
		if !ok && top {
			class, ok = Common[key]
			if !ok && p.Parser {
				class, ok = parserClass(key)
			}
		}
		if !ok {
			return &Violation{Key: where, Reason: fmt.Sprintf("not an option of plugin %s that gatherd knows", plugin)}
		}
		if err := classify(class, where, raw, n); err != nil {
			return err
		}
	}
	return nil
}

func parserClass(key string) (Class, bool) {
	if c, ok := ParserCommon[key]; ok {
		return c, true
	}
	for _, opts := range Parsers {
		if c, ok := opts[key]; ok {
			return c, true
		}
	}
	return 0, false
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// classify adds what one option's value needs.
func classify(class Class, key string, raw json.RawMessage, n *Needs) error {
	switch class {
	case Safe, Owned, Program: // Program: ping's method is judged with the plugin's default, in Inspect
		return nil
	case Never:
		return &Violation{Key: key, Reason: "chooses the program a node runs: never accepted from the API (a node started with --allow-exec runs its own system ping)"}
	case Network:
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return &Violation{Key: key, Reason: "must be a string"}
		}
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "udp", "udp4", "udp6", "tcp", "tcp4", "tcp6", "tcp-tls":
			return nil
		}
		return &Violation{Key: key, Reason: fmt.Sprintf("%q: only udp and tcp transports are accepted (a unix socket is a local path)", s)}
	}
	values, err := strings1(key, raw)
	if err != nil {
		return err
	}
	for _, u := range values {
		switch class {
		case Path:
			n.Paths = append(n.Paths, u)
		case Interface:
			n.Interfaces = append(n.Interfaces, u)
		case Target:
			if err := addTarget(u, "", n); err != nil {
				return err
			}
		case URL:
			if err := addURL(u, n); err != nil {
				return err
			}
		case CertSource:
			if err := addCertSource(u, n); err != nil {
				return err
			}
		}
	}
	return nil
}

// strings1 reads a string or a list of strings; list items are keyed "key[i]".
func strings1(key string, raw json.RawMessage) ([]Use, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return []Use{{Key: key, Value: s}}, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, &Violation{Key: key, Reason: "must be a string or a list of strings"}
	}
	out := make([]Use, len(list))
	for i, s := range list {
		out[i] = Use{Key: fmt.Sprintf("%s[%d]", key, i), Value: s}
	}
	return out, nil
}

func addTarget(u Use, host string, n *Needs) error {
	for _, h := range append(hostsOf(u.Value), host) {
		if ip, ok := linkLocal(h); ok {
			n.Targets = append(n.Targets, Use{Key: u.Key, Value: ip.String()})
			return nil
		}
	}
	return nil
}

// addURL: http(s) and socks5 URLs are targets; an http+unix URL (Telegraf's unix-socket transport, in any
// spelling: "http+unix:/run/x.sock:/path" needs no slashes) names a local socket; any other scheme, or none,
// is refused rather than guessed at.
func addURL(u Use, n *Needs) error {
	parsed, err := url.Parse(strings.TrimSpace(u.Value))
	if err != nil {
		return &Violation{Key: u.Key, Reason: fmt.Sprintf("%q is not a URL: %v", u.Value, err)}
	}
	switch scheme := strings.ToLower(parsed.Scheme); {
	case scheme == "http", scheme == "https", scheme == "socks5", scheme == "socks5h":
		return addTarget(u, parsed.Hostname(), n)
	case strings.HasSuffix(scheme, "+unix"):
		path := parsed.Path
		if path == "" {
			path = parsed.Opaque
		}
		sock, _, _ := strings.Cut(path, ":") // "/run/x.sock:/metrics": the socket, then the request path
		n.Paths = append(n.Paths, Use{Key: u.Key, Value: sock})
		return nil
	default:
		return &Violation{Key: u.Key, Reason: fmt.Sprintf("%q: scheme %q is not one gatherd accepts here (http, https; http+unix for a local socket)", u.Value, parsed.Scheme)}
	}
}

// addCertSource follows x509_cert's own reading of sources (sourcesToURLs and getCert).
func addCertSource(u Use, n *Needs) error {
	v := u.Value
	scheme, rest, ok := strings.Cut(v, "://")
	switch {
	case strings.HasPrefix(v, "/"):
		n.Paths = append(n.Paths, u)
	case !ok:
		return &Violation{Key: u.Key, Reason: fmt.Sprintf("%q is neither a URL (tcp://, udp://, https://, smtp://) nor an absolute path", v)}
	default:
		switch strings.ToLower(scheme) {
		case "file", "jks", "pkcs12":
			n.Paths = append(n.Paths, Use{Key: u.Key, Value: urlPath(rest)})
		case "tcp", "tcp4", "tcp6", "udp", "udp4", "udp6", "https", "smtp":
			return addTarget(u, "", n)
		default:
			return &Violation{Key: u.Key, Reason: fmt.Sprintf("scheme %q is not one gatherd accepts (tcp, udp, https, smtp, file)", scheme)}
		}
	}
	return nil
}

// urlPath is the path part of what follows "scheme://": "/etc/x" from "/etc/x", and from "host/etc/x".
func urlPath(rest string) string {
	if strings.HasPrefix(rest, "/") {
		return rest
	}
	if u, err := url.Parse("x://" + rest); err == nil && u.Path != "" {
		return u.Path
	}
	return rest
}
