package logging

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/rs/zerolog"
)

func lines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte{'\n'}) {
		if len(l) == 0 {
			continue
		}
		m := map[string]any{}
		if err := json.Unmarshal(l, &m); err != nil {
			t.Fatalf("line %q is not JSON: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

func TestHCLogMapsLevelsAndFields(t *testing.T) {
	var buf bytes.Buffer
	z := zerolog.New(&buf).Level(zerolog.DebugLevel)
	h := NewHCLog(z, "raft").With("node", "n1")
	h.Trace("dropped")
	h.Debug("dbg", "term", 3)
	h.Warn("warned", "err", errors.New("boom"))
	h.Named("snapshot").Error("failed")

	got := lines(t, &buf)
	if len(got) != 3 {
		t.Fatalf("want 3 lines (trace filtered), got %d: %v", len(got), got)
	}
	want := []struct{ level, msg, module string }{
		{"debug", "dbg", "raft"}, {"warn", "warned", "raft"}, {"error", "failed", "raft.snapshot"},
	}
	for i, w := range want {
		if got[i]["level"] != w.level || got[i]["message"] != w.msg || got[i]["module"] != w.module {
			t.Errorf("line %d = %v, want level %s message %s module %s", i, got[i], w.level, w.msg, w.module)
		}
		if got[i]["node"] != "n1" {
			t.Errorf("line %d lost the With field: %v", i, got[i])
		}
	}
	if got[0]["term"] != float64(3) || got[1]["err"] != "boom" {
		t.Errorf("fields not carried: %v %v", got[0], got[1])
	}
	buf.Reset()
	// raft logs its configuration as hclog.Fmt("%+v", ...): it must read as text, not as a JSON array.
	h.Info("initial configuration", "servers", hclog.Fmt("%+v", []struct{ ID string }{{"n1"}}))
	if got := lines(t, &buf); len(got) != 1 || got[0]["servers"] != "[{ID:n1}]" {
		t.Errorf("hclog.Fmt field: %v", got)
	}
	if !h.IsDebug() || h.IsTrace() || h.GetLevel() != hclog.Debug {
		t.Errorf("level queries disagree with zerolog's level")
	}
}

func TestLevelWriterParsesMemberlistPrefixes(t *testing.T) {
	var buf bytes.Buffer
	w := &LevelWriter{Logger: zerolog.New(&buf)}
	_, _ = w.Write([]byte("[DEBUG] memberlist: probe\n[WARN] memberlist: refuted\n[ERR] memberlist: failed\nplain\n"))
	got := lines(t, &buf)
	want := [][2]string{{"debug", "memberlist: probe"}, {"warn", "memberlist: refuted"}, {"error", "memberlist: failed"}, {"info", "plain"}}
	if len(got) != len(want) {
		t.Fatalf("got %d lines, want %d: %v", len(got), len(want), got)
	}
	for i, w := range want {
		if got[i]["level"] != w[0] || got[i]["message"] != w[1] {
			t.Errorf("line %d = %v, want %v", i, got[i], w)
		}
	}
}

func TestNewRejectsUnknownLevel(t *testing.T) {
	if _, err := New(nil, "loud", "json"); err == nil {
		t.Fatal("want an error for level \"loud\"")
	}
}

func TestLogTimesHaveMilliseconds(t *testing.T) {
	var buf bytes.Buffer
	log, err := New(&buf, "info", "json")
	if err != nil {
		t.Fatal(err)
	}
	log.Info().Msg("hello")
	ts, _ := lines(t, &buf)[0]["time"].(string)
	at, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil || len(ts) < len("2006-01-02T15:04:05.000Z") || ts[19] != '.' {
		t.Fatalf("time %q: want RFC 3339 with milliseconds (%v)", ts, err)
	}
	if d := time.Since(at); d < 0 || d > time.Minute {
		t.Fatalf("time %q is %s from now", ts, d)
	}
}
