package telegrafx

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/gatherd/gatherd/inputs"
)

// BenchmarkBuild is what a node pays per input it starts: a survivor taking over a dead node's thousands of
// inputs builds each of them before its first slot (ns/op is CPU on an idle machine; B/op is garbage).
func BenchmarkBuild(b *testing.B) {
	for _, c := range []struct {
		plugin string
		cfg    map[string]any
	}{
		{"http_response", map[string]any{"urls": []string{"http://127.0.0.1:9/probe"}, "response_timeout": "5s"}},
		{"net_response", map[string]any{"address": "127.0.0.1:9", "protocol": "tcp"}},
	} {
		b.Run(c.plugin, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				cfg, _ := json.Marshal(c.cfg)
				s := inputs.Spec{ID: fmt.Sprint("in-", i), Interval: 30 * time.Second, Config: cfg}
				if _, err := Build(c.plugin, s, zerolog.Nop()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
