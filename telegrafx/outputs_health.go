package telegrafx

import (
	"sync"
	"time"

	"github.com/influxdata/telegraf"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatherd/gatherd/wire"
)

// writeStats counts an output's writes as the plugin answers them.
type writeStats struct {
	mu          sync.Mutex
	writes      uint64
	written     uint64
	errors      uint64
	lastError   string
	lastErrorAt time.Time
}

func (s *writeStats) record(n int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		s.writes++
		s.written += uint64(n)
		return
	}
	// A partial write (Telegraf's internal.PartialWriteError, which cannot be inspected from outside its
	// module) counts as failed: its accepted metrics are not counted as written.
	s.errors++
	s.lastError, s.lastErrorAt = err.Error(), time.Now()
}

// countingOutput is the plugin as the RunningOutput sees it, counting what each Write does.
type countingOutput struct {
	telegraf.Output
	s *writeStats
}

// Init forwards to the plugin: RunningOutput.Init only calls it through the telegraf.Initializer interface.
func (c *countingOutput) Init() error {
	if i, ok := c.Output.(telegraf.Initializer); ok {
		return i.Init()
	}
	return nil
}

func (c *countingOutput) Write(metrics []telegraf.Metric) error {
	err := c.Output.Write(metrics)
	c.s.record(len(metrics), err)
	return err
}

// Health reports each output's buffer and writes, in the order of the outputs file.
func (o *Outputs) Health() []wire.OutputHealth {
	now := time.Now()
	hs := make([]wire.OutputHealth, 0, len(o.outs))
	for _, out := range o.outs {
		h := wire.OutputHealth{Name: out.name, Buffer: BufferMemory, Dropped: out.dropped.Load()}
		if out.queue != nil {
			st := out.queue.Stats()
			h.Buffer, h.Buffered, h.BytesOnDisk = BufferDisk, st.Records, st.Bytes
			h.Dropped += st.Dropped
			if recs, _, err := out.queue.Peek(1); err == nil && len(recs) == 1 {
				if m, err := decodeMetric(recs[0]); err == nil {
					h.OldestPoint = m.Time()
				}
			}
		} else {
			h.Buffered = out.BufferLength()
			if ns := out.oldest.Load(); ns != 0 && h.Buffered > 0 {
				h.OldestPoint = time.Unix(0, ns)
			}
		}
		if !h.OldestPoint.IsZero() {
			h.OldestPointAge = max(0, now.Sub(h.OldestPoint).Seconds())
		}
		out.stats.mu.Lock()
		h.Writes, h.Written, h.WriteErrors = out.stats.writes, out.stats.written, out.stats.errors
		h.LastError, h.LastErrorAt = out.stats.lastError, out.stats.lastErrorAt
		out.stats.mu.Unlock()
		hs = append(hs, h)
	}
	return hs
}

// outputsCollector exports Health at /metrics, one snapshot per scrape.
type outputsCollector struct{ o *Outputs }

var outputLabels = []string{"output", "buffer"}

var (
	descBuffered = prometheus.NewDesc("gatherd_output_buffer_length", "Metrics waiting in the output's buffer.", outputLabels, nil)
	descBytes    = prometheus.NewDesc("gatherd_output_buffer_bytes", "Bytes the output's disk buffer takes (0 in memory).", outputLabels, nil)
	descOldest   = prometheus.NewDesc("gatherd_output_oldest_metric_age_seconds", "Age of the oldest metric waiting in the output's buffer (0 when empty).", outputLabels, nil)
	descWrites   = prometheus.NewDesc("gatherd_output_writes_total", "Successful writes (batches) to the output.", outputLabels, nil)
	descWritten  = prometheus.NewDesc("gatherd_output_metrics_written_total", "Metrics the output accepted.", outputLabels, nil)
	descErrors   = prometheus.NewDesc("gatherd_output_write_errors_total", "Failed writes to the output; their metrics stay buffered.", outputLabels, nil)
	descDropped  = prometheus.NewDesc("gatherd_output_metrics_dropped_total", "Metrics dropped: the oldest ones when the output's buffer was full or its disk had no room.", outputLabels, nil)
)

func (outputsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descBuffered, descBytes, descOldest, descWrites, descWritten, descErrors, descDropped} {
		ch <- d
	}
}

func (c outputsCollector) Collect(ch chan<- prometheus.Metric) {
	for _, h := range c.o.Health() {
		for _, v := range []struct {
			d *prometheus.Desc
			t prometheus.ValueType
			v float64
		}{
			{descBuffered, prometheus.GaugeValue, float64(h.Buffered)},
			{descBytes, prometheus.GaugeValue, float64(h.BytesOnDisk)},
			{descOldest, prometheus.GaugeValue, h.OldestPointAge},
			{descWrites, prometheus.CounterValue, float64(h.Writes)},
			{descWritten, prometheus.CounterValue, float64(h.Written)},
			{descErrors, prometheus.CounterValue, float64(h.WriteErrors)},
			{descDropped, prometheus.CounterValue, float64(h.Dropped)},
		} {
			ch <- prometheus.MustNewConstMetric(v.d, v.t, v.v, h.Name, h.Buffer)
		}
	}
}
