package telegrafx

import (
	"time"

	"github.com/influxdata/telegraf"
	"github.com/influxdata/telegraf/metric"
	"github.com/influxdata/telegraf/models"
)

// maker is the accumulator a Telegraf plugin sees: each metric goes through the RunningInput's MakeMetric
// (filters, name_override, prefix/suffix, tags) before it reaches the worker's accumulator, exactly as
// Telegraf's agent accumulator does. Metrics keep a zero time so the worker stamps the slot time.
type maker struct {
	acc telegraf.Accumulator
	ri  *models.RunningInput
}

func (m *maker) add(name string, fields map[string]any, tags map[string]string, tp telegraf.ValueType, t []time.Time) {
	var tm time.Time
	if len(t) > 0 {
		tm = t[0]
	}
	m.AddMetric(metric.New(name, tags, fields, tm, tp))
}

func (m *maker) AddFields(name string, fields map[string]any, tags map[string]string, t ...time.Time) {
	m.add(name, fields, tags, telegraf.Untyped, t)
}
func (m *maker) AddGauge(name string, fields map[string]any, tags map[string]string, t ...time.Time) {
	m.add(name, fields, tags, telegraf.Gauge, t)
}
func (m *maker) AddCounter(name string, fields map[string]any, tags map[string]string, t ...time.Time) {
	m.add(name, fields, tags, telegraf.Counter, t)
}
func (m *maker) AddSummary(name string, fields map[string]any, tags map[string]string, t ...time.Time) {
	m.add(name, fields, tags, telegraf.Summary, t)
}
func (m *maker) AddHistogram(name string, fields map[string]any, tags map[string]string, t ...time.Time) {
	m.add(name, fields, tags, telegraf.Histogram, t)
}

func (m *maker) AddMetric(mt telegraf.Metric) {
	if mt = m.ri.MakeMetric(mt); mt != nil {
		m.acc.AddMetric(mt)
	}
}

func (m *maker) SetPrecision(p time.Duration) { m.acc.SetPrecision(p) }
func (m *maker) AddError(err error)           { m.acc.AddError(err) }

func (m *maker) WithTracking(maxTracked int) telegraf.TrackingAccumulator {
	return m.acc.WithTracking(maxTracked)
}
