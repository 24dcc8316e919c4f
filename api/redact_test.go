package api

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestRedactConfig(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"no secrets kept byte for byte", `{ "servers": ["localhost:6379"], "n": 1.50 }`, `{ "servers": ["localhost:6379"], "n": 1.50 }`},
		{"password", `{"password":"hunter2","user":"bob"}`, `{"password":"<redacted>","user":"bob"}`},
		{"case-insensitive", `{"Password":"x","PASSWD":"y","Token":"z"}`, `{"Password":"<redacted>","PASSWD":"<redacted>","Token":"<redacted>"}`},
		{"snmp", `{"community":"public","auth_password":"a","priv_password":"p","sec_name":"n"}`,
			`{"community":"<redacted>","auth_password":"<redacted>","priv_password":"<redacted>","sec_name":"n"}`},
		{"exact names", `{"secret":"s","bearer_token":"b","api_key":"k","apikey":"k","key":"k","credentials":"c","authorization":"a"}`,
			`{"secret":"<redacted>","bearer_token":"<redacted>","api_key":"<redacted>","apikey":"<redacted>","key":"<redacted>","credentials":"<redacted>","authorization":"<redacted>"}`},
		{"suffixes", `{"sasl_password":"a","client_secret":"b","access_token":"c","tls_key":"d"}`,
			`{"sasl_password":"<redacted>","client_secret":"<redacted>","access_token":"<redacted>","tls_key":"<redacted>"}`},
		{"key only exact or as a suffix", `{"keys":["a"],"keyspace":"b","monkey":"c","key_name":"d"}`, `{"keys":["a"],"keyspace":"b","monkey":"c","key_name":"d"}`},
		{"headers", `{"urls":["http://x"],"headers":{"Authorization":"Bearer abc","X-Api-Key":"k","Accept":"json"}}`,
			`{"urls":["http://x"],"headers":{"Authorization":"<redacted>","X-Api-Key":"<redacted>","Accept":"json"}}`},
		{"nested in arrays", `{"a":[{"b":{"token":"t","ok":1}},[{"password":"p"}]]}`,
			`{"a":[{"b":{"token":"<redacted>","ok":1}},[{"password":"<redacted>"}]]}`},
		{"whole object under a secret key", `{"credentials":{"user":"u","pass":"p"},"x":[1,{"y":2}]}`,
			`{"credentials":"<redacted>","x":[1,{"y":2}]}`},
		{"array under a secret key", `{"token":["a","b"],"after":true}`, `{"token":"<redacted>","after":true}`},
		{"number under a secret key", `{"password":1234}`, `{"password":"<redacted>"}`},
		{"unset secrets shown as unset", `{"password":"","token":null,"use_token":false}`, `{"password":"","token":null,"use_token":false}`},
		{"url user info", `{"servers":["mongodb://admin:s3cret@db:27017/?x=1","tcp(localhost)"]}`,
			`{"servers":["mongodb://admin:<redacted>@db:27017/?x=1","tcp(localhost)"]}`},
		{"dsn", `{"address":"host=db user=pg password=s3cret sslmode=disable"}`,
			`{"address":"host=db user=pg password=<redacted> sslmode=disable"}`},
		{"url without password", `{"url":"http://user@host/path"}`, `{"url":"http://user@host/path"}`},
		{"empty object", `{}`, `{}`},
		{"not an object: array", `[{"password":"p"}]`, `[{"password":"p"}]`},
		{"not an object: string", `"password"`, `"password"`},
		{"not an object: null", `null`, `null`},
		{"not an object: empty", ``, ``},
		{"malformed object fails closed", `{"password":"p"`, `"<redacted>"`},
		{"trailing data fails closed", `{"a":1} {"password":"p"}`, `"<redacted>"`},
		{"escapes survive", `{"a\"b":"x\u00e9\n","token":"t"}`, `{"a\"b":"x` + "\u00e9" + `\n","token":"<redacted>"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := RedactConfig(json.RawMessage(tc.in))
			if string(got) != tc.want {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
			if len(got) > 0 && !json.Valid(got) {
				t.Fatalf("invalid JSON %s", got)
			}
		})
	}
}

func TestRedactConfigDeepNestingIsLinear(t *testing.T) {
	depth := 5000
	in := `{"a":` + strings.Repeat("[", depth) + `{"token":"t"}` + strings.Repeat("]", depth) + `}`
	got := RedactConfig(json.RawMessage(in))
	want := `{"a":` + strings.Repeat("[", depth) + `{"token":"<redacted>"}` + strings.Repeat("]", depth) + `}`
	if !bytes.Equal(got, []byte(want)) {
		t.Fatal("deeply nested secret not redacted")
	}
}

func TestFindRedacted(t *testing.T) {
	cases := []struct {
		in, path string
		found    bool
	}{
		{`{"password":"hunter2"}`, "", false},
		{`{"password":"<redacted>"}`, "password", true},
		{`{"password":"\u003credacted\u003e"}`, "password", true},
		{`{"headers":{"Authorization":"<redacted>"}}`, "headers.Authorization", true},
		{`{"servers":["a","mongodb://u:<redacted>@h"]}`, "servers[1]", true},
		{`{"note":"redacted"}`, "", false},
	}
	for _, tc := range cases {
		path, found := FindRedacted(json.RawMessage(tc.in))
		if path != tc.path || found != tc.found {
			t.Errorf("FindRedacted(%s) = %q, %v; want %q, %v", tc.in, path, found, tc.path, tc.found)
		}
	}
	// What RedactConfig hides, FindRedacted finds.
	if _, ok := FindRedacted(RedactConfig(json.RawMessage(`{"x":{"token":"t"}}`))); !ok {
		t.Error("redacted config not recognised")
	}
}
