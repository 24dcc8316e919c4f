package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/gatherd/gatherd/client"
)

func TestLocalShowsTheOutputs(t *testing.T) {
	now := time.Now()
	var buf bytes.Buffer
	err := renderLocal(&buf, &client.Local{Node: "n1", Outputs: []client.OutputHealth{
		{Name: "outputs.influxdb", Buffer: "disk", Buffered: 12, BytesOnDisk: 2184, OldestPoint: now.Add(-5 * time.Second),
			Writes: 3, Written: 30, WriteErrors: 2, Dropped: 1, LastError: "connection refused", LastErrorAt: now.Add(-time.Second)},
		{Name: "outputs.file", Buffer: "memory"},
	}}, now)
	if err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"OUTPUT", "BUFFERED", "BYTES", "OLDEST", "DROPPED", "LAST-ERROR",
		"outputs.influxdb  disk    12        2184   5s ago  3       30       2       1        1s ago: connection refused",
		"outputs.file      memory  0         0      -       0       0        0       0        -",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("gatherd local output lacks %q:\n%s", want, out)
		}
	}
}
