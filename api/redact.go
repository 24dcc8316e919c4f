package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Redacted replaces secret values in input configs the API returns.
const Redacted = "<redacted>"

// secretKeys are config keys (lower case, dashes as underscores) whose values are secrets.
var secretKeys = map[string]bool{
	"password": true, "passwd": true, "pwd": true, "passphrase": true, "secret": true, "token": true,
	"community": true, "auth_password": true, "priv_password": true, "bearer_token": true, "api_key": true,
	"apikey": true, "key": true, "credentials": true, "authorization": true, "cookie": true,
}

// secretSuffixes catch the many plugin-specific spellings (sasl_password, client_secret, x-api-key as an HTTP
// header, tls_key_pwd, proxy-authorization).
var secretSuffixes = []string{"_password", "_passwd", "_pwd", "_passphrase", "_secret", "_token", "_key", "_authorization"}

func secretKey(k string) bool {
	k = strings.ReplaceAll(strings.ToLower(k), "-", "_")
	if secretKeys[k] {
		return true
	}
	for _, s := range secretSuffixes {
		if strings.HasSuffix(k, s) {
			return true
		}
	}
	return false
}

var (
	// urlPassword is the password in a URL's user info, as in mongodb://user:pass@host: Telegraf takes servers
	// and DSNs this way under keys such as servers, urls and dsn that are not secret themselves.
	urlPassword = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.\-]*://[^/?#@:\s]*):([^/?#@\s]*)@`)
	// dsnPassword is a password=... pair in a key=value connection string (PostgreSQL, ODBC).
	dsnPassword = regexp.MustCompile(`(?i)\b((?:password|pwd)\s*=\s*)('[^']*'|[^\s;]+)`)
)

func redactString(s string) string {
	if strings.Contains(s, "://") {
		s = urlPassword.ReplaceAllString(s, "$1:"+Redacted+"@")
	}
	if strings.Contains(s, "=") {
		s = dsnPassword.ReplaceAllString(s, "${1}"+Redacted)
	}
	return s
}

// RedactConfig returns an input config with its secrets replaced by Redacted, for showing it to API clients:
//   - the value of every key that looks secret (password, token, community, authorization, key, anything
//     ending in _password, _secret, _token or _key, and more; case-insensitive, dashes count as underscores), at
//     any depth, so HTTP headers such as {"headers": {"Authorization": "..."}} are covered; whole objects and
//     arrays under such a key are replaced; null, booleans and empty strings are kept, since they hide nothing;
//   - the password in URLs (scheme://user:PASSWORD@host) and in key=value connection strings (password=...),
//     in any string value.
//
// It returns raw itself when nothing needs redacting, and raw unchanged when raw is not a JSON object. A
// malformed object comes back as the JSON string Redacted rather than risk showing what it holds. Key order is
// kept; white space is not.
func RedactConfig(raw json.RawMessage) json.RawMessage {
	t := bytes.TrimLeft(raw, " \t\r\n")
	if len(t) == 0 || t[0] != '{' {
		return raw
	}
	out, changed, err := redactJSON(raw)
	if err != nil {
		return json.RawMessage(`"` + Redacted + `"`)
	}
	if !changed {
		return raw
	}
	return out
}

// redactJSON rewrites raw in one pass over its tokens, with an explicit stack: a recursive descent re-scanning
// each nested value would take time quadratic in the nesting depth, which a client controls.
func redactJSON(raw []byte) ([]byte, bool, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // numbers are copied as written, not rounded through float64
	type frame struct {
		obj    bool
		n      int  // members or elements written
		atKey  bool // in an object, the next token is a key
		secret bool // in an object, the value being read belongs to a secret key
	}
	var (
		out     bytes.Buffer
		stack   []frame
		changed bool
		done    bool
	)
	valueDone := func() {
		if len(stack) == 0 {
			done = true
			return
		}
		top := &stack[len(stack)-1]
		top.n++
		top.atKey = top.obj
		top.secret = false
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, false, err
		}
		if done {
			return nil, false, errors.New("data after the config object")
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			out.WriteByte(byte(d))
			stack = stack[:len(stack)-1]
			valueDone()
			continue
		}
		var top *frame
		if len(stack) > 0 {
			top = &stack[len(stack)-1]
		}
		if top != nil && top.atKey {
			k, _ := tok.(string)
			if top.n > 0 {
				out.WriteByte(',')
			}
			writeJSONString(&out, k)
			out.WriteByte(':')
			top.atKey, top.secret = false, secretKey(k)
			continue
		}
		if top != nil && !top.obj && top.n > 0 {
			out.WriteByte(',')
		}
		if top != nil && top.secret && !harmless(tok) {
			changed = true
			writeJSONString(&out, Redacted)
			if _, ok := tok.(json.Delim); ok {
				if err := skipValue(dec); err != nil {
					return nil, false, err
				}
			}
			valueDone()
			continue
		}
		switch v := tok.(type) {
		case json.Delim: // { or [
			out.WriteByte(byte(v))
			stack = append(stack, frame{obj: v == '{', atKey: v == '{'})
			continue
		case string:
			r := redactString(v)
			changed = changed || r != v
			writeJSONString(&out, r)
		case json.Number:
			out.WriteString(v.String())
		case bool:
			if v {
				out.WriteString("true")
			} else {
				out.WriteString("false")
			}
		case nil:
			out.WriteString("null")
		}
		valueDone()
	}
	if !done {
		return nil, false, io.ErrUnexpectedEOF
	}
	return out.Bytes(), changed, nil
}

// harmless values reveal nothing even under a secret key, and showing them tells the user the secret is unset.
func harmless(tok json.Token) bool {
	switch v := tok.(type) {
	case nil, bool:
		return true
	case string:
		return v == ""
	}
	return false
}

// skipValue consumes the rest of an object or array whose opening delimiter was just read.
func skipValue(dec *json.Decoder) error {
	for depth := 1; depth > 0; {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
	return nil
}

// writeJSONString writes s as a JSON string without HTML escaping, so the marker reads "<redacted>".
func writeJSONString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)       // a string always encodes; writes to a bytes.Buffer cannot fail
	b.Truncate(b.Len() - 1) // Encode ends with a newline
}

// FindRedacted returns the path (such as "headers.Authorization" or "servers[1]") of the first string in config
// that contains Redacted, and whether there is one. A write whose config holds one is a config read from the API
// and sent back: storing it would replace the secret with the marker, so such writes should be refused. Putting
// the stored secret back instead would let anyone who may write, but not read secrets, point an existing secret
// at a host of their choosing.
func FindRedacted(config json.RawMessage) (string, bool) {
	if !bytes.Contains(config, []byte("redacted")) { // cheap path; the marker may arrive \u003c-escaped
		return "", false
	}
	var v any
	if err := json.Unmarshal(config, &v); err != nil {
		return "", false
	}
	return findRedacted(v, "")
}

func findRedacted(v any, path string) (string, bool) {
	switch v := v.(type) {
	case string:
		return path, strings.Contains(v, Redacted)
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys) // the same answer every time
		for _, k := range keys {
			p := k
			if path != "" {
				p = path + "." + k
			}
			if p, ok := findRedacted(v[k], p); ok {
				return p, true
			}
		}
	case []any:
		for i, e := range v {
			if p, ok := findRedacted(e, path+"["+strconv.Itoa(i)+"]"); ok {
				return p, true
			}
		}
	}
	return "", false
}
