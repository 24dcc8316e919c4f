package telegrafx

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	"github.com/influxdata/telegraf"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/gatherd/gatherd/diskqueue"
)

// DevOutputs is the output a --dev node uses when none is configured: line protocol on stdout.
const DevOutputs = `[[outputs.file]]
  files = ["stdout"]
  data_format = "influx"
`

const (
	// syncInterval is how often a disk buffer is fsynced. Every gather is written to the file at once (so a
	// killed process loses nothing); the fsync bounds what a power loss or kernel crash can take.
	syncInterval = time.Second
	// closeDrain bounds how long Close keeps writing a disk buffer's backlog; the rest waits on disk.
	closeDrain = 5 * time.Second
	// warnEvery rate-limits the warning about dropped metrics.
	warnEvery = 10 * time.Second
)

// Outputs is a worker.Sink that fans every gathered metric out to Telegraf output plugins. Each output
// buffers what it has not written yet, in memory (metric_buffer_limit, default 10000 metrics) or on disk
// (buffer_strategy = "disk", buffer_size_limit bytes under buffer_directory); a full buffer drops its oldest
// metrics. It writes in batches (metric_batch_size) when a batch is full or every flush_interval, keeps failed
// batches for the next flush, and is flushed on Close. A disk buffer survives the process: what a killed node
// held is written once it starts again on the same directory (at-least-once: a batch written just before a
// crash may be written again, as the same points).
type Outputs struct {
	outs    []*output
	nodeTag string
	log     zerolog.Logger
	stop    chan struct{}
	wg      sync.WaitGroup
	closed  sync.Once
}

// OutputNames returns the Telegraf output plugins linked into this binary.
func OutputNames() []string { return sortedKeys(toutputsRegistry()) }

// StartOutputs initialises and connects outs, opens their disk buffers (under dataDir/outputs unless
// buffer_directory says otherwise) and starts their flush loops. nodeTag, when set, is added to every metric
// as gatherd_node (for debugging: it makes a series change when its input moves).
func StartOutputs(outs []*Output, nodeTag, dataDir string, log zerolog.Logger, reg prometheus.Registerer) (*Outputs, error) {
	o := &Outputs{nodeTag: nodeTag, log: log, stop: make(chan struct{})}
	used := map[string]bool{}
	for i, oc := range outs {
		out := &output{Output: oc, name: uniqueName(oc, i, used), ready: make(chan struct{}, 1)}
		out.stats = &writeStats{}
		oc.RunningOutput.Output = &countingOutput{Output: oc.RunningOutput.Output, s: out.stats}
		o.outs = append(o.outs, out)
	}
	dirs := map[string]bool{}
	for _, out := range o.outs {
		if err := out.Init(); err != nil {
			o.closeQueues()
			return nil, fmt.Errorf("output %s: init: %w", out.name, err)
		}
		if out.Buffer.Strategy == BufferDisk {
			if err := out.openQueue(dataDir, dirs); err != nil {
				o.closeQueues()
				return nil, fmt.Errorf("output %s: disk buffer: %w", out.name, err)
			}
		}
		if err := out.Connect(); err != nil {
			// Write retries the connection, so a database that is down at start is not fatal.
			log.Warn().Err(err).Str("output", out.name).Msg("output not connected yet; retrying on each flush")
		}
	}
	for _, out := range o.outs {
		o.wg.Add(1)
		if out.queue != nil {
			go o.diskLoop(out)
		} else {
			go o.memoryLoop(out)
		}
	}
	if reg != nil {
		reg.MustRegister(outputsCollector{o})
	}
	return o, nil
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9_.-]`)

// uniqueName names an output in logs, metrics and the API: its alias, or outputs.NAME, with #N appended when
// two share it.
func uniqueName(oc *Output, i int, used map[string]bool) string {
	name := oc.LogName()
	if oc.Config.Alias != "" {
		name = oc.Config.Alias
	}
	if used[name] {
		name = fmt.Sprintf("%s#%d", name, i)
	}
	used[name] = true
	return name
}

// output is one output with its buffer and counters.
type output struct {
	*Output
	name  string
	stats *writeStats
	ready chan struct{} // disk: a batch is waiting

	queue   *diskqueue.Queue  // nil: the buffer is Telegraf's, in memory
	pending *diskqueue.Cursor // disk: the batch handed to the output, acknowledged once written

	dropped      atomic.Uint64 // memory: metrics the full buffer dropped; disk: unreadable records
	oldest       atomic.Int64  // memory: unix nanoseconds of the oldest metric since the buffer was last empty
	unwarned     atomic.Uint64 // drops not yet reported in a warning
	lastWarn     atomic.Int64
	failing      atomic.Bool   // disk: the last write failed
	failures     atomic.Uint64 // failed writes not yet reported in a warning
	lastFailWarn atomic.Int64
}

// openQueue opens the output's disk buffer in a folder named for the output and its configuration, so a node
// restarted with the same outputs file finds it again.
func (out *output) openQueue(dataDir string, dirs map[string]bool) error {
	base := out.Buffer.Directory
	if base == "" {
		if dataDir == "" {
			return errors.New(`buffer_strategy = "disk" needs a data dir or buffer_directory`)
		}
		base = filepath.Join(dataDir, "outputs")
	}
	dir := out.Config.Name + "-" + out.Config.ID[:min(16, len(out.Config.ID))]
	if out.Config.Alias != "" {
		dir = out.Config.Alias
	}
	dir = filepath.Join(base, unsafeChars.ReplaceAllString(dir, "_"))
	if dirs[dir] {
		return fmt.Errorf("another output buffers in %s (two identical tables?): give them different aliases", dir)
	}
	dirs[dir] = true
	q, err := diskqueue.Open(dir, diskqueue.Options{MaxBytes: out.Buffer.SizeLimit})
	if err != nil {
		return err
	}
	out.queue = q
	return nil
}

// Write hands one gather's metrics to every output.
func (o *Outputs) Write(_ string, metrics []telegraf.Metric) {
	if o.nodeTag != "" {
		for _, m := range metrics {
			m.AddTag("gatherd_node", o.nodeTag)
		}
	}
	// Disk buffers first: they serialize the metrics, which the last memory buffer then takes over.
	var recs [][]byte
	lastMem := -1
	for i, out := range o.outs {
		if out.queue == nil {
			lastMem = i
			continue
		}
		if recs == nil {
			recs = make([][]byte, 0, len(metrics))
			for _, m := range metrics {
				b, err := encodeMetric(nil, m)
				if err != nil {
					o.log.Error().Err(err).Str("metric", m.Name()).Msg("metric not serializable for the disk buffer")
					continue
				}
				recs = append(recs, b)
			}
		}
		dropped, err := out.queue.Append(recs...)
		o.dropped(out, dropped, err)
		// A full batch is written at once, unless the output is failing: then the flush interval paces retries.
		if !out.failing.Load() && out.queue.Stats().Records >= out.MetricBatchSize {
			select {
			case out.ready <- struct{}{}:
			default:
			}
		}
	}
	for _, m := range metrics {
		for i, out := range o.outs {
			if out.queue != nil {
				continue
			}
			if out.BufferLength() >= out.MetricBufferLimit {
				o.dropped(out, 1, nil) // the buffer drops its oldest metric to take this one
			}
			out.oldest.CompareAndSwap(0, m.Time().UnixNano())
			if i == lastMem {
				out.AddMetricNoCopy(m)
			} else {
				out.AddMetric(m)
			}
		}
	}
}

// dropped counts metrics an output lost and warns about them, at most every warnEvery.
func (o *Outputs) dropped(out *output, n int, err error) {
	if out.queue == nil {
		out.dropped.Add(uint64(n))
	}
	if n == 0 && err == nil {
		return
	}
	out.unwarned.Add(uint64(n))
	if !every(&out.lastWarn) {
		return
	}
	ev := o.log.Warn().Str("output", out.name).Uint64("dropped", out.unwarned.Swap(0))
	if err != nil {
		ev = ev.Err(err)
	}
	ev.Msg("output buffer full: oldest metrics dropped")
}

// every reports whether warnEvery passed since it last returned true for last.
func every(last *atomic.Int64) bool {
	now := time.Now().UnixNano()
	l := last.Load()
	return now-l >= int64(warnEvery) && last.CompareAndSwap(l, now)
}

// writeFailed warns that a write failed, at most every warnEvery (the plugin logs each failure itself).
func (o *Outputs) writeFailed(out *output, err error, buffered int) {
	out.failures.Add(1)
	if every(&out.lastFailWarn) {
		o.log.Warn().Err(err).Str("output", out.name).Int("buffered", buffered).Uint64("failed_writes", out.failures.Swap(0)).
			Msg("output write failed; will retry")
	}
}

func (o *Outputs) memoryLoop(out *output) {
	defer o.wg.Done()
	t := time.NewTicker(flushInterval(out))
	defer t.Stop()
	for {
		select {
		case <-o.stop:
			return
		case <-t.C:
			o.writeMemory(out, out.Write)
		case <-out.BatchReady:
			o.writeMemory(out, out.WriteBatch)
		}
	}
}

func flushInterval(out *output) time.Duration {
	if out.Config.FlushInterval > 0 {
		return out.Config.FlushInterval
	}
	return 10 * time.Second
}

func (o *Outputs) writeMemory(out *output, f func() error) {
	if err := f(); err != nil {
		o.writeFailed(out, err, out.BufferLength())
		return
	}
	if out.BufferLength() == 0 {
		out.oldest.Store(0)
	}
}

func (o *Outputs) diskLoop(out *output) {
	defer o.wg.Done()
	t := time.NewTicker(flushInterval(out))
	defer t.Stop()
	sync := time.NewTicker(syncInterval)
	defer sync.Stop()
	for {
		select {
		case <-o.stop:
			return
		case <-t.C:
			o.drain(out, time.Time{})
		case <-out.ready:
			o.drain(out, time.Time{})
		case <-sync.C:
			if err := out.queue.Sync(); err != nil {
				o.log.Warn().Err(err).Str("output", out.name).Msg("disk buffer fsync failed")
			}
		}
	}
}

// drain writes the disk buffer's batches, oldest first, until it is empty, a write fails or deadline (if set)
// passes. A batch is acknowledged (forgotten) only once the output accepted all of it.
func (o *Outputs) drain(out *output, deadline time.Time) {
	for deadline.IsZero() || time.Now().Before(deadline) {
		if out.pending != nil {
			if err := out.Write(); err != nil {
				out.failing.Store(true)
				o.writeFailed(out, err, out.queue.Stats().Records)
				return
			}
			out.failing.Store(false)
			if out.BufferLength() > 0 {
				return // partly written: the rest goes on the next flush
			}
			out.queue.Ack(*out.pending)
			out.pending = nil
		}
		recs, c, err := out.queue.Peek(out.MetricBatchSize)
		if err != nil {
			o.log.Error().Err(err).Str("output", out.name).Msg("disk buffer: unreadable records dropped")
		}
		if len(recs) == 0 {
			return
		}
		for _, r := range recs {
			m, err := decodeMetric(r)
			if err != nil {
				out.dropped.Add(1)
				continue
			}
			out.AddMetricNoCopy(m)
		}
		out.pending = &c
	}
}

// Close flushes what the outputs hold once more (a disk buffer for at most closeDrain; the rest stays on disk
// for the next start) and closes them. Call it after the worker stopped.
func (o *Outputs) Close() {
	o.closed.Do(func() {
		close(o.stop)
		o.wg.Wait()
		for _, out := range o.outs {
			if out.queue != nil {
				o.drain(out, time.Now().Add(closeDrain))
			} else {
				o.writeMemory(out, out.Write)
			}
			out.RunningOutput.Close()
		}
		o.closeQueues()
	})
}

func (o *Outputs) closeQueues() {
	for _, out := range o.outs {
		if out.queue != nil {
			if err := out.queue.Close(); err != nil {
				o.log.Warn().Err(err).Str("output", out.name).Msg("disk buffer close")
			}
		}
	}
}
