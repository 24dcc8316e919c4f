package telegrafx_test

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatherd/gatherd/testcluster"
)

// TestRedirectsStayOnHTTP: Telegraf's http plugin follows redirects and its transport speaks http+unix, so a
// target could redirect a gather into a local socket (the Docker API) or to cloud metadata. The nodes refuse
// both redirects; the socket is never reached.
func TestRedirectsStayOnHTTP(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "api.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	var reached atomic.Int64
	local := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		fmt.Fprint(w, `{"secret": 1}`)
	})}
	go local.Serve(ln)
	defer local.Close()
	var asked atomic.Int64
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		switch r.URL.Path {
		case "/to-socket":
			http.Redirect(w, r, "http+unix://"+sock+":/containers/json", http.StatusFound)
		case "/to-metadata":
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
		}
	}))
	defer target.Close()

	c := testcluster.New(t, testcluster.Options{Nodes: 1})
	l := c.WaitLeader()
	for _, path := range []string{"/to-socket", "/to-metadata"} {
		id := strings.TrimPrefix(path, "/")
		spec := map[string]any{"plugin": "http", "interval": "1s", "config": map[string]any{"urls": []string{target.URL + path}, "data_format": "json"}}
		if code, b := c.Do(l, http.MethodPut, "/v1/inputs/"+id, spec); code != http.StatusOK {
			t.Fatalf("PUT %s: %d %s", id, code, b)
		}
	}
	c.WaitFor("both inputs gathered and refused the redirect", testcluster.DefaultWait, func() error {
		local := c.Node(l).Node.Local()
		if len(local) != 2 {
			return fmt.Errorf("%d inputs running", len(local))
		}
		for _, st := range local {
			if st.Gathers == 0 || !strings.Contains(st.LastError, "redirect refused") {
				return fmt.Errorf("%s: %d gathers, last error %q", st.ID, st.Gathers, st.LastError)
			}
		}
		return nil
	})
	if n := reached.Load(); n != 0 {
		t.Fatalf("a redirect reached the local socket %d times", n)
	}
	if asked.Load() == 0 {
		t.Fatal("the target was never asked")
	}
}

// TestValidationDoesNotLogIn: submitting an input with cookie authentication must not make the API's node log
// in (Telegraf does that inside Init, and renews forever): only the node that runs it does.
func TestValidationDoesNotLogIn(t *testing.T) {
	var logins atomic.Int64
	auth := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { logins.Add(1) }))
	defer auth.Close()
	c := testcluster.New(t, testcluster.Options{Nodes: 1})
	l := c.WaitLeader()
	spec := map[string]any{"plugin": "http", "interval": "24h", "config": map[string]any{
		"urls": []string{auth.URL + "/data"}, "data_format": "json", "cookie_auth_url": auth.URL + "/login", "cookie_auth_renewal": "1s"}}
	for range 3 {
		if code, b := c.Do(l, http.MethodPost, "/v1/inputs?dry_run=true", map[string]any{"inputs": []any{map[string]any{
			"id": "cookie", "plugin": spec["plugin"], "interval": spec["interval"], "config": spec["config"]}}}); code != http.StatusOK {
			t.Fatalf("dry run: %d %s", code, b)
		}
	}
	time.Sleep(1500 * time.Millisecond) // a renewal loop started by validation would have logged in again by now
	if n := logins.Load(); n != 0 {
		t.Fatalf("validating the input logged in %d times", n)
	}
}
