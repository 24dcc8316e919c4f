package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"sync/atomic"
	"time"

	"github.com/influxdata/telegraf"
	"github.com/influxdata/telegraf/agent"
	"github.com/influxdata/telegraf/config"
	"github.com/influxdata/telegraf/logger"
	"github.com/rs/zerolog"

	"github.com/gatherd/gatherd/inputs"
	"github.com/gatherd/gatherd/telegrafx"
	"github.com/gatherd/gatherd/worker"
)

// logLines counts Telegraf log events at warn or error level: the agent's
// "collection took longer than expected" and plugin errors.
var logLines atomic.Uint64

// runChild runs one mode and prints its result as one JSON line on stdout.
// Progress goes to stderr.
func runChild(o opts) error {
	// Telegraf's logger buffers every line in memory until it is set up: set
	// it up first, as a default agent has it (level info), writing to
	// /dev/null. Callbacks see every event before level filtering.
	if err := logger.SetupLogging(&logger.Config{Logfile: os.DevNull}); err != nil {
		return err
	}
	if _, err := logger.AddCallback(func(level telegraf.LogLevel, _ time.Time, _ string, _ map[string]any, _ ...any) {
		if level == telegraf.Error || level == telegraf.Warn {
			logLines.Add(1)
		}
	}); err != nil {
		return err
	}
	raiseNoFile()
	registerOutput()
	addrs := strings.Split(o.targets, ",")
	progress := func(format string, a ...any) {
		fmt.Fprintf(os.Stderr, "   %s %s: %s\n", time.Now().Format("15:04:05"), o.mode, fmt.Sprintf(format, a...))
	}

	// The baseline: same binary, runtime up, nothing built.
	runtime.GC()
	debug.FreeOSMemory()
	base, _ := procStatus()

	t0 := time.Now()
	var (
		errCount func() uint64
		err      error
	)
	switch o.mode {
	case "gatherd":
		errCount, err = startGatherd(o, addrs, false)
	case "gatherd-outputs":
		errCount, err = startGatherd(o, addrs, true)
	case "telegraf":
		errCount, err = startTelegraf(o, addrs, 0)
	case "telegraf-jitter":
		errCount, err = startTelegraf(o, addrs, o.jitter)
	default:
		err = fmt.Errorf("unknown mode %q", o.mode)
	}
	if err != nil {
		return err
	}
	ready := time.Since(t0)
	progress("%d inputs started in %s", o.n, ready.Round(time.Millisecond))

	// Warm up for at least one interval, then start the window 3/4 into an
	// interval: Telegraf's aligned ticks fire at the interval boundary and
	// their gathers (response_timeout 5 s of 10) are over by then, so every
	// aligned burst falls wholly inside or outside the window.
	ws := windowStart(time.Now().Add(o.interval), o.interval)
	we := ws.Add(o.duration)
	results.setWindow(ws, we)
	progress("window %s .. %s", ws.Format("15:04:05.000"), we.Format("15:04:05.000"))
	// Return start-up garbage (config parsing, Init) to the OS so the
	// window's RSS is the steady state of every mode, not the leftovers of
	// its start-up; VmHWM still shows the start-up peak.
	time.Sleep(time.Until(ws.Add(-time.Second)))
	runtime.GC()
	debug.FreeOSMemory()
	time.Sleep(time.Until(ws))

	e0 := errCount() + logLines.Load()
	if err := mark(addrs[0], "start"); err != nil {
		return err
	}
	stopProfile, err := startProfile(o)
	if err != nil {
		return err
	}
	c0, w0 := cpuTime(), time.Now()
	var rssMax uint64
	for next := w0.Add(time.Second); next.Before(we); next = next.Add(time.Second) {
		time.Sleep(time.Until(next))
		if rss, _ := procStatus(); rss > rssMax {
			rssMax = rss
		}
	}
	time.Sleep(time.Until(we))
	c1, w1 := cpuTime(), time.Now()
	stopProfile()
	if err := mark(addrs[0], "end"); err != nil {
		return err
	}
	rssEnd, hwm := procStatus()
	rssMax = max(rssMax, rssEnd)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	e1 := errCount() + logLines.Load()

	// Gathers of the window's last slots may still be running (up to the
	// response timeout), and output modes hold metrics for up to a flush
	// interval: wait for them before reading the tally.
	tail := o.timeout + 2*time.Second
	if o.mode != "gatherd" {
		tail += flushInterval
	}
	progress("window done; waiting %s for late results", tail)
	time.Sleep(tail)

	r := result{
		Mode: o.mode, N: o.n, ReadySec: ready.Seconds(), WindowSec: w1.Sub(w0).Seconds(), CPUSec: (c1 - c0).Seconds(),
		RSSBaseKiB: base, RSSMaxKiB: rssMax, RSSEndKiB: rssEnd, HWMKiB: hwm,
		HeapInuse: ms.HeapInuse, StackInuse: ms.StackInuse, Goroutines: runtime.NumGoroutine(),
		Results: results.results.Load(), Errors: e1 - e0,
	}
	for i := range r.Codes {
		r.Codes[i] = results.codes[i].Load()
		if i != 0 {
			r.Failed += r.Codes[i]
		}
	}
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	fmt.Println(string(b))
	// Exit without stopping the inputs: stopping thousands of them would only
	// wait for in-flight gathers, and nothing of it is measured.
	os.Exit(0)
	return nil
}

// startProfile starts a CPU profile of the window if -cpuprofile is set.
func startProfile(o opts) (stop func(), err error) {
	if o.profile == "" {
		return func() {}, nil
	}
	f, err := os.Create(filepath.Join(o.profile, o.mode+".pprof"))
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// windowStart returns the first instant at or after from that lies 3/4 into
// a wall-clock interval (Telegraf aligns ticks to multiples of the interval).
func windowStart(from time.Time, iv time.Duration) time.Time {
	t := from.Truncate(iv).Add(iv * 3 / 4)
	if t.Before(from) {
		t = t.Add(iv)
	}
	return t
}

// inputURL is input i's URL: its own path, ports taken round-robin.
func inputURL(addrs []string, i int) string {
	return fmt.Sprintf("http://%s/i/%d", addrs[i%len(addrs)], i)
}

// Output settings shared by the agent modes and gatherd-outputs. The buffer
// holds two full rounds so the aligned burst (N metrics at once) never drops.
const flushInterval = 10 * time.Second

func outputTOML(n int) string {
	return fmt.Sprintf(`[[outputs.benchcount]]
  flush_interval = %q
  flush_jitter = "0s"
  metric_batch_size = 1000
  metric_buffer_limit = %d
`, flushInterval.String(), max(10000, 2*n))
}

// startGatherd builds the inputs the way a gatherd node does (telegrafx.Build
// through Telegraf's config loader, one worker goroutine per input on its
// phase-spread slot) and waits until all of them are running. It returns a
// counter of worker errors and overruns.
func startGatherd(o opts, addrs []string, viaOutputs bool) (func() uint64, error) {
	var sink worker.Sink = countSink{}
	if viaOutputs {
		outs, err := telegrafx.ParseOutputs([]byte(outputTOML(o.n)))
		if err != nil {
			return nil, err
		}
		out, err := telegrafx.StartOutputs(outs, "", "", zerolog.Nop(), nil)
		if err != nil {
			return nil, err
		}
		sink = out
	}
	build := func(t worker.Task) (telegraf.Input, error) {
		return telegrafx.Build(t.Plugin, inputs.Spec{ID: t.ID, Interval: t.Interval, Config: t.Config}, zerolog.Nop())
	}
	w := worker.New(worker.Options{Build: build, Sink: sink})

	desired := make(map[string]worker.Task, o.n)
	for i := range o.n {
		id := fmt.Sprintf("http-%06d", i)
		cfg, _ := json.Marshal(map[string]any{"urls": []string{inputURL(addrs, i)}, "response_timeout": o.timeout.String()})
		desired[id] = worker.Task{ID: id, Plugin: "http_response", Config: cfg, Interval: o.interval, Version: 1}
	}
	w.Apply(desired)

	// Build runs in each input's goroutine; wait until every one is past it.
	for {
		running := 0
		for _, s := range w.Local() {
			switch s.State {
			case "running":
				running++
			case "failed":
				return nil, fmt.Errorf("input %s failed: %s", s.ID, s.LastError)
			}
		}
		if running == o.n {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	return func() uint64 {
		var n uint64
		for _, s := range w.Local() {
			n += s.Errors + s.Overruns
		}
		return n
	}, nil
}

// startTelegraf runs one Telegraf agent with n [[inputs.http_response]]
// tables, aligned ticks, and the given collection_jitter, and returns once
// the agent has initialised every plugin and is starting the inputs.
func startTelegraf(o opts, addrs []string, jitter time.Duration) (func() uint64, error) {
	var doc strings.Builder
	fmt.Fprintf(&doc, `[agent]
  interval = %q
  round_interval = true
  collection_jitter = %q
  omit_hostname = true

`, o.interval.String(), jitter.String())
	doc.WriteString(outputTOML(o.n))
	for i := range o.n {
		fmt.Fprintf(&doc, "\n[[inputs.http_response]]\n  urls = [%q]\n  response_timeout = %q\n", inputURL(addrs, i), o.timeout.String())
	}
	cfg := config.NewConfig()
	if err := cfg.LoadConfigData([]byte(doc.String()), "telegrafcmp"); err != nil {
		return nil, err
	}
	if len(cfg.Inputs) != o.n {
		return nil, fmt.Errorf("config has %d inputs, want %d", len(cfg.Inputs), o.n)
	}
	a := agent.NewAgent(cfg)
	failed := make(chan error, 1)
	go func() { failed <- a.Run(context.Background()) }()
	select {
	case <-connected:
	case err := <-failed:
		return nil, fmt.Errorf("agent stopped: %v", err)
	}
	return func() uint64 { return 0 }, nil // the agent reports through its log: logLines
}
