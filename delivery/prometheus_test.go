package delivery

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatherd/gatherd/testcluster"
)

// remoteWriteOutputs is the README's Prometheus remote-write output, with a disk buffer.
func remoteWriteOutputs(p *testcluster.Prometheus) string {
	return fmt.Sprintf(`[agent]
  buffer_strategy = "disk"

[[outputs.http]]
  url = "%s/api/v1/write"
  data_format = "prometheusremotewrite"
  flush_interval = "1s"
  timeout = "2s"
  non_retryable_statuscodes = [400]
  [outputs.http.headers]
    Content-Type = "application/x-protobuf"
    Content-Encoding = "snappy"
    X-Prometheus-Remote-Write-Version = "0.1.0"
`, p.URL)
}

// Through remote write, an input's series is the same series whichever node gathers it: the node that runs
// an input is killed with kill -9 (and started again on its data dir, delivering what it buffered), and each
// input keeps one series, with the same labels, without a gap longer than one slot.
func TestRemoteWriteSeriesSurviveANodeKill(t *testing.T) {
	p := testcluster.StartPrometheus(t)
	tg := newTarget(t)
	ns := startNodes(t, 3, remoteWriteOutputs(p), nil)
	const interval = 5 * time.Second
	ids := applyProbes(t, ns[0], tg, "prom", 3, interval)
	const metricName = "http_response_response_time"

	samples := func() map[string]PromInput {
		s, err := p.Samples(metricName+"[10m]", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return byInput(t, s)
	}
	wait(t, "three samples of each input in Prometheus", 60*time.Second, func() error {
		got := samples()
		for _, id := range ids {
			if len(got[id].Times) < 3 {
				return fmt.Errorf("%s: %d samples", id, len(got[id].Times))
			}
		}
		return nil
	})
	before := samples()

	victim := owner(t, ns, ids[0])
	killed := time.Now()
	victim.kill()
	wait(t, "the victim's inputs gathered elsewhere", 30*time.Second, func() error {
		if o := owner(t, ns, ids[0]); o == victim {
			return fmt.Errorf("%s still on %s", ids[0], victim.id)
		}
		return nil
	})
	victim.start()
	// Four more slots after the kill.
	wait(t, "four slots after the kill in Prometheus", 60*time.Second, func() error {
		got := samples()
		for _, id := range ids {
			ts := got[id].Times
			if len(ts) == 0 || ts[len(ts)-1].Before(killed.Add(4*interval)) {
				return fmt.Errorf("%s: last sample %v", id, ts)
			}
		}
		return nil
	})
	after := samples()
	for _, id := range ids {
		if !slices.Equal(after[id].Labels, before[id].Labels) || len(after[id].Labels) == 0 {
			t.Errorf("%s: labels before the kill %v, after %v", id, before[id].Labels, after[id].Labels)
		}
		for _, l := range after[id].Labels {
			if strings.HasPrefix(l, "gatherd_node=") || strings.HasPrefix(l, "host=") || strings.HasPrefix(l, "instance=") {
				t.Errorf("%s: series carries the collecting node: %v", id, after[id].Labels)
			}
		}
		ts := after[id].Times
		var widest time.Duration
		for i := 1; i < len(ts); i++ {
			gap := ts[i].Sub(ts[i-1])
			widest = max(widest, gap)
			if gap > 2*interval {
				t.Errorf("%s: %s without a sample (%s to %s): more than one slot missing across the kill at %s",
					id, gap, ts[i-1].Format(time.TimeOnly), ts[i].Format(time.TimeOnly), killed.Format(time.TimeOnly))
			}
		}
		t.Logf("%s: %d samples, widest gap %s, one series %v", id, len(ts), widest, after[id].Labels)
	}
}

// PromInput is one input's series in Prometheus: its labels (sorted name=value, without __name__) and times.
type PromInput struct {
	Labels []string
	Times  []time.Time
}

// byInput groups range-vector samples by input (the probe URL's last element); an input with more than one
// series fails the test.
func byInput(t *testing.T, series []testcluster.PromSeries) map[string]PromInput {
	t.Helper()
	out := map[string]PromInput{}
	for _, s := range series {
		server := s.Metric["server"]
		id := server[strings.LastIndex(server, "/")+1:]
		if _, dup := out[id]; dup {
			t.Fatalf("%s has more than one series: %v", id, series)
		}
		var in PromInput
		for k, v := range s.Metric {
			if k != "__name__" {
				in.Labels = append(in.Labels, k+"="+v)
			}
		}
		slices.Sort(in.Labels)
		for _, v := range s.Values {
			f, _ := v[0].(float64)
			in.Times = append(in.Times, time.UnixMilli(int64(f*1000)))
		}
		out[id] = in
	}
	return out
}
