package policy

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestInspectRefusesByDefault is the list: every option that runs a program, reads a path or binds an
// interface, and link-local targets, refused by a node with the zero Policy, naming the key and the setting.
func TestInspectRefusesByDefault(t *testing.T) {
	cases := []struct {
		plugin, config, key, setting string
	}{
		{"ping", `{"urls":["127.0.0.1"],"method":"exec"}`, "method", "--allow-exec"},
		{"ping", `{"urls":["127.0.0.1"]}`, "method", "--allow-exec"}, // Telegraf's default method is exec
		{"ping", `{"urls":["127.0.0.1"],"method":"native","binary":"/usr/bin/touch"}`, "binary", "never"},
		{"ping", `{"urls":["127.0.0.1"],"method":"native","arguments":["/tmp/x"]}`, "arguments", "never"},
		{"ping", `{"urls":["127.0.0.1"],"method":"native","interface":"eth0"}`, "interface", "--allow-interfaces"},
		{"http", `{"urls":["http://127.0.0.1/"],"token_file":"/secrets/agent.yaml"}`, "token_file", "--allow-local-files"},
		{"http", `{"urls":["http+unix:///run/docker.sock:/info"]}`, "urls[0]", "--allow-local-files"},
		{"http", `{"urls":["file:///etc/passwd"]}`, "urls[0]", "not one gatherd accepts"},
		// A hostile reviewer's finds: unix sockets without slashes or in capitals, in any URL option.
		{"http", `{"urls":["http+unix:/var/run/docker.sock:/containers/json"]}`, "urls[0]", "--allow-local-files"},
		{"http", `{"urls":["HTTP+UNIX:/var/run/docker.sock:/info"]}`, "urls[0]", "--allow-local-files"},
		{"http", `{"urls":["http+unix:/var/run/docker.sock:/x?u=http://a"]}`, "urls[0]", "--allow-local-files"},
		{"http", `{"urls":["http://127.0.0.1/"],"cookie_auth_url":"http+unix:/var/run/docker.sock:/containers/create"}`, "cookie_auth_url", "--allow-local-files"},
		{"http", `{"urls":["http://127.0.0.1/"],"client_id":"a","client_secret":"b","token_url":"http+unix:/run/x.sock:/tok"}`, "token_url", "--allow-local-files"},
		{"http", `{"urls":["gopher://127.0.0.1/"]}`, "urls[0]", "not one gatherd accepts"},
		// Environment references hidden behind JSON escapes (they decode to "$" before Telegraf reads them).
		{"http_response", `{"urls":["http://127.0.0.1/"],"headers":{"X-Leak":"\u0024{GATHERD_API_TOKEN}"}}`, "headers.X-Leak", "environment"},
		{"net_response", `{"address":"\u0024{X:-169.254.169.254:80}","protocol":"tcp"}`, "address", "environment"},
		// snmp puts udp:// in front of an agent without a scheme, so a path, query or userinfo hides nothing.
		{"snmp", `{"agents":["169.254.169.254/"]}`, "agents[0]", "--allow-targets"},
		{"snmp", `{"agents":["x@169.254.169.254"]}`, "agents[0]", "--allow-targets"},
		{"snmp", `{"agents":["169.254.169.254?"]}`, "agents[0]", "--allow-targets"},
		{"snmp", `{"agents":["[::ffff:169.254.169.254]/"]}`, "agents[0]", "--allow-targets"},
		// Transports are udp or tcp, never unix sockets.
		{"dns_query", `{"servers":["/run/some"],"network":"unix"}`, "network", "only udp and tcp"},
		{"net_response", `{"address":"/run/x:1","protocol":"unixgram"}`, "protocol", "only udp and tcp"},
		{"http", `{"urls":["http://127.0.0.1/"],"tls_ca":"/etc/ca.pem"}`, "tls_ca", "--allow-local-files"},
		{"http", `{"urls":["http://127.0.0.1/"],"tls_cert":"/etc/c.pem"}`, "tls_cert", "--allow-local-files"},
		{"http", `{"urls":["http://127.0.0.1/"],"tls_key":"/etc/k.pem"}`, "tls_key", "--allow-local-files"},
		{"http_response", `{"urls":["http://127.0.0.1/"],"bearer_token":"/secrets/agent.yaml"}`, "bearer_token", "--allow-local-files"},
		{"http_response", `{"urls":["http://127.0.0.1/"],"tls_ca":"/etc/ca.pem"}`, "tls_ca", "--allow-local-files"},
		{"http_response", `{"urls":["http://127.0.0.1/"],"tls_cert":"/etc/c.pem"}`, "tls_cert", "--allow-local-files"},
		{"http_response", `{"urls":["http://127.0.0.1/"],"tls_key":"/etc/k.pem"}`, "tls_key", "--allow-local-files"},
		{"http_response", `{"urls":["http://127.0.0.1/"],"interface":"lo"}`, "interface", "--allow-interfaces"},
		{"x509_cert", `{"sources":["file:///secrets/tls/node.key"]}`, "sources[0]", "--allow-local-files"},
		{"x509_cert", `{"sources":["/etc/ssl/certs/*.pem"]}`, "sources[0]", "--allow-local-files"},
		{"x509_cert", `{"sources":["jks:///etc/keystore.jks"]}`, "sources[0]", "--allow-local-files"},
		{"x509_cert", `{"sources":["tcp://127.0.0.1:443"],"tls_ca":"/etc/ca.pem"}`, "tls_ca", "--allow-local-files"},
		{"x509_cert", `{"sources":["tcp://127.0.0.1:443"],"tls_cert":"/etc/c.pem"}`, "tls_cert", "--allow-local-files"},
		{"x509_cert", `{"sources":["tcp://127.0.0.1:443"],"tls_key":"/etc/k.pem"}`, "tls_key", "--allow-local-files"},
		{"x509_cert", `{"sources":["wincertstore://Root"]}`, "sources[0]", "not one gatherd accepts"},
		{"x509_cert", `{"sources":["certs/x.pem"]}`, "sources[0]", "absolute path"},
		{"snmp", `{"agents":["udp://127.0.0.1:161"],"path":["/secrets"]}`, "path[0]", "--allow-local-files"},
		{"http_response", `{"urls":["http://169.254.169.254/latest/meta-data/"]}`, "urls[0]", "--allow-targets"},
		{"http", `{"urls":["http://[fe80::1%25eth0]/"]}`, "urls[0]", "--allow-targets"},
		{"http", `{"urls":["http://127.0.0.1/"],"http_proxy_url":"http://169.254.169.254:80"}`, "http_proxy_url", "--allow-targets"},
		{"net_response", `{"address":"169.254.169.254:80","protocol":"tcp"}`, "address", "--allow-targets"},
		{"dns_query", `{"servers":["169.254.169.253"]}`, "servers[0]", "--allow-targets"},
		{"snmp", `{"agents":["udp://169.254.1.1:161"]}`, "agents[0]", "--allow-targets"},
		{"ping", `{"urls":["169.254.169.254"],"method":"native"}`, "urls[0]", "--allow-targets"},
		{"x509_cert", `{"sources":["https://169.254.169.254:443"]}`, "sources[0]", "--allow-targets"},
		{"http_response", `{"urls":["http://2852039166/"]}`, "urls[0]", "--allow-targets"},
		{"http_response", `{"urls":["http://0xa9fea9fe/"]}`, "urls[0]", "--allow-targets"},
		{"http_response", `{"urls":["http://[::ffff:169.254.169.254]/"]}`, "urls[0]", "--allow-targets"},
		{"http_response", `{"urls":["http://127.0.0.1/"],"no_such_option":1}`, "no_such_option", "not an option"},
		{"exec", `{"commands":["id"]}`, "", "no audit"},
		{"snmp", `{"agents":["udp://127.0.0.1:161"],"field":[{"oid":"x","script":"y"}]}`, "field[0].script", "not an option"},
	}
	for _, c := range cases {
		t.Run(c.plugin+"/"+c.key, func(t *testing.T) {
			n, err := Telegraf.Inspect(c.plugin, json.RawMessage(c.config))
			if err == nil {
				err = Policy{}.AdmitLocal(n)
			}
			var v *Violation
			if !errors.As(err, &v) {
				t.Fatalf("%s %s: want a violation, got %v", c.plugin, c.config, err)
			}
			if v.Key != c.key || !strings.Contains(v.Reason, c.setting) {
				t.Fatalf("violation %q: want key %q and a reason naming %q", v, c.key, c.setting)
			}
		})
	}
}

func TestInspectAcceptsPlainTargets(t *testing.T) {
	for plugin, cfg := range map[string]string{
		"http_response": `{"urls":["http://127.0.0.1:8080/"],"method":"GET","headers":{"X":"y"},"tags":{"a":"b"}}`,
		"http":          `{"urls":["https://127.0.0.2/m"],"data_format":"json","json_query":"a","token":"t"}`,
		"ping":          `{"urls":["127.0.0.1"],"method":"native","count":1}`,
		"net_response":  `{"address":"127.0.0.1:22","protocol":"tcp"}`,
		"dns_query":     `{"servers":["127.0.0.53"],"domains":["gatherd.test"]}`,
		"x509_cert":     `{"sources":["tcp://127.0.0.1:443","https://127.0.0.1"]}`,
		"snmp":          `{"agents":["udp://127.0.0.1:161"],"field":[{"oid":"1.3.6.1.2.1.1.3.0","name":"uptime"}],"table":[{"oid":"IF-MIB::ifTable","field":[{"oid":"IF-MIB::ifDescr","is_tag":true}]}]}`,
	} {
		n, err := Telegraf.Inspect(plugin, json.RawMessage(cfg))
		if err != nil || !n.Empty() {
			t.Errorf("%s %s: needs %+v, err %v; want nothing", plugin, cfg, n, err)
		}
	}
}

func TestOptIns(t *testing.T) {
	dir := t.TempDir()
	certs := filepath.Join(dir, "certs")
	os.Mkdir(certs, 0o755)
	os.WriteFile(filepath.Join(certs, "ca.pem"), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(dir, "secret"), []byte("x"), 0o644)
	os.Symlink(filepath.Join(dir, "secret"), filepath.Join(certs, "escape.pem")) // a link out of the allowed dir
	p, err := New(true, []string{certs}, []string{"lo"}, []string{"169.254.169.254"})
	if err != nil {
		t.Fatal(err)
	}
	accepted := []struct{ plugin, config string }{
		{"ping", `{"urls":["127.0.0.1"],"method":"exec"}`},
		{"ping", `{"urls":["127.0.0.1"]}`},
		{"ping", `{"urls":["127.0.0.1"],"method":"native","interface":"lo"}`},
		{"http_response", `{"urls":["http://127.0.0.1/"],"tls_ca":"` + certs + `/ca.pem"}`},
		{"http_response", `{"urls":["http://169.254.169.254/"]}`},
	}
	for _, c := range accepted {
		n, err := Telegraf.Inspect(c.plugin, json.RawMessage(c.config))
		if err == nil {
			err = p.AdmitLocal(n)
		}
		if err != nil {
			t.Errorf("%s %s refused with the opt-ins: %v", c.plugin, c.config, err)
		}
	}
	refused := []struct{ config, why string }{
		{`{"urls":["http://127.0.0.1/"],"tls_ca":"` + certs + `/../secret"}`, "lies outside"},
		{`{"urls":["http://127.0.0.1/"],"tls_ca":"` + certs + `/escape.pem"}`, "lies outside"},
		{`{"urls":["http://127.0.0.1/"],"tls_ca":"` + certs + `/missing.pem"}`, "cannot resolve"},
		{`{"urls":["http://127.0.0.1/"],"tls_ca":"ca.pem"}`, "not an absolute path"},
		{`{"urls":["http://169.254.169.253/"]}`, "--allow-targets"},
		{`{"urls":["http://127.0.0.1/"],"interface":"eth0"}`, "--allow-interfaces"},
	}
	for _, c := range refused {
		n, err := Telegraf.Inspect("http_response", json.RawMessage(c.config))
		if err == nil {
			err = p.AdmitLocal(n)
		}
		if err == nil || !strings.Contains(err.Error(), c.why) {
			t.Errorf("%s: want a refusal saying %q, got %v", c.config, c.why, err)
		}
	}
	// The symlink is inside the directory by name: only the node's own resolution catches it.
	n, _ := Telegraf.Inspect("http_response", json.RawMessage(`{"urls":["http://127.0.0.1/"],"tls_ca":"`+certs+`/escape.pem"}`))
	if err := p.Admit(n); err != nil {
		t.Errorf("lexical check refused a path inside the directory: %v", err)
	}
	// Binary and arguments stay refused whatever the node allows.
	if _, err := Telegraf.Inspect("ping", json.RawMessage(`{"urls":["127.0.0.1"],"binary":"ping"}`)); err == nil {
		t.Error("a submitted binary was accepted")
	}
}

func TestAdmitAny(t *testing.T) {
	n, _ := Telegraf.Inspect("ping", json.RawMessage(`{"urls":["127.0.0.1"],"method":"exec"}`))
	if err := AdmitAny([]Policy{{}, {}}, n); err == nil {
		t.Fatal("no node allows exec, yet admitted")
	}
	if err := AdmitAny([]Policy{{}, {Exec: true}}, n); err != nil {
		t.Fatalf("one node allows exec: %v", err)
	}
	if err := AdmitAny(nil, n); err == nil {
		t.Fatal("no nodes, yet admitted")
	}
	if err := AdmitAny(nil, Needs{}); err != nil {
		t.Fatalf("an input needing nothing: %v", err)
	}
}

func TestLinkLocalForms(t *testing.T) {
	for host, want := range map[string]bool{
		"169.254.169.254": true, "169.254.169.254.": true, "2852039166": true, "0xa9fea9fe": true,
		"0251.0376.0251.0376": true, "169.254.43518": true, "fe80::1": true, "fe80::1%eth0": true,
		"::ffff:169.254.169.254": true, "127.0.0.1": false, "gatherd.test": false, "10.0.0.1": false,
		"169.255.0.1": false, "1.2.3.4.5": false, "": false,
	} {
		if _, got := linkLocal(host); got != want {
			t.Errorf("linkLocal(%q) = %v, want %v", host, got, want)
		}
	}
	for v, want := range map[string]string{
		"http://user:pw@169.254.1.1:80/x": "169.254.1.1", "udp://[fe80::1]:161": "fe80::1",
		"127.0.0.1:53": "127.0.0.1", "host": "host", "[::1]": "::1",
	} {
		if got := hostOf(v); got != want {
			t.Errorf("hostOf(%q) = %q, want %q", v, got, want)
		}
	}
}

func TestNewRejectsBadSettings(t *testing.T) {
	if _, err := New(false, []string{"relative"}, nil, nil); err == nil {
		t.Error("relative --allow-local-files accepted")
	}
	if _, err := New(false, nil, nil, []string{"metadata"}); err == nil {
		t.Error("--allow-targets with a name accepted")
	}
}
