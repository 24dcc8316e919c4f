package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatherd/gatherd/testcluster"
)

func TestBadInputIsRejectedAndChangesNothing(t *testing.T) {
	c := testcluster.New(t, testcluster.Options{Nodes: 3})
	l := c.WaitLeader()
	via := (l + 1) % 3 // a follower: validation must happen before forwarding too
	var before struct {
		Inputs     int    `json:"inputs"`
		Generation uint64 `json:"generation"`
	}
	code, b := c.Do(l, http.MethodPut, "/v1/inputs/keep", testcluster.RecordSpec("keep", time.Second))
	if code != http.StatusOK {
		t.Fatalf("good input rejected: %d %s", code, b)
	}
	c.WaitFor("the good input on the follower", testcluster.DefaultWait, func() error {
		c.GetJSON(via, "/v1/status", &before)
		if before.Inputs != 1 {
			return errString("not yet")
		}
		return nil
	})
	big := `{"plugin":"record","config":{"key":"` + strings.Repeat("x", 1<<20) + `"}}`
	cases := []struct {
		name, method, path, body string
		code                     int
		field                    string
	}{
		{"malformed json", "PUT", "/v1/inputs/a", `{"plugin":`, 400, "body"},
		{"not an object", "PUT", "/v1/inputs/a", `[1,2]`, 400, "body"},
		{"trailing data", "PUT", "/v1/inputs/a", `{"plugin":"record","config":{"key":"a"}} {}`, 400, "body"},
		{"unknown field", "PUT", "/v1/inputs/a", `{"plugin":"record","intervall":"1s"}`, 400, "intervall"},
		{"wrong type", "PUT", "/v1/inputs/a", `{"plugin":7}`, 400, "plugin"},
		{"bad id", "PUT", "/v1/inputs/a%20b", `{"plugin":"record","config":{"key":"a"}}`, 400, "id"},
		{"long id", "PUT", "/v1/inputs/" + strings.Repeat("a", 129), `{"plugin":"record","config":{"key":"a"}}`, 400, "id"},
		{"body id differs", "PUT", "/v1/inputs/a", `{"id":"b","plugin":"record","config":{"key":"a"}}`, 400, "id"},
		{"missing plugin", "PUT", "/v1/inputs/a", `{"interval":"1s"}`, 400, "plugin"},
		{"unknown plugin", "PUT", "/v1/inputs/a", `{"plugin":"nope"}`, 400, "plugin"},
		{"config the plugin rejects", "PUT", "/v1/inputs/a", `{"plugin":"record","config":{}}`, 400, "config"},
		{"config not an object", "PUT", "/v1/inputs/a", `{"plugin":"record","config":"x"}`, 400, "config"},
		{"interval too short", "PUT", "/v1/inputs/a", `{"plugin":"record","interval":"99ms","config":{"key":"a"}}`, 400, "interval"},
		{"interval too long", "PUT", "/v1/inputs/a", `{"plugin":"record","interval":"25h","config":{"key":"a"}}`, 400, "interval"},
		{"interval not a duration", "PUT", "/v1/inputs/a", `{"plugin":"record","interval":"soon","config":{"key":"a"}}`, 400, "interval"},
		{"timeout over interval", "PUT", "/v1/inputs/a", `{"plugin":"record","interval":"1s","timeout":"2s","config":{"key":"a"}}`, 400, "timeout"},
		{"body over 1 MiB", "PUT", "/v1/inputs/a", big, 413, "body"},
		{"empty batch", "POST", "/v1/inputs", `{"inputs":[]}`, 400, "inputs"},
		{"one bad in a batch", "POST", "/v1/inputs", `{"inputs":[{"id":"x","plugin":"record","config":{"key":"x"}},{"id":"y","plugin":"record","interval":"1ms","config":{"key":"y"}}]}`, 400, "inputs[1].interval"},
		{"duplicate in a batch", "POST", "/v1/inputs", `{"inputs":[{"id":"x","plugin":"record","config":{"key":"x"}},{"id":"x","plugin":"record","config":{"key":"x"}}]}`, 400, "inputs[1].id"},
		{"batch without ids", "POST", "/v1/inputs", `{"inputs":[{"plugin":"record","config":{"key":"x"}}]}`, 400, "inputs[0].id"},
		{"delete absent", "DELETE", "/v1/inputs/absent", ``, 404, ""},
		{"drain unknown node", "POST", "/v1/nodes/nobody/drain", ``, 404, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, b := c.Do(via, tc.method, tc.path, tc.body)
			if code != tc.code {
				t.Fatalf("HTTP %d, want %d: %s", code, tc.code, b)
			}
			var e struct {
				Error string `json:"error"`
				Field string `json:"field"`
			}
			if err := json.Unmarshal(b, &e); err != nil || e.Error == "" {
				t.Fatalf("want a JSON error, got %q (%v)", b, err)
			}
			if e.Field != tc.field {
				t.Fatalf("field %q, want %q (%s)", e.Field, tc.field, e.Error)
			}
		})
	}
	for _, i := range c.Running() {
		var after struct {
			Inputs     int    `json:"inputs"`
			Generation uint64 `json:"generation"`
		}
		c.GetJSON(i, "/v1/status", &after)
		if after.Inputs != 1 {
			t.Fatalf("node %d holds %d inputs after only rejected writes", i, after.Inputs)
		}
	}
	var got struct{ Version uint64 }
	c.GetJSON(via, "/v1/inputs/keep", &got)
	if got.Version == 0 {
		t.Fatal("the good input is gone")
	}
}

type errString string

func (e errString) Error() string { return string(e) }
