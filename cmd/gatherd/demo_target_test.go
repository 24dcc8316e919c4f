package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The target's API is tested in demotarget; these tests cover the subcommand's flags, output and shutdown.

func TestDemoTargetRefusesNonPositiveLimits(t *testing.T) {
	for _, args := range [][]string{
		{"--keep", "0"},
		{"--max-inputs", "0"},
		{"--max-hits", "-1"},
	} {
		_, _, err := run(t, "", append([]string{"demo-target", "--http", "127.0.0.1:0"}, args...)...)
		if err == nil || err.Error() != "--keep, --max-inputs and --max-hits must be positive" {
			t.Errorf("%v: error %v", args, err)
		}
	}
}

func TestDemoTargetServesUntilItsContextEnds(t *testing.T) {
	root := newRootCmd()
	pr, pw := io.Pipe()
	t.Cleanup(func() { pr.Close() })
	root.SetErr(pw)
	root.SetArgs([]string{"demo-target", "--http", "127.0.0.1:0"})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx); pw.Close() }()

	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the listening line: %v (%v)", err, <-done)
	}
	addr, rest, ok := strings.Cut(strings.TrimPrefix(line, "demo target listening on "), " ")
	if !ok || rest != "(GET /probe/{id}, /hits, /metrics; POST /reset)\n" {
		t.Fatalf("stderr %q, want the listening line", line)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	resp, err := http.Get("http://" + addr + "/probe/web-1")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "ok" {
		t.Fatalf("probe: %d %q", resp.StatusCode, body)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("demo-target after its context ended: %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("demo-target still running 5s after its context ended")
	}
}
