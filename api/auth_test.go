package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatherd/gatherd/wire"
)

var okHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
})

func serve(h http.Handler, method, path, auth string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, nil)
	if auth != "" {
		r.Header.Set("Authorization", auth)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestRequireToken(t *testing.T) {
	h := requireToken([]Token{{"w-token", RoleWrite}, {"r-token", RoleRead}}, false, okHandler)
	cases := []struct {
		name, method, path, auth string
		code                     int
		msg                      string
	}{
		{"healthz open", "GET", "/healthz", "", 200, ""},
		{"healthz HEAD open", "HEAD", "/healthz", "", 200, ""},
		{"healthz POST needs a token", "POST", "/healthz", "", 401, "missing or invalid API token"},
		{"readyz needs a token", "GET", "/readyz", "", 401, "missing or invalid API token"},
		{"metrics needs a token", "GET", "/metrics", "", 401, "missing or invalid API token"},
		{"healthz lookalike", "GET", "/healthz/../v1/inputs", "", 401, "missing or invalid API token"},
		{"no token", "GET", "/v1/inputs", "", 401, "missing or invalid API token"},
		{"unknown token", "GET", "/v1/inputs", "Bearer nope", 401, "missing or invalid API token"},
		{"prefix of a token", "GET", "/v1/inputs", "Bearer w-tok", 401, "missing or invalid API token"},
		{"token with a suffix", "GET", "/v1/inputs", "Bearer w-token2", 401, "missing or invalid API token"},
		{"basic auth", "GET", "/v1/inputs", "Basic dzp3LXRva2Vu", 401, "missing or invalid API token"},
		{"bare token", "GET", "/v1/inputs", "w-token", 401, "missing or invalid API token"},
		{"empty bearer", "GET", "/v1/inputs", "Bearer ", 401, "missing or invalid API token"},
		{"read token reads", "GET", "/v1/inputs", "Bearer r-token", 200, ""},
		{"read token HEAD", "HEAD", "/v1/inputs", "Bearer r-token", 200, ""},
		{"scheme case-insensitive", "GET", "/v1/inputs", "bearer r-token", 200, ""},
		{"read token cannot PUT", "PUT", "/v1/inputs/a", "Bearer r-token", 403, "read-only token cannot PUT /v1/inputs/a"},
		{"read token cannot DELETE", "DELETE", "/v1/inputs/a", "Bearer r-token", 403, "read-only token cannot DELETE /v1/inputs/a"},
		{"read token cannot POST", "POST", "/v1/nodes/n/drain", "Bearer r-token", 403, "read-only token cannot POST /v1/nodes/n/drain"},
		{"write token reads", "GET", "/v1/status", "Bearer w-token", 200, ""},
		{"write token writes", "PUT", "/v1/inputs/a", "Bearer w-token", 200, ""},
		{"write token deletes", "DELETE", "/v1/inputs/a", "Bearer  w-token ", 200, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := serve(h, tc.method, tc.path, tc.auth)
			if w.Code != tc.code {
				t.Fatalf("HTTP %d, want %d: %s", w.Code, tc.code, w.Body)
			}
			if got := w.Header().Get("WWW-Authenticate"); (tc.code == 401) != (got == "Bearer") {
				t.Errorf("WWW-Authenticate %q on HTTP %d", got, w.Code)
			}
			if tc.msg == "" {
				return
			}
			var e wire.Error
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil {
				t.Fatalf("not a JSON error: %q", w.Body)
			}
			if e.Error != tc.msg {
				t.Errorf("error %q, want %q", e.Error, tc.msg)
			}
		})
	}
}

func TestRequireTokenOpenWithoutTokens(t *testing.T) {
	h := requireToken(nil, false, okHandler)
	for _, m := range []string{"GET", "PUT", "DELETE"} {
		if w := serve(h, m, "/v1/inputs/a", ""); w.Code != 200 {
			t.Errorf("%s without tokens configured: HTTP %d", m, w.Code)
		}
	}
}

func TestRequireTokenIgnoresEmptyTokens(t *testing.T) {
	// A token file gone wrong must not open the API to requests without a token.
	h := requireToken([]Token{{"", RoleWrite}, {"x", Role(0)}}, false, okHandler)
	for _, auth := range []string{"", "Bearer ", "Bearer x"} {
		if w := serve(h, "GET", "/v1/inputs", auth); w.Code != 401 {
			t.Errorf("auth %q: HTTP %d, want 401", auth, w.Code)
		}
	}
}

func TestLoadTokens(t *testing.T) {
	dir := t.TempDir()
	write := func(body string) string {
		p := filepath.Join(dir, "tokens")
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	got, err := LoadTokens(write("# ops\n\nwrite:abc123\n  read: def456  \nREAD:ghi:with:colons\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Token{{"abc123", RoleWrite}, {"def456", RoleRead}, {"ghi:with:colons", RoleRead}}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("token %d: %v, want %v", i, got[i], want[i])
		}
	}
	for _, bad := range []string{"abc123\n", "admin:abc\n", "read:\n", "read:a b\n", "read:same\nwrite:same\n"} {
		_, err := LoadTokens(write(bad))
		if err == nil {
			t.Errorf("%q accepted", bad)
			continue
		}
		if strings.Contains(err.Error(), "abc") || strings.Contains(err.Error(), "same") {
			t.Errorf("error reveals the token: %v", err)
		}
	}
	if _, err := LoadTokens(filepath.Join(dir, "absent")); err == nil {
		t.Error("missing file accepted")
	}
}
