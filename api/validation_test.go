package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/influxdata/telegraf"
	"github.com/rs/zerolog"

	"github.com/gatherd/gatherd/inputs"
	"github.com/gatherd/gatherd/policy"
	"github.com/gatherd/gatherd/telegrafx"
	"github.com/gatherd/gatherd/wire"
	"github.com/gatherd/gatherd/worker"
)

type probeInput struct{}

func (probeInput) SampleConfig() string              { return "" }
func (probeInput) Gather(telegraf.Accumulator) error { return nil }

// newTestAPI serves the API of a fake leader whose nodes carry Telegraf's plugins and "probe", a plugin that
// wants a key.
func newTestAPI(t *testing.T) (*httptest.Server, *fakeCluster) {
	reg := &inputs.Registry{}
	telegrafx.Register(reg, zerolog.Nop())
	reg.Add("probe", func(s inputs.Spec) (telegraf.Input, error) {
		var c struct{ Key string }
		_ = json.Unmarshal(s.Config, &c)
		if c.Key == "" {
			return nil, errors.New("probe: key is required")
		}
		return probeInput{}, nil
	})
	fake := newFakeCluster(policy.Telegraf.With(policy.Table{"probe": {Options: map[string]policy.Class{"key": policy.Safe}}}))
	srv := httptest.NewServer(New(Options{Node: fake, Plugins: reg, ImportTOML: telegrafx.ParseInputs, Split: telegrafx.SplitTargets, WriteRate: -1, HoldTimeout: 300 * time.Millisecond}).Handler())
	t.Cleanup(srv.Close)
	return srv, fake
}

func send(t *testing.T, method, url, contentType, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// TestBadInputIsRejectedAndChangesNothing runs every 4xx case of the write path: each gets a JSON error naming
// the field, and the store keeps exactly what it had.
func TestBadInputIsRejectedAndChangesNothing(t *testing.T) {
	srv, fake := newTestAPI(t)
	if code, b := send(t, "PUT", srv.URL+"/v1/inputs/keep", "", `{"plugin":"probe","config":{"key":"keep"}}`); code != 200 {
		t.Fatalf("good input rejected: %d %s", code, b)
	}
	big := `{"plugin":"probe","config":{"key":"` + strings.Repeat("x", MaxBody) + `"}}`
	const toml = "application/toml"
	cases := []struct {
		name, method, path, contentType, body string
		code                                  int
		field                                 string
	}{
		{"malformed json", "PUT", "/v1/inputs/a", "", `{"plugin":`, 400, "body"},
		{"not an object", "PUT", "/v1/inputs/a", "", `[1,2]`, 400, "body"},
		{"trailing data", "PUT", "/v1/inputs/a", "", `{"plugin":"probe","config":{"key":"a"}} {}`, 400, "body"},
		{"unknown field", "PUT", "/v1/inputs/a", "", `{"plugin":"probe","intervall":"1s"}`, 400, "intervall"},
		{"wrong type", "PUT", "/v1/inputs/a", "", `{"plugin":7}`, 400, "plugin"},
		{"bad id", "PUT", "/v1/inputs/a%20b", "", `{"plugin":"probe","config":{"key":"a"}}`, 400, "id"},
		{"long id", "PUT", "/v1/inputs/" + strings.Repeat("a", 129), "", `{"plugin":"probe","config":{"key":"a"}}`, 400, "id"},
		{"body id differs", "PUT", "/v1/inputs/a", "", `{"id":"b","plugin":"probe","config":{"key":"a"}}`, 400, "id"},
		{"missing plugin", "PUT", "/v1/inputs/a", "", `{"interval":"1s"}`, 400, "plugin"},
		{"unknown plugin", "PUT", "/v1/inputs/a", "", `{"plugin":"nope"}`, 400, "plugin"},
		{"config the plugin rejects", "PUT", "/v1/inputs/a", "", `{"plugin":"probe","config":{}}`, 400, "config"},
		{"config not an object", "PUT", "/v1/inputs/a", "", `{"plugin":"probe","config":"x"}`, 400, "config"},
		{"interval too short", "PUT", "/v1/inputs/a", "", `{"plugin":"probe","interval":"99ms","config":{"key":"a"}}`, 400, "interval"},
		{"interval too long", "PUT", "/v1/inputs/a", "", `{"plugin":"probe","interval":"25h","config":{"key":"a"}}`, 400, "interval"},
		{"interval not a duration", "PUT", "/v1/inputs/a", "", `{"plugin":"probe","interval":"soon","config":{"key":"a"}}`, 400, "interval"},
		{"timeout over interval", "PUT", "/v1/inputs/a", "", `{"plugin":"probe","interval":"1s","timeout":"2s","config":{"key":"a"}}`, 400, "timeout"},
		{"jitter over interval", "PUT", "/v1/inputs/a", "", `{"plugin":"probe","interval":"1s","jitter":"1s","config":{"key":"a"}}`, 400, "jitter"},
		{"redaction marker sent back", "PUT", "/v1/inputs/a", "", `{"plugin":"http_response","config":{"urls":["http://127.0.0.1:1/"],"password":"<redacted>"}}`, 400, "config.password"},
		{"environment reference", "PUT", "/v1/inputs/a", "", `{"plugin":"http_response","config":{"urls":["http://127.0.0.1:1/"],"password":"${SECRET}"}}`, 400, "config.password"},
		{"unknown telegraf key", "PUT", "/v1/inputs/a", "", `{"plugin":"http_response","config":{"urls":["http://127.0.0.1:1/"],"urlz":["x"]}}`, 400, "config.urlz"},
		{"runs a program", "PUT", "/v1/inputs/a", "", `{"plugin":"ping","config":{"urls":["127.0.0.1"],"method":"exec"}}`, 400, "config.method"},
		{"reads a node's file", "PUT", "/v1/inputs/a", "", `{"plugin":"http","config":{"urls":["http://127.0.0.1:1/"],"token_file":"/etc/shadow"}}`, 400, "config.token_file"},
		{"body over MaxBody", "PUT", "/v1/inputs/a", "", big, 413, "body"},
		{"empty batch", "POST", "/v1/inputs", "", `{"inputs":[]}`, 400, "inputs"},
		{"one bad in a batch", "POST", "/v1/inputs", "", `{"inputs":[{"id":"x","plugin":"probe","config":{"key":"x"}},{"id":"y","plugin":"probe","interval":"1ms","config":{"key":"y"}}]}`, 400, "inputs[1].interval"},
		{"duplicate in a batch", "POST", "/v1/inputs", "", `{"inputs":[{"id":"x","plugin":"probe","config":{"key":"x"}},{"id":"x","plugin":"probe","config":{"key":"x"}}]}`, 400, "inputs[1].id"},
		{"batch without ids", "POST", "/v1/inputs", "", `{"inputs":[{"plugin":"probe","config":{"key":"x"}}]}`, 400, "inputs[0].id"},
		{"policy in a batch", "POST", "/v1/inputs", "", `{"inputs":[{"id":"x","plugin":"probe","config":{"key":"x"}},{"id":"y","plugin":"x509_cert","config":{"sources":["/etc/ssl/private/k.pem"]}}]}`, 400, "inputs[1].config.sources[0]"},
		{"TOML syntax", "POST", "/v1/inputs", toml, "[[inputs.ping]\n", 400, "body"},
		{"TOML agent table", "POST", "/v1/inputs", toml, "[agent]\ninterval='1s'\n", 400, "agent"},
		{"TOML unknown plugin", "POST", "/v1/inputs", toml, "[[inputs.cpu]]\n", 400, "inputs.cpu[0].plugin"},
		{"TOML unknown key", "POST", "/v1/inputs", toml, "[[inputs.net_response]]\naddress='127.0.0.1:1'\nprotocol='tcp'\nadress='x'\n", 400, "inputs.net_response[0].adress"},
		{"TOML policy", "POST", "/v1/inputs", toml, "[[inputs.http_response]]\nurls=['http://127.0.0.1:1/']\nbearer_token='/secrets/agent.yaml'\n", 400, "inputs.http_response[0].bearer_token"},
		{"TOML same id twice", "POST", "/v1/inputs", toml, "[[inputs.net_response]]\nalias='a'\naddress='127.0.0.1:1'\nprotocol='tcp'\n[[inputs.http_response]]\nalias='a'\nurls=['http://127.0.0.1:1/']\n", 400, "inputs.net_response[0].alias"},
		{"delete absent", "DELETE", "/v1/inputs/absent", "", ``, 404, ""},
		{"delete bad id", "DELETE", "/v1/inputs/a%20b", "", ``, 400, "id"},
		{"get absent", "GET", "/v1/inputs/absent", "", ``, 404, "id"},
		{"drain unknown node", "POST", "/v1/nodes/nobody/drain", "", ``, 404, ""},
		{"drain bad id", "POST", "/v1/nodes/a%20b/drain", "", ``, 400, "id"},
		{"no route", "GET", "/v1/nothing", "", ``, 404, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, b := send(t, tc.method, srv.URL+tc.path, tc.contentType, tc.body)
			if code != tc.code {
				t.Fatalf("HTTP %d, want %d: %s", code, tc.code, b)
			}
			var e wire.Error
			if err := json.Unmarshal(b, &e); err != nil || e.Error == "" {
				t.Fatalf("want a JSON error, got %q (%v)", b, err)
			}
			if e.Field != tc.field {
				t.Fatalf("field %q, want %q (%s)", e.Field, tc.field, e.Error)
			}
		})
	}
	if st := fake.Status(); st.Inputs != 1 {
		t.Fatalf("the store holds %d inputs after only rejected writes", st.Inputs)
	}
}

// TestNoLeaderIsA503 checks the answers of a node that cannot reach a leader: writes and consistent reads,
// once held for HoldTimeout, fail with 503 and say why; local reads still answer.
func TestNoLeaderIsA503(t *testing.T) {
	srv, fake := newTestAPI(t)
	fake.mu.Lock()
	fake.leader = false
	fake.mu.Unlock()
	for _, c := range []struct{ method, path, body string }{
		{"PUT", "/v1/inputs/a", `{"plugin":"probe","config":{"key":"a"}}`},
		{"DELETE", "/v1/inputs/a", ``},
		{"GET", "/v1/inputs?consistent=true", ``},
		{"GET", "/readyz", ``},
	} {
		code, b := send(t, c.method, srv.URL+c.path, "", c.body)
		var e wire.Error
		if code != http.StatusServiceUnavailable || json.Unmarshal(b, &e) != nil || !strings.Contains(e.Error, "leader") {
			t.Errorf("%s %s: %d %s, want 503 naming the leader", c.method, c.path, code, b)
		}
	}
	if code, b := send(t, "GET", srv.URL+"/v1/inputs", "", ""); code != 200 || !bytes.Contains(b, []byte(`"inputs"`)) {
		t.Errorf("local read: %d %s", code, b)
	}
}

// TestLocalViewJSON pins the JSON of a worker entry in /v1/local and an input's status.
func TestLocalViewJSON(t *testing.T) {
	b, err := json.Marshal(localView(worker.Status{ID: "a", Plugin: "p", Version: 2, State: "running", Started: time.Unix(0, 0).UTC()}))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"a","plugin":"p","version":2,"state":"running","started":"1970-01-01T00:00:00Z","gathers":0,"errors":0,"overruns":0,"panics":0}`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
	t0 := time.Unix(60, 0).UTC()
	b, _ = json.Marshal(localView(worker.Status{LastGather: t0, LastError: "x", Window: worker.Window{From: t0, Until: t0}}))
	for _, k := range []string{`"last_gather":`, `"last_error":"x"`, `"from":"1970-01-01T00:01:00Z"`, `"until":`} {
		if !strings.Contains(string(b), k) {
			t.Errorf("%s missing %s", b, k)
		}
	}
}

// TestLocalShowsOutputHealth pins the output fields of GET /v1/local (a contract of issue 14).
func TestLocalShowsOutputHealth(t *testing.T) {
	at := time.Unix(120, 0).UTC()
	srv := httptest.NewServer(New(Options{Node: newFakeCluster(policy.Telegraf), Outputs: func() []wire.OutputHealth {
		return []wire.OutputHealth{{Name: "outputs.influxdb", Buffer: "disk", Buffered: 3, BytesOnDisk: 540, OldestPoint: at,
			OldestPointAge: 2.5, Writes: 4, Written: 40, WriteErrors: 1, Dropped: 2, LastError: "refused", LastErrorAt: at}}
	}}).Handler())
	t.Cleanup(srv.Close)
	code, pretty := send(t, "GET", srv.URL+"/v1/local", "", "")
	var b bytes.Buffer
	_ = json.Compact(&b, pretty)
	want := `"outputs":[{"name":"outputs.influxdb","buffer":"disk","buffered":3,"bytes_on_disk":540,` +
		`"oldest_point":"1970-01-01T00:02:00Z","oldest_point_age_seconds":2.5,"writes":4,"written":40,"write_errors":1,` +
		`"dropped":2,"last_error":"refused","last_error_at":"1970-01-01T00:02:00Z"}]`
	if code != http.StatusOK || !strings.Contains(b.String(), want) {
		t.Fatalf("%d %s\nwant it to contain %s", code, b.String(), want)
	}
	srv2 := httptest.NewServer(New(Options{Node: newFakeCluster(policy.Telegraf)}).Handler())
	t.Cleanup(srv2.Close)
	if _, b := send(t, "GET", srv2.URL+"/v1/local", "", ""); !strings.Contains(string(b), `"outputs": []`) {
		t.Fatalf("a node without outputs: %s", b)
	}
}
