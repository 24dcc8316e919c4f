package telegrafx

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/influxdata/telegraf"
	"github.com/influxdata/telegraf/config"
	"github.com/influxdata/telegraf/models"
	"github.com/pelletier/go-toml/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

// DevOutputs is the output a --dev node uses when none is configured: line protocol on stdout.
const DevOutputs = `[[outputs.file]]
  files = ["stdout"]
  data_format = "influx"
`

// Outputs is a worker.Sink that fans every gathered metric out to Telegraf output plugins. Each output has a
// bounded buffer (metric_buffer_limit, default 10000) that drops the oldest metrics while the output is down,
// is written in batches (metric_batch_size) when a batch is full or every flush_interval, keeps failed
// batches for the next flush, and is flushed on Close.
type Outputs struct {
	outs    []*models.RunningOutput
	nodeTag string
	log     zerolog.Logger
	dropped []atomic.Uint64
	stop    chan struct{}
	wg      sync.WaitGroup
	closed  sync.Once
}

// OutputNames returns the Telegraf output plugins linked into this binary.
func OutputNames() []string { return sortedKeys(toutputsRegistry()) }

// ParseOutputs reads the [[outputs.X]] tables of a Telegraf-syntax document; every other table or key in it
// is ignored, so the agent's own settings may share the file. Unlike submitted inputs, ${VAR} is allowed
// here: this is the node operator's own file.
func ParseOutputs(doc []byte) ([]*models.RunningOutput, error) {
	var all map[string]any
	if err := toml.Unmarshal(doc, &all); err != nil {
		return nil, fmt.Errorf("outputs: %w", err)
	}
	outs, ok := all["outputs"]
	if !ok {
		return nil, nil
	}
	only, err := toml.Marshal(map[string]any{"outputs": outs})
	if err != nil {
		return nil, fmt.Errorf("outputs: %w", err)
	}
	c := config.NewConfig()
	c.Agent.OmitHostname = true
	if err := c.LoadConfigData(only, "gatherd"); err != nil {
		return nil, fmt.Errorf("outputs: %w", err)
	}
	return c.Outputs, nil
}

// StartOutputs initialises and connects outs and starts their flush loops. nodeTag, when set, is added to
// every metric as gatherd_node (for debugging: it makes a series change when its input moves).
func StartOutputs(outs []*models.RunningOutput, nodeTag string, log zerolog.Logger, reg prometheus.Registerer) (*Outputs, error) {
	o := &Outputs{outs: outs, nodeTag: nodeTag, log: log, dropped: make([]atomic.Uint64, len(outs)), stop: make(chan struct{})}
	for _, ro := range outs {
		if err := ro.Init(); err != nil {
			return nil, fmt.Errorf("output %s: init: %w", ro.LogName(), err)
		}
		if err := ro.Connect(); err != nil {
			// Write retries the connection, so a database that is down at start is not fatal.
			log.Warn().Err(err).Str("output", ro.LogName()).Msg("output not connected yet; retrying on each flush")
		}
	}
	for i, ro := range outs {
		o.wg.Add(1)
		go o.flushLoop(i, ro)
	}
	if reg != nil {
		for i, ro := range outs {
			labels := prometheus.Labels{"output": ro.LogName()}
			reg.MustRegister(
				prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gatherd_output_metrics_dropped_total",
					Help: "Metrics dropped because the output's buffer was full.", ConstLabels: labels},
					func() float64 { return float64(o.dropped[i].Load()) }),
				prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "gatherd_output_buffer_length",
					Help: "Metrics waiting in the output's buffer.", ConstLabels: labels},
					func() float64 { return float64(ro.BufferLength()) }),
			)
		}
	}
	return o, nil
}

// Write hands one gather's metrics to every output.
func (o *Outputs) Write(_ string, metrics []telegraf.Metric) {
	for _, m := range metrics {
		if o.nodeTag != "" {
			m.AddTag("gatherd_node", o.nodeTag)
		}
		for i, ro := range o.outs {
			if ro.BufferLength() >= ro.MetricBufferLimit {
				o.dropped[i].Add(1) // the buffer drops its oldest metric to take this one
			}
			if i == len(o.outs)-1 {
				ro.AddMetricNoCopy(m)
			} else {
				ro.AddMetric(m)
			}
		}
	}
}

func (o *Outputs) flushLoop(i int, ro *models.RunningOutput) {
	defer o.wg.Done()
	interval := ro.Config.FlushInterval
	if interval <= 0 {
		interval = 10 * time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-o.stop:
			return
		case <-t.C:
			o.write(ro, ro.Write)
		case <-ro.BatchReady:
			o.write(ro, ro.WriteBatch)
		}
	}
}

func (o *Outputs) write(ro *models.RunningOutput, f func() error) {
	if err := f(); err != nil {
		o.log.Warn().Err(err).Str("output", ro.LogName()).Int("buffered", ro.BufferLength()).Msg("output write failed; will retry")
	}
}

// Close flushes every buffered metric once more and closes the outputs. Call it after the worker stopped.
func (o *Outputs) Close() {
	o.closed.Do(func() {
		close(o.stop)
		o.wg.Wait()
		for _, ro := range o.outs {
			o.write(ro, ro.Write)
			ro.Close()
		}
	})
}
