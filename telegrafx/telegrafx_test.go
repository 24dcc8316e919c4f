package telegrafx

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/influxdata/telegraf"
	"github.com/rs/zerolog"

	"github.com/gatherd/gatherd/inputs"
	"github.com/gatherd/gatherd/store"
)

func TestAllowlist(t *testing.T) {
	want := []string{"dns_query", "http", "http_response", "net_response", "ping", "snmp", "x509_cert"}
	if got := InputNames(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("inputs = %v, want %v", got, want)
	}
	outs := strings.Join(OutputNames(), ",")
	if outs != "file,http,influxdb,influxdb_v2,prometheus_client" {
		t.Fatalf("outputs = %s", outs)
	}
}

func build(t *testing.T, plugin, cfg string) (telegraf.Input, error) {
	t.Helper()
	return Build(plugin, inputs.Spec{ID: "t", Interval: time.Second, Config: json.RawMessage(cfg)}, zerolog.Nop())
}

func TestBuildValidConfigs(t *testing.T) {
	cases := map[string]string{
		"http_response": `{"urls":["http://127.0.0.1:1/"],"response_timeout":"2s","tags":{"team":"a"},"namepass":["http_response"]}`,
		"net_response":  `{"protocol":"tcp","address":"127.0.0.1:1"}`,
		"dns_query":     `{"servers":["127.0.0.1"],"domains":["example.test"],"port":53}`,
		"x509_cert":     `{"sources":["https://127.0.0.1:1"]}`,
		"http":          `{"urls":["http://127.0.0.1:1/metrics"],"data_format":"prometheus"}`,
		"ping":          `{"urls":["127.0.0.1"],"method":"native","count":1}`,
		"snmp":          `{"agents":["udp://127.0.0.1:161"],"version":2,"community":"public","field":[{"name":"uptime","oid":".1.3.6.1.2.1.1.3.0"}]}`,
	}
	for plugin, cfg := range cases {
		t.Run(plugin, func(t *testing.T) {
			in, err := build(t, plugin, cfg)
			if err != nil {
				t.Fatalf("valid config rejected: %v", err)
			}
			if in == nil {
				t.Fatal("nil input")
			}
		})
	}
}

func TestBuildRejects(t *testing.T) {
	cases := []struct{ name, plugin, cfg, want string }{
		{"unknown key", "http_response", `{"urls":["http://127.0.0.1/"],"urlz":1}`, "urlz"},
		{"mistyped key", "net_response", `{"protocol":"tcp","address":7}`, "address"},
		{"failing init", "net_response", `{"protocol":"sctp","address":"127.0.0.1:1"}`, "init"},
		{"env reference", "http_response", `{"urls":["http://${SECRET_HOST}/"]}`, "environment"},
		{"bare env reference", "http_response", `{"urls":["http://127.0.0.1/"],"password":"$HOME"}`, "environment"},
		{"schedule key in config", "http_response", `{"urls":["http://127.0.0.1/"],"interval":"5s"}`, "interval"},
		{"unknown parser", "http", `{"urls":["http://127.0.0.1/"],"data_format":"nope"}`, "data_format"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := build(t, c.plugin, c.cfg)
			if err == nil || !strings.Contains(strings.ToLower(err.Error()), c.want) {
				t.Fatalf("want an error mentioning %q, got %v", c.want, err)
			}
		})
	}
	var ke *KeyError
	_, err := build(t, "http_response", `{"urls":["http://127.0.0.1/"],"urlz":1}`)
	if !errors.As(err, &ke) || len(ke.Keys) != 1 || ke.Keys[0] != "urlz" {
		t.Fatalf("unknown key not named: %#v", err)
	}
}

const sample = `
# a Telegraf file, unchanged
[[inputs.http_response]]
  alias = "web"
  urls = ["http://127.0.0.1:9/"]
  interval = "5s"
  collection_jitter = "1s"
  [inputs.http_response.tags]
    team = "a"

[[inputs.net_response]]
  protocol = "tcp"
  address = "127.0.0.1:22"

[[inputs.net_response]]
  protocol = "tcp"
  address = "127.0.0.1:23"
`

func TestParseInputs(t *testing.T) {
	a, err := ParseInputs([]byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := ParseInputs([]byte(sample))
	if len(a) != 3 {
		t.Fatalf("got %d inputs", len(a))
	}
	ids := map[string]bool{}
	for i := range a {
		ids[a[i].ID] = true
		if a[i].ID != b[i].ID {
			t.Fatalf("IDs not stable: %s vs %s", a[i].ID, b[i].ID)
		}
	}
	if len(ids) != 3 || !ids["web"] {
		t.Fatalf("ids = %v", ids)
	}
	web := a[0]
	if web.Plugin != "http_response" || web.Interval.D() != 5*time.Second || web.Jitter.D() != time.Second {
		t.Fatalf("web = %+v", web)
	}
	var cfg map[string]any
	_ = json.Unmarshal(web.Config, &cfg)
	if _, ok := cfg["interval"]; ok || cfg["alias"] != "web" || cfg["tags"] == nil {
		t.Fatalf("config = %v", cfg)
	}
	if a[1].Interval.D() != DefaultInterval {
		t.Fatalf("default interval = %s", a[1].Interval.D())
	}
	// Every parsed input builds: the JSON carried through the store reproduces the table.
	for _, in := range a {
		if _, err := Build(in.Plugin, inputs.Spec{ID: in.ID, Interval: in.Interval.D(), Config: in.Config}, zerolog.Nop()); err != nil {
			t.Fatalf("%s does not build: %v", in.ID, err)
		}
	}
}

func TestParseInputsRejects(t *testing.T) {
	cases := []struct{ name, doc, field string }{
		{"agent table", "[agent]\ninterval='1s'\n[[inputs.ping]]\nurls=['127.0.0.1']", "agent"},
		{"outputs table", "[[outputs.file]]\n[[inputs.ping]]\nurls=['127.0.0.1']", "outputs"},
		{"processors table", "[[processors.rename]]\n[[inputs.ping]]\nurls=['127.0.0.1']", "processors"},
		{"secretstores table", "[[secretstores.os]]\nid='x'", "secretstores"},
		{"env", "[[inputs.ping]]\nurls=['${HOST}']", "body"},
		{"syntax", "[[inputs.ping]\n", "body"},
		{"no inputs", "x = 1", "x"},
		{"bad alias", "[[inputs.ping]]\nalias='a b'\nurls=['127.0.0.1']", "inputs.ping[0].alias"},
		{"bad interval", "[[inputs.ping]]\ninterval='fast'\nurls=['127.0.0.1']", "inputs.ping[0].interval"},
		{"interval too short", "[[inputs.ping]]\ninterval='10ms'\nurls=['127.0.0.1']", "inputs.ping[0].interval"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseInputs([]byte(c.doc))
			var fe *store.FieldError
			if !errors.As(err, &fe) || fe.Field != c.field {
				t.Fatalf("want a field error on %q, got %v", c.field, err)
			}
		})
	}
}

func TestPrecisionLikeTelegraf(t *testing.T) {
	for _, c := range []struct{ p, iv, want time.Duration }{
		{0, 10 * time.Second, time.Second}, {0, 500 * time.Millisecond, time.Millisecond}, {time.Minute, time.Second, time.Minute}, {0, 0, time.Second},
	} {
		if got := precision(c.p, c.iv); got != c.want {
			t.Errorf("precision(%s, %s) = %s, want %s", c.p, c.iv, got, c.want)
		}
	}
}

// FuzzParseInputs: the TOML import must never panic, and what it accepts is valid and reproducible.
func FuzzParseInputs(f *testing.F) {
	f.Add([]byte(sample))
	f.Add([]byte("[[inputs.ping]]\nurls=['127.0.0.1']\ninterval=5"))
	f.Add([]byte("[agent]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ins, err := ParseInputs(data)
		if err != nil {
			return
		}
		again, _ := ParseInputs(data)
		for i := range ins {
			if err := ins[i].Validate(); err != nil {
				t.Fatalf("accepted an invalid input: %v", err)
			}
			if again[i].ID != ins[i].ID {
				t.Fatalf("unstable id")
			}
		}
	})
}
