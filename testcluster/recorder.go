package testcluster

import (
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/influxdata/telegraf"

	"github.com/gatherd/gatherd/inputs"
	"github.com/gatherd/gatherd/policy"
)

// RecordPlugin is the name of the recording test plugin every testcluster node carries.
const RecordPlugin = "record"

// Audit is the security audit of every plugin a testcluster node carries: Telegraf's and the recorder, whose
// only option names the key it records under.
var Audit = policy.Telegraf.With(policy.Table{RecordPlugin: {Options: map[string]policy.Class{"key": policy.Safe, "delay": policy.Safe, "build_delay": policy.Safe}}})

// Hit is one gather the recorder saw.
type Hit struct {
	Node string
	At   time.Time
}

// Recorder counts gathers by the key in the input's config, on the target's side: it is the thing being
// collected from, shared by every node of the cluster.
type Recorder struct {
	mu   sync.Mutex
	hits map[string][]Hit
}

// NewRecorder returns an empty recorder.
func NewRecorder() *Recorder { return &Recorder{hits: map[string][]Hit{}} }

// Hits returns a copy of the gathers of key.
func (r *Recorder) Hits(key string) []Hit {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Hit(nil), r.hits[key]...)
}

// Reset forgets every gather.
func (r *Recorder) Reset() {
	r.mu.Lock()
	clear(r.hits)
	r.mu.Unlock()
}

// Register adds the recording plugin, labelled with node, to a node's registry.
func (r *Recorder) Register(reg *inputs.Registry, node string) {
	reg.Add(RecordPlugin, func(s inputs.Spec) (telegraf.Input, error) {
		cfg := s.Config
		var c struct {
			Key   string `json:"key"`
			Delay string `json:"delay"` // how long a gather takes: what it costs
			// BuildDelay is how long building the input takes, as building thousands of Telegraf plugins at
			// once does on a node taking them over.
			BuildDelay string `json:"build_delay"`
		}
		if len(cfg) > 0 {
			if err := json.Unmarshal(cfg, &c); err != nil {
				return nil, fmt.Errorf("record: %w", err)
			}
		}
		if c.Key == "" {
			return nil, fmt.Errorf("record: key is required")
		}
		delay, err := parseDelay("delay", c.Delay)
		if err != nil {
			return nil, err
		}
		build, err := parseDelay("build_delay", c.BuildDelay)
		if err != nil {
			return nil, err
		}
		if !s.Validation && !s.NoInit {
			time.Sleep(build)
		}
		return &recordInput{r: r, key: c.Key, node: node, delay: delay}, nil
	})
}

func parseDelay(key, v string) (time.Duration, error) {
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("record: %s %q is not a duration", key, v)
	}
	return d, nil
}

type recordInput struct {
	r         *Recorder
	key, node string
	delay     time.Duration
}

func (p *recordInput) SampleConfig() string { return `key = "input-id"` }

func (p *recordInput) Gather(acc telegraf.Accumulator) error {
	now := time.Now()
	p.r.mu.Lock()
	p.r.hits[p.key] = append(p.r.hits[p.key], Hit{Node: p.node, At: now})
	p.r.mu.Unlock()
	time.Sleep(p.delay) // after the hit: the slot is recorded at its time, the cost is the gather's
	acc.AddFields("record", map[string]any{"value": 1}, map[string]string{"key": p.key})
	return nil
}

// RecordSpec returns the JSON body of an input that records under its own ID.
func RecordSpec(id string, interval time.Duration) map[string]any {
	return map[string]any{"id": id, "plugin": RecordPlugin, "interval": interval.String(), "config": map[string]string{"key": id}}
}
