package api

import (
	"bufio"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"os"
	"path"
	"strings"
)

// Role is what an API token may do.
type Role int

const (
	// RoleRead may make GET and HEAD requests.
	RoleRead Role = iota + 1
	// RoleWrite may make any request, reads included.
	RoleWrite
)

func (r Role) String() string {
	switch r {
	case RoleRead:
		return "read"
	case RoleWrite:
		return "write"
	}
	return fmt.Sprintf("Role(%d)", int(r))
}

// Token is a bearer token the API accepts, and its role.
type Token struct {
	Value string
	Role  Role
}

// LoadTokens reads API tokens from file, one per line as "read:TOKEN" or "write:TOKEN". Blank lines and lines
// starting with # are skipped; surrounding white space is trimmed. A malformed line fails the whole file, and
// errors name the line number but never the token.
func LoadTokens(file string) ([]Token, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("read token file: %w", err)
	}
	defer f.Close()
	var out []Token
	roles := map[string]Role{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		kind, value, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("%s:%d: want read:TOKEN or write:TOKEN", file, n)
		}
		var role Role
		switch strings.ToLower(strings.TrimSpace(kind)) {
		case "read":
			role = RoleRead
		case "write":
			role = RoleWrite
		default:
			return nil, fmt.Errorf("%s:%d: role %q: want read or write", file, n, strings.TrimSpace(kind))
		}
		value = strings.TrimSpace(value)
		if value == "" {
			return nil, fmt.Errorf("%s:%d: empty token", file, n)
		}
		if strings.ContainsAny(value, " \t") {
			return nil, fmt.Errorf("%s:%d: token contains white space", file, n)
		}
		if prev, dup := roles[value]; dup && prev != role {
			return nil, fmt.Errorf("%s:%d: token already listed as %s", file, n, prev)
		}
		roles[value] = role
		out = append(out, Token{Value: value, Role: role})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read token file: %w", err)
	}
	return out, nil
}

// authenticator checks bearer tokens. It keeps only SHA-256 digests, so every comparison is between equal-length
// values and takes the same time whatever the presented token's length or how much of it matches.
type authenticator struct {
	digests [][sha256.Size]byte
	roles   []Role
}

func newAuthenticator(tokens []Token) *authenticator {
	a := &authenticator{}
	for _, t := range tokens {
		if t.Value == "" || (t.Role != RoleRead && t.Role != RoleWrite) {
			continue // fail closed: such an entry grants nothing
		}
		a.digests = append(a.digests, sha256.Sum256([]byte(t.Value)))
		a.roles = append(a.roles, t.Role)
	}
	return a
}

// role returns the strongest role of a token matching presented, or 0. It compares against every token so the
// time taken does not reveal which one matched.
func (a *authenticator) role(presented string) Role {
	d := sha256.Sum256([]byte(presented))
	var best Role
	for i := range a.digests {
		if subtle.ConstantTimeCompare(d[:], a.digests[i][:]) == 1 && a.roles[i] > best {
			best = a.roles[i]
		}
	}
	return best
}

// requireToken lets through GET /healthz (so load balancers and orchestrators can probe without a secret),
// with console the console's static files (GET /ui/..., and / which redirects there: they hold no data, and
// the console asks for a token before it reads any), and requests bearing a known token whose role allows the
// method; it stores that role in the request's context for GET /v1/auth. With no tokens it is the identity:
// the API is open, as in development.
//
// Forwarded requests are checked again on the leader with the Authorization header the client sent, so every
// node must be given the same tokens.
func requireToken(tokens []Token, console bool, next http.Handler) http.Handler {
	if len(tokens) == 0 {
		return next
	}
	a := newAuthenticator(tokens)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := path.Clean(r.URL.Path) // "/ui/../v1/inputs" is not the console
		public := p == "/healthz" || (console && (p == "/" || p == "/ui" || strings.HasPrefix(p, "/ui/")))
		if public && isRead(r.Method) {
			next.ServeHTTP(w, r)
			return
		}
		var role Role
		if tok, ok := bearer(r); ok {
			role = a.role(tok)
		}
		switch {
		case role == 0:
			w.Header().Set("WWW-Authenticate", "Bearer")
			writeError(w, http.StatusUnauthorized, "", "missing or invalid API token")
		case role < RoleWrite && !isRead(r.Method):
			writeError(w, http.StatusForbidden, "", "read-only token cannot "+r.Method+" "+r.URL.Path)
		default:
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), roleKey{}, role)))
		}
	})
}

type roleKey struct{}

// roleOf is what the request's token may do: "read", "write", or "open" when the API takes no tokens.
func roleOf(r *http.Request) string {
	if role, ok := r.Context().Value(roleKey{}).(Role); ok {
		return role.String()
	}
	return "open"
}

// bearer returns the token of an "Authorization: Bearer TOKEN" header; the scheme is case-insensitive (RFC 7235).
func bearer(r *http.Request) (string, bool) {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

func isRead(method string) bool { return method == http.MethodGet || method == http.MethodHead }
