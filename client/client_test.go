package client

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

// request is what the test server saw.
type request struct {
	Method, Path, Query, ContentType, Auth, Body string
}

// server answers every request with code and body, and records the request.
func server(t *testing.T, code int, body string) (*httptest.Server, *request) {
	t.Helper()
	seen := &request{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		*seen = request{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Content-Type"), r.Header.Get("Authorization"), string(b)}
		if strings.HasPrefix(strings.TrimSpace(body), "{") {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(code)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, seen
}

func TestMethods(t *testing.T) {
	since := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := []struct {
		name       string
		call       func(context.Context, *Client) (any, error)
		code       int
		answer     string
		wantMethod string
		wantPath   string
		wantBody   string // JSON, compared semantically; "" means no body
		want       any
	}{
		{
			name:       "status",
			call:       func(ctx context.Context, c *Client) (any, error) { return c.Status(ctx) },
			code:       200,
			answer:     `{"node_id":"n1","leader_id":"n2","raft_state":"Follower","term":4,"members":[{"id":"n1","status":"alive","state":"alive","voter":true,"raft":"voter","api_addr":"10.0.0.1:8080","raft_addr":"10.0.0.1:7947","gossip_addr":"10.0.0.1:7946"}],"inputs":3,"applied_index":10,"commit_index":11,"generation":2,"fenced":false,"running":1}`,
			wantMethod: "GET", wantPath: "/v1/status",
			want: &Status{NodeID: "n1", LeaderID: "n2", RaftState: "Follower", Term: 4, Inputs: 3, AppliedIndex: 10, CommitIndex: 11, Generation: 2, Running: 1,
				Members: []Member{{ID: "n1", Status: "alive", State: "alive", Voter: true, Raft: "voter", APIAddr: "10.0.0.1:8080", RaftAddr: "10.0.0.1:7947", GossipAddr: "10.0.0.1:7946"}}},
		},
		{
			name:       "members",
			call:       func(ctx context.Context, c *Client) (any, error) { return c.Members(ctx) },
			code:       200,
			answer:     `{"members":[{"id":"a","state":"draining","stopping":true},{"id":"b"}]}`,
			wantMethod: "GET", wantPath: "/v1/members",
			want: []Member{{ID: "a", State: "draining", Stopping: true}, {ID: "b"}},
		},
		{
			name:       "inputs",
			call:       func(ctx context.Context, c *Client) (any, error) { return c.Inputs(ctx) },
			code:       200,
			answer:     `{"inputs":[{"id":"cpu","plugin":"cpu","interval":"10s","config":{"percpu":true},"version":2,"node":"n1","generation":3,"since":"2025-01-02T03:04:05Z"}]}`,
			wantMethod: "GET", wantPath: "/v1/inputs",
			want: []Input{{ID: "cpu", Plugin: "cpu", Interval: "10s", Config: json.RawMessage(`{"percpu":true}`), Version: 2, Node: "n1", Generation: 3, Since: since}},
		},
		{
			name:       "input",
			call:       func(ctx context.Context, c *Client) (any, error) { return c.Input(ctx, "cpu") },
			code:       200,
			answer:     `{"id":"cpu","plugin":"cpu","interval":"1m0s","timeout":"5s","version":1,"node":"","generation":0}`,
			wantMethod: "GET", wantPath: "/v1/inputs/cpu",
			want: &Input{ID: "cpu", Plugin: "cpu", Interval: "1m0s", Timeout: "5s", Version: 1},
		},
		{
			name: "put input",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.PutInput(ctx, "mem", InputSpec{Plugin: "mem", Interval: "5s", Config: json.RawMessage(`{"a":1}`)})
			},
			code:       200,
			answer:     `{"id":"mem","plugin":"mem","interval":"5s","config":{"a":1},"version":1,"node":"n2","generation":4}`,
			wantMethod: "PUT", wantPath: "/v1/inputs/mem",
			wantBody: `{"plugin":"mem","interval":"5s","config":{"a":1}}`,
			want:     &Input{ID: "mem", Plugin: "mem", Interval: "5s", Config: json.RawMessage(`{"a":1}`), Version: 1, Node: "n2", Generation: 4},
		},
		{
			name:       "delete input",
			call:       func(ctx context.Context, c *Client) (any, error) { return nil, c.DeleteInput(ctx, "mem") },
			code:       204,
			wantMethod: "DELETE", wantPath: "/v1/inputs/mem",
		},
		{
			name: "apply inputs",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ApplyInputs(ctx, []InputSpec{{ID: "a", Plugin: "cpu"}, {ID: "b", Plugin: "mem", Jitter: "1s"}})
			},
			code:       200,
			answer:     `{"inputs":[{"id":"a","plugin":"cpu","interval":"10s","version":1},{"id":"b","plugin":"mem","interval":"10s","jitter":"1s","version":1}],"index":42}`,
			wantMethod: "POST", wantPath: "/v1/inputs",
			wantBody: `{"inputs":[{"id":"a","plugin":"cpu"},{"id":"b","plugin":"mem","jitter":"1s"}]}`,
			want: &ApplyResult{Index: 42, Inputs: []Input{
				{ID: "a", Plugin: "cpu", Interval: "10s", Version: 1},
				{ID: "b", Plugin: "mem", Interval: "10s", Jitter: "1s", Version: 1},
			}},
		},
		{
			name:       "assignments",
			call:       func(ctx context.Context, c *Client) (any, error) { return c.Assignments(ctx) },
			code:       200,
			answer:     `{"generation":5,"nodes":{"n1":["a","b"]},"unassigned":["c"]}`,
			wantMethod: "GET", wantPath: "/v1/assignments",
			want: &Assignments{Generation: 5, Nodes: map[string][]string{"n1": {"a", "b"}}, Unassigned: []string{"c"}},
		},
		{
			name:       "local",
			call:       func(ctx context.Context, c *Client) (any, error) { return c.Local(ctx) },
			code:       200,
			answer:     `{"node":"n1","fenced":true,"inputs":[{"id":"a","plugin":"cpu","version":2,"state":"running","started":"2025-01-02T03:04:05Z","last_gather":"2025-01-02T03:04:05Z","gathers":7,"errors":1,"overruns":2,"panics":0,"last_error":"boom"}]}`,
			wantMethod: "GET", wantPath: "/v1/local",
			want: &Local{Node: "n1", Fenced: true, Inputs: []LocalInput{{ID: "a", Plugin: "cpu", Version: 2, State: "running", Started: since, LastGather: since, Gathers: 7, Errors: 1, Overruns: 2, LastError: "boom"}}},
		},
		{
			name:       "plugins",
			call:       func(ctx context.Context, c *Client) (any, error) { return c.Plugins(ctx) },
			code:       200,
			answer:     `{"plugins":["cpu","mem"]}`,
			wantMethod: "GET", wantPath: "/v1/plugins",
			want: []string{"cpu", "mem"},
		},
		{
			name:       "drain",
			call:       func(ctx context.Context, c *Client) (any, error) { return c.Drain(ctx, "n2") },
			code:       200,
			answer:     `{"id":"n2","state":"draining"}`,
			wantMethod: "POST", wantPath: "/v1/nodes/n2/drain",
			want: &NodeState{ID: "n2", State: "draining"},
		},
		{
			name:       "undrain",
			call:       func(ctx context.Context, c *Client) (any, error) { return c.Undrain(ctx, "n2") },
			code:       200,
			answer:     `{"id":"n2","state":"alive"}`,
			wantMethod: "DELETE", wantPath: "/v1/nodes/n2/drain",
			want: &NodeState{ID: "n2", State: "alive"},
		},
		{
			name:       "leave",
			call:       func(ctx context.Context, c *Client) (any, error) { return c.Leave(ctx, "n3") },
			code:       200,
			answer:     `{"id":"n3","state":"left"}`,
			wantMethod: "POST", wantPath: "/v1/nodes/n3/leave",
			want: &NodeState{ID: "n3", State: "left"},
		},
		{
			name:       "health",
			call:       func(ctx context.Context, c *Client) (any, error) { return nil, c.Health(ctx) },
			code:       200,
			answer:     `{"status":"ok"}`,
			wantMethod: "GET", wantPath: "/healthz",
		},
		{
			name:       "ready",
			call:       func(ctx context.Context, c *Client) (any, error) { return nil, c.Ready(ctx) },
			code:       200,
			answer:     `{"status":"ready"}`,
			wantMethod: "GET", wantPath: "/readyz",
		},
		{
			name: "raw",
			call: func(ctx context.Context, c *Client) (any, error) {
				b, err := c.Raw(ctx, "POST", "/v1/inputs?consistent=true", "application/toml", []byte("[[inputs.cpu]]\n"))
				return string(b), err
			},
			code:       200,
			answer:     `{"inputs":[],"index":1}`,
			wantMethod: "POST", wantPath: "/v1/inputs",
			want: `{"inputs":[],"index":1}`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, seen := server(t, tc.code, tc.answer)
			c, err := New(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			got, err := tc.call(context.Background(), c)
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if seen.Method != tc.wantMethod || seen.Path != tc.wantPath {
				t.Errorf("request %s %s, want %s %s", seen.Method, seen.Path, tc.wantMethod, tc.wantPath)
			}
			if seen.Auth != "" {
				t.Errorf("Authorization %q sent without a token", seen.Auth)
			}
			switch {
			case tc.name == "raw":
				if seen.ContentType != "application/toml" || seen.Body != "[[inputs.cpu]]\n" || seen.Query != "consistent=true" {
					t.Errorf("raw request: %+v", *seen)
				}
			case tc.wantBody == "":
				if seen.Body != "" {
					t.Errorf("body %q, want none", seen.Body)
				}
			default:
				if seen.ContentType != "application/json" {
					t.Errorf("Content-Type %q", seen.ContentType)
				}
				var gotBody, wantBody any
				if err := json.Unmarshal([]byte(seen.Body), &gotBody); err != nil {
					t.Fatalf("body %q: %v", seen.Body, err)
				}
				_ = json.Unmarshal([]byte(tc.wantBody), &wantBody)
				if !reflect.DeepEqual(gotBody, wantBody) {
					t.Errorf("body %s, want %s", seen.Body, tc.wantBody)
				}
			}
			if tc.want != nil && !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %#v\nwant %#v", got, tc.want)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	cases := []struct {
		name   string
		code   int
		answer string
		want   APIError
		text   string
	}{
		{
			name:   "field error",
			code:   400,
			answer: `{"error":"interval: 50ms is under the minimum of 100ms","field":"interval"}`,
			want:   APIError{Status: 400, Message: "interval: 50ms is under the minimum of 100ms", Field: "interval"},
			text:   "HTTP 400: interval: 50ms is under the minimum of 100ms",
		},
		{
			name:   "field not in message",
			code:   400,
			answer: `{"error":"unknown field","field":"intervall"}`,
			want:   APIError{Status: 400, Message: "unknown field", Field: "intervall"},
			text:   "HTTP 400: intervall: unknown field",
		},
		{
			name:   "not found",
			code:   404,
			answer: `{"error":"input \"x\" not found","field":"id"}`,
			want:   APIError{Status: 404, Message: `input "x" not found`, Field: "id"},
			text:   `HTTP 404: id: input "x" not found`,
		},
		{
			name:   "no field",
			code:   503,
			answer: `{"error":"no leader known"}`,
			want:   APIError{Status: 503, Message: "no leader known"},
			text:   "HTTP 503: no leader known",
		},
		{
			name:   "not JSON",
			code:   502,
			answer: "<html>\n<body>Bad   gateway</body>\n</html>\n",
			want:   APIError{Status: 502, Message: "<html> <body>Bad gateway</body> </html>"},
			text:   "HTTP 502: <html> <body>Bad gateway</body> </html>",
		},
		{
			name:   "JSON without error",
			code:   500,
			answer: `{"oops":1}`,
			want:   APIError{Status: 500, Message: `{"oops":1}`},
			text:   `HTTP 500: {"oops":1}`,
		},
		{
			name: "empty body",
			code: 401,
			want: APIError{Status: 401},
			text: "HTTP 401: Unauthorized",
		},
		{
			name:   "long body",
			code:   500,
			answer: strings.Repeat("é", 300),
			want:   APIError{Status: 500, Message: strings.Repeat("é", 200) + "..."},
			text:   "HTTP 500: " + strings.Repeat("é", 200) + "...",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := server(t, tc.code, tc.answer)
			c, err := New(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			// Typed methods and Raw decode errors alike.
			_, err1 := c.PutInput(context.Background(), "x", InputSpec{Plugin: "cpu", Interval: "50ms"})
			_, err2 := c.Raw(context.Background(), "GET", "/v1/status", "", nil)
			for _, err := range []error{err1, err2} {
				var apiErr *APIError
				if !errors.As(err, &apiErr) {
					t.Fatalf("error %v (%T), want an *APIError", err, err)
				}
				if *apiErr != tc.want {
					t.Errorf("got %#v, want %#v", *apiErr, tc.want)
				}
				if err.Error() != tc.text {
					t.Errorf("Error() = %q, want %q", err.Error(), tc.text)
				}
			}
		})
	}
}

func TestTypedMethodReturnsNilOnError(t *testing.T) {
	srv, _ := server(t, 404, `{"error":"nope"}`)
	c, _ := New(srv.URL)
	if in, err := c.Input(context.Background(), "x"); in != nil || err == nil {
		t.Fatalf("Input = %v, %v; want nil and an error", in, err)
	}
}

func TestToken(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opts  []Option
		wantH string
	}{
		{"none", nil, ""},
		{"empty", []Option{WithToken("")}, ""},
		{"set", []Option{WithToken("s3cret")}, "Bearer s3cret"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, seen := server(t, 200, `{"status":"ok"}`)
			c, err := New(srv.URL, tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Health(context.Background()); err != nil {
				t.Fatal(err)
			}
			if seen.Auth != tc.wantH {
				t.Errorf("Authorization %q, want %q", seen.Auth, tc.wantH)
			}
		})
	}
}

func TestNew(t *testing.T) {
	for _, tc := range []struct {
		addr, base string // base "" means New fails
	}{
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080"},
		{"http://127.0.0.1:8080/", "http://127.0.0.1:8080"},
		{"127.0.0.1:8080", "http://127.0.0.1:8080"},
		{"  node1:8080 ", "http://node1:8080"},
		{"https://127.0.0.1:8443/api/", "https://127.0.0.1:8443/api"},
		{"[::1]:8080", "http://[::1]:8080"},
		{"", ""},
		{"ftp://host:21", ""},
		{"http://", ""},
		{"http://host:8080/?x=1", ""},
	} {
		c, err := New(tc.addr)
		switch {
		case tc.base == "" && err == nil:
			t.Errorf("New(%q) = %q, want an error", tc.addr, c.Addr())
		case tc.base != "" && err != nil:
			t.Errorf("New(%q): %v", tc.addr, err)
		case tc.base != "" && c.Addr() != tc.base:
			t.Errorf("New(%q).Addr() = %q, want %q", tc.addr, c.Addr(), tc.base)
		}
	}
}

func TestHostPortAndPrefix(t *testing.T) {
	srv, seen := server(t, 200, `{"plugins":["cpu"]}`)
	c, err := New(strings.TrimPrefix(srv.URL, "http://") + "/prefix")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Plugins(context.Background()); err != nil {
		t.Fatal(err)
	}
	if seen.Path != "/prefix/v1/plugins" {
		t.Errorf("path %q", seen.Path)
	}
}

func TestContextAndTimeout(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(block)

	c, _ := New(srv.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.Status(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("cancelled context: %v", err)
	}

	c, _ = New(srv.URL, WithHTTPClient(&http.Client{Timeout: 50 * time.Millisecond}))
	start := time.Now()
	if _, err := c.Status(context.Background()); err == nil || time.Since(start) > 5*time.Second {
		t.Errorf("client timeout: %v after %s", err, time.Since(start))
	}
	if def, _ := New(srv.URL); def.http.Timeout != DefaultTimeout {
		t.Errorf("default timeout %s", def.http.Timeout)
	}
}

func TestUndecodableSuccess(t *testing.T) {
	srv, _ := server(t, 200, "<html>hello</html>")
	c, _ := New(srv.URL)
	_, err := c.Status(context.Background())
	if err == nil || !strings.Contains(err.Error(), "decode the answer to GET") {
		t.Errorf("err = %v", err)
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		t.Errorf("a 200 that is not JSON is not an APIError")
	}
}
