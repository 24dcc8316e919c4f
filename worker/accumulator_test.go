package worker

import (
	"errors"
	"testing"
	"time"

	"github.com/influxdata/telegraf"
	"github.com/influxdata/telegraf/metric"
)

func newTestAcc(sink Sink, slot time.Time) (*accumulator, *entry) {
	w := New(Options{Sink: sink})
	e := &entry{id: "acc", plugin: "p"}
	return &accumulator{w: w, e: e, slot: slot}, e
}

func TestAccumulatorGatherMode(t *testing.T) {
	sink := newRecSink()
	slot := time.Unix(1700000000, 123456789).UTC()
	a, _ := newTestAcc(sink, slot)
	explicit := time.Unix(1600000000, 987654321)

	a.AddFields("f", map[string]any{"v": 1}, nil)
	a.AddGauge("g", map[string]any{"v": 1.5}, map[string]string{"t": "x"}, explicit)
	a.AddCounter("c", map[string]any{"v": uint64(1)}, nil)
	a.AddSummary("s", map[string]any{"v": 1}, nil)
	a.AddHistogram("h", map[string]any{"v": 1}, nil)
	a.AddMetric(metric.New("m", nil, map[string]any{"v": "x"}, time.Time{}))
	a.AddFields("empty", map[string]any{}, nil) // no fields: dropped
	if len(sink.writes) != 0 {
		t.Fatal("gather-mode metrics written before the gather ended")
	}
	a.flush()
	if sink.writes["acc"] != 1 {
		t.Fatalf("writes = %d, want one batch", sink.writes["acc"])
	}
	times := sink.slotTimes("acc")
	if len(times) != 6 {
		t.Fatalf("%d metrics, want 6", len(times))
	}
	for i, tm := range times {
		want := slot
		if i == 1 {
			want = explicit
		}
		if !tm.Equal(want) {
			t.Errorf("metric %d time %v, want %v", i, tm, want)
		}
	}

	// After the gather: write-through.
	a.AddFields("late", map[string]any{"v": 1}, nil)
	if sink.writes["acc"] != 2 {
		t.Fatal("late metric not written through")
	}
}

type captureSink struct{ ms []telegraf.Metric }

func (c *captureSink) Write(_ string, ms []telegraf.Metric) { c.ms = append(c.ms, ms...) }

func TestAccumulatorTypesAndPrecision(t *testing.T) {
	sink := &captureSink{}
	slot := time.Unix(100, 700_000_000)
	a, _ := newTestAcc(sink, slot)
	a.SetPrecision(time.Second)
	a.AddGauge("g", map[string]any{"v": 1}, nil)
	a.AddCounter("c", map[string]any{"v": 1}, nil, time.Unix(5, 400_000_000))
	a.AddSummary("s", map[string]any{"v": 1}, nil)
	a.AddHistogram("h", map[string]any{"v": 1}, nil)
	a.AddFields("u", map[string]any{"v": 1}, nil)
	a.flush()
	wantType := []telegraf.ValueType{telegraf.Gauge, telegraf.Counter, telegraf.Summary, telegraf.Histogram, telegraf.Untyped}
	wantTime := []int64{101, 5, 101, 101, 101}
	for i, m := range sink.ms {
		if m.Type() != wantType[i] || m.Time().UnixNano() != wantTime[i]*1e9 {
			t.Errorf("metric %d: type %v time %v", i, m.Type(), m.Time())
		}
	}
}

func TestAccumulatorServiceModeAndErrors(t *testing.T) {
	sink := newRecSink()
	a, e := newTestAcc(sink, time.Time{})
	before := time.Now()
	a.AddFields("svc", map[string]any{"v": 1}, nil)
	if sink.writes["acc"] != 1 {
		t.Fatal("service-mode metric not written through")
	}
	if tm := sink.slotTimes("acc")[0]; tm.Before(before) || tm.After(time.Now()) {
		t.Fatalf("service-mode time %v is not the wall clock", tm)
	}
	a.AddError(nil)
	a.AddError(errors.New("e1"))
	a.AddError(errors.New("e2"))
	if st := e.status(); st.Errors != 2 || st.LastError != "e2" {
		t.Fatalf("status = %+v", st)
	}
}

func TestTrackingAccumulator(t *testing.T) {
	sink := newRecSink()
	a, _ := newTestAcc(sink, time.Time{})
	ta := a.WithTracking(2)
	id1 := ta.AddTrackingMetric(metric.New("t", nil, map[string]any{"v": 1}, time.Time{}))
	id2 := ta.AddTrackingMetricGroup([]telegraf.Metric{
		metric.New("t", nil, map[string]any{"v": 1}, time.Time{}),
		metric.New("t", nil, map[string]any{"v": 2}, time.Time{}),
	})
	_ = ta.AddTrackingMetric(metric.New("t", nil, map[string]any{"v": 3}, time.Time{})) // over maxTracked: must not block
	if id1 == id2 {
		t.Fatal("tracking IDs not unique")
	}
	for _, want := range []telegraf.TrackingID{id1, id2} {
		d := <-ta.Delivered()
		if d.ID() != want || !d.Delivered() {
			t.Fatalf("delivery %v/%v, want %v", d.ID(), d.Delivered(), want)
		}
	}
	if n := len(sink.slotTimes("acc")); n != 4 {
		t.Fatalf("%d metrics delivered, want 4", n)
	}
	ta.AddFields("plain", map[string]any{"v": 1}, nil) // plain methods still work
}

func TestAccumulatorNilSinkDiscards(t *testing.T) {
	a, _ := newTestAcc(nil, time.Unix(1, 0))
	a.AddFields("x", map[string]any{"v": 1}, nil)
	a.AddMetric(metric.New("x", nil, map[string]any{"v": 1}, time.Time{}))
	a.flush() // must not call a nil Sink
}
