package telegrafx

import (
	"fmt"
	"testing"
	"time"

	"github.com/influxdata/telegraf"
	"github.com/influxdata/telegraf/metric"
	"github.com/rs/zerolog"
)

// BenchmarkOutputBuffer writes gathers of 10 http_response-like metrics through an output's buffer, memory
// and disk in the same run, to a file output on /dev/null (line protocol), and reports metrics/s from the
// first Write until the output accepted the last metric.
func BenchmarkOutputBuffer(b *testing.B) {
	for _, strategy := range []string{BufferMemory, BufferDisk} {
		b.Run(strategy, func(b *testing.B) {
			outs, err := ParseOutputs([]byte(fmt.Sprintf(`[[outputs.file]]
  files = ["/dev/null"]
  data_format = "influx"
  flush_interval = "100ms"
  metric_batch_size = 1000
  metric_buffer_limit = %d
  buffer_strategy = %q
  buffer_size_limit = "4GiB"
`, max(10000, 10*b.N), strategy)))
			if err != nil {
				b.Fatal(err)
			}
			o, err := StartOutputs(outs, "", b.TempDir(), zerolog.Nop(), nil)
			if err != nil {
				b.Fatal(err)
			}
			defer o.Close()
			const perGather = 10
			sample := func(i, j int) telegraf.Metric {
				return metric.New("http_response",
					map[string]string{"server": fmt.Sprintf("http://10.0.0.%d/probe", j), "method": "GET", "result": "success", "status_code": "200"},
					map[string]any{"response_time": 0.0123, "http_response_code": int64(200), "content_length": int64(2), "result_code": int64(0)},
					time.Unix(1700000000+int64(i), 0))
			}
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for i := range b.N {
				batch := make([]telegraf.Metric, perGather)
				for j := range batch {
					batch[j] = sample(i, j)
				}
				o.Write("bench", batch)
			}
			want := uint64(b.N * perGather)
			for o.Health()[0].Written < want {
				time.Sleep(10 * time.Millisecond)
			}
			b.ReportMetric(float64(want)/time.Since(start).Seconds(), "metrics/s")
			if strategy == BufferDisk {
				rec, _ := encodeMetric(nil, sample(0, 0))
				b.ReportMetric(float64(len(rec)+8), "bytes/metric-on-disk") // + the queue's record header
			}

		})
	}
}
