package cluster

import (
	"strings"
	"testing"
)

// TestMetaNotReadyKeepsItsJSONName pins the gossip name of Meta.NotReady: nodes of different versions read each
// other's metadata during a rolling upgrade, so the Go rename must not reach the wire.
func TestMetaNotReadyKeepsItsJSONName(t *testing.T) {
	b, err := Meta{NotReady: true}.encode()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"fenced":true`) {
		t.Fatalf("encoded %s, want \"fenced\":true", b)
	}
	m, err := decodeMeta([]byte(`{"api":"http://a","raft":"a:1","fenced":true,"boot":1}`))
	if err != nil || !m.NotReady {
		t.Fatalf("decoded %+v (%v), want NotReady", m, err)
	}
}
