package main

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/influxdata/telegraf"
	toutputs "github.com/influxdata/telegraf/plugins/outputs"
)

// tally counts http_response results whose timestamp falls in the window.
// Classifying by metric time, not arrival time, makes Telegraf's output
// buffering (metrics arrive up to flush_interval late) irrelevant: the child
// just waits long enough after the window for stragglers. gatherd stamps the
// slot time, Telegraf the gather's end; both are rounded to 1 s.
type tally struct {
	from, until atomic.Int64 // window, Unix ns; until == 0 = not set yet
	results     atomic.Uint64
	codes       [8]atomic.Uint64
}

var results tally

func (t *tally) setWindow(from, until time.Time) {
	t.from.Store(from.UnixNano())
	t.until.Store(until.UnixNano())
}

func (t *tally) add(m telegraf.Metric) {
	if m.Name() != "http_response" {
		return
	}
	ts := m.Time().UnixNano()
	if ts < t.from.Load() || ts >= t.until.Load() {
		return
	}
	t.results.Add(1)
	code := 7
	if v, ok := m.GetField("result_code"); ok {
		switch c := v.(type) {
		case int64:
			code = int(c)
		case uint64:
			code = int(c)
		case int:
			code = c
		}
	}
	if code < 0 || code > 6 {
		code = 7
	}
	t.codes[code].Add(1)
}

// countSink is the gatherd mode's worker.Sink: count and drop.
type countSink struct{}

func (countSink) Write(_ string, ms []telegraf.Metric) {
	for _, m := range ms {
		results.add(m)
	}
}

// countOutput is a Telegraf output ("benchcount") that counts and drops, so
// the agent modes and gatherd-outputs pay Telegraf's output pipeline
// (RunningOutput buffer, batching, flush loop) but no serialisation or I/O.
type countOutput struct{}

// connected is closed by the first Connect: Telegraf's agent connects its
// outputs after every input's Init and right before it starts the inputs, so
// this is where its start-up ends.
var (
	connected     = make(chan struct{})
	connectedOnce sync.Once
)

func (*countOutput) SampleConfig() string { return "" }
func (*countOutput) Connect() error {
	connectedOnce.Do(func() { close(connected) })
	return nil
}
func (*countOutput) Close() error { return nil }
func (*countOutput) Write(ms []telegraf.Metric) error {
	for _, m := range ms {
		results.add(m)
	}
	return nil
}

func registerOutput() {
	toutputs.Add("benchcount", func() telegraf.Output { return &countOutput{} })
}
