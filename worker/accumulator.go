package worker

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/influxdata/telegraf"
	"github.com/influxdata/telegraf/metric"
)

// accumulator is the telegraf.Accumulator handed to plugins. It has two modes:
//
//   - gather mode (slot set): one per Gather call. Metrics are buffered and
//     handed to Sink.Write once, when Gather returns, so a gather is one batch.
//     Metrics without a time get the slot time, not the wall clock, so a
//     series does not depend on which node gathered it or on jitter.
//     Metrics added after Gather returned (a plugin that leaked the
//     accumulator to a goroutine) are written through one by one.
//   - service mode (slot zero): the accumulator a telegraf.ServiceInput gets
//     in Start. Its metrics arrive outside any slot, so they get the wall
//     clock and are written through immediately.
//
// In both modes SetPrecision rounds every metric's time (explicit or
// defaulted), as Telegraf's own accumulator does. It is safe for concurrent
// use: many plugins fan out goroutines inside Gather.
type accumulator struct {
	w    *Worker
	e    *entry
	slot time.Time

	mu        sync.Mutex
	precision time.Duration
	batch     []telegraf.Metric
	flushed   bool
}

var _ telegraf.Accumulator = (*accumulator)(nil)

func (a *accumulator) AddFields(name string, fields map[string]any, tags map[string]string, t ...time.Time) {
	a.add(name, fields, tags, telegraf.Untyped, t)
}

func (a *accumulator) AddGauge(name string, fields map[string]any, tags map[string]string, t ...time.Time) {
	a.add(name, fields, tags, telegraf.Gauge, t)
}

func (a *accumulator) AddCounter(name string, fields map[string]any, tags map[string]string, t ...time.Time) {
	a.add(name, fields, tags, telegraf.Counter, t)
}

func (a *accumulator) AddSummary(name string, fields map[string]any, tags map[string]string, t ...time.Time) {
	a.add(name, fields, tags, telegraf.Summary, t)
}

func (a *accumulator) AddHistogram(name string, fields map[string]any, tags map[string]string, t ...time.Time) {
	a.add(name, fields, tags, telegraf.Histogram, t)
}

func (a *accumulator) add(name string, fields map[string]any, tags map[string]string, tp telegraf.ValueType, t []time.Time) {
	if a.w.sink == nil {
		return // discard without building the metric
	}
	var tm time.Time
	if len(t) > 0 {
		tm = t[0]
	}
	a.AddMetric(metric.New(name, tags, fields, tm, tp))
}

// AddMetric stamps and buffers (gather mode) or writes (service mode) m.
// A metric without fields is dropped: no output format can encode it.
func (a *accumulator) AddMetric(m telegraf.Metric) {
	if a.w.sink == nil || m == nil || len(m.FieldList()) == 0 {
		return
	}
	a.mu.Lock()
	if m.Time().IsZero() {
		if a.slot.IsZero() {
			m.SetTime(time.Now())
		} else {
			m.SetTime(a.slot)
		}
	}
	if a.precision > 0 {
		m.SetTime(m.Time().Round(a.precision))
	}
	if !a.slot.IsZero() && !a.flushed {
		a.batch = append(a.batch, m)
		a.mu.Unlock()
		return
	}
	a.mu.Unlock()
	a.w.sink.Write(a.e.id, []telegraf.Metric{m})
}

// SetPrecision rounds the time of every metric added afterwards to a
// multiple of precision (0 or negative: no rounding).
func (a *accumulator) SetPrecision(precision time.Duration) {
	a.mu.Lock()
	a.precision = precision
	a.mu.Unlock()
}

// AddError counts err against the input (Status.Errors, LastError,
// gatherd_gather_errors_total) and logs it. nil is ignored.
func (a *accumulator) AddError(err error) {
	if err == nil {
		return
	}
	a.e.recordError(a.w, err.Error())
	a.w.log.Warn().Str("input", a.e.id).Str("plugin", a.e.plugin).Uint64("version", a.e.version).
		Err(err).Msg("input reported an error")
}

// WithTracking returns a minimal tracking accumulator over a: metrics go
// through the same path as AddMetric, and each AddTrackingMetric(Group)
// reports Delivered()==true as soon as the worker has accepted it (buffered
// for the gather batch or handed to the Sink). The Sink has no
// acknowledgement, so this is "accepted by gatherd", not end-to-end
// delivery; it exists so tracking-based service inputs (queue consumers)
// keep flowing instead of stalling. The channel holds maxTracked results; a
// plugin that exceeds its own maxTracked without reading loses the surplus
// notifications rather than blocking the worker.
func (a *accumulator) WithTracking(maxTracked int) telegraf.TrackingAccumulator {
	if maxTracked < 1 {
		maxTracked = 1
	}
	return &trackingAccumulator{accumulator: a, delivered: make(chan telegraf.DeliveryInfo, maxTracked)}
}

// flush ends gather mode: the buffered batch is handed to the Sink once.
func (a *accumulator) flush() {
	a.mu.Lock()
	b := a.batch
	a.batch = nil
	a.flushed = true
	a.mu.Unlock()
	if len(b) > 0 {
		a.w.sink.Write(a.e.id, b)
	}
}

var lastTrackingID atomic.Uint64

type trackingAccumulator struct {
	*accumulator
	delivered chan telegraf.DeliveryInfo
}

var _ telegraf.TrackingAccumulator = (*trackingAccumulator)(nil)

func (t *trackingAccumulator) AddTrackingMetric(m telegraf.Metric) telegraf.TrackingID {
	id := telegraf.TrackingID(lastTrackingID.Add(1))
	t.AddMetric(m)
	t.notify(id)
	return id
}

func (t *trackingAccumulator) AddTrackingMetricGroup(group []telegraf.Metric) telegraf.TrackingID {
	id := telegraf.TrackingID(lastTrackingID.Add(1))
	for _, m := range group {
		t.AddMetric(m)
	}
	t.notify(id)
	return id
}

func (t *trackingAccumulator) Delivered() <-chan telegraf.DeliveryInfo { return t.delivered }

func (t *trackingAccumulator) notify(id telegraf.TrackingID) {
	select {
	case t.delivered <- deliveryInfo(id):
	default: // plugin exceeded its maxTracked; never block the gather
	}
}

// deliveryInfo is always "delivered": see WithTracking.
type deliveryInfo telegraf.TrackingID

func (d deliveryInfo) ID() telegraf.TrackingID { return telegraf.TrackingID(d) }
func (d deliveryInfo) Delivered() bool         { return true }
