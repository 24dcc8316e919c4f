package telegrafx

import (
	"fmt"
	"slices"

	"github.com/influxdata/telegraf/config"
	"github.com/influxdata/telegraf/models"
	"github.com/pelletier/go-toml/v2"
)

// Buffer strategies: Telegraf's own key and values (buffer_strategy = "memory" | "disk").
const (
	BufferMemory = "memory"
	BufferDisk   = "disk"
)

// DefaultBufferSizeLimit caps an output's disk buffer when buffer_size_limit is not set.
const DefaultBufferSizeLimit = 64 << 20

// BufferConfig is where an output buffers what it has not written yet.
type BufferConfig struct {
	Strategy string // BufferMemory or BufferDisk
	// Directory holds the output's disk buffer (in a folder of its own under it); empty: "outputs" under the
	// node's data dir.
	Directory string
	// SizeLimit caps the disk buffer in bytes; the oldest metrics are dropped beyond it.
	SizeLimit int64
}

// Output is one [[outputs.X]] table: Telegraf's running output and where it buffers.
type Output struct {
	*models.RunningOutput
	Buffer BufferConfig
}

// bufferKeys are read by gatherd and kept from Telegraf, whose own disk buffer is not used (see diskqueue).
var bufferKeys = []string{"buffer_strategy", "buffer_directory", "buffer_size_limit"}

// ParseOutputs reads the [[outputs.X]] tables of a Telegraf-syntax document, and buffer_strategy,
// buffer_directory and buffer_size_limit from its [agent] table (defaults for every output, which a table
// overrides); every other table or key in it is ignored, so the agent's own settings may share the file.
// Unlike submitted inputs, ${VAR} is allowed here: this is the node operator's own file.
func ParseOutputs(doc []byte) ([]*Output, error) {
	var all map[string]any
	if err := toml.Unmarshal(doc, &all); err != nil {
		return nil, fmt.Errorf("outputs: %w", err)
	}
	defaults := BufferConfig{Strategy: BufferMemory, SizeLimit: DefaultBufferSizeLimit}
	if agent, ok := all["agent"].(map[string]any); ok {
		var err error
		if defaults, err = bufferConfig(agent, defaults, "agent"); err != nil {
			return nil, err
		}
	}
	tables, ok := all["outputs"].(map[string]any)
	if !ok {
		if _, present := all["outputs"]; present {
			return nil, fmt.Errorf("outputs: want [[outputs.NAME]] tables")
		}
		return nil, nil
	}
	names := make([]string, 0, len(tables))
	for name := range tables {
		names = append(names, name)
	}
	slices.Sort(names) // Telegraf's loader walks a map: one table at a time keeps each buffer with its output
	var outs []*Output
	for _, name := range names {
		list, ok := tables[name].([]any)
		if !ok {
			return nil, fmt.Errorf("outputs.%s: want [[outputs.%s]] tables", name, name)
		}
		for _, t := range list {
			tbl, ok := t.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("outputs.%s: want [[outputs.%s]] tables", name, name)
			}
			buf, err := bufferConfig(tbl, defaults, "outputs."+name)
			if err != nil {
				return nil, err
			}
			ro, err := loadOutput(name, tbl)
			if err != nil {
				return nil, err
			}
			ro.Config.BufferStrategy = buf.Strategy // informational: Telegraf built a memory buffer
			outs = append(outs, &Output{RunningOutput: ro, Buffer: buf})
		}
	}
	return outs, nil
}

// bufferConfig reads (and removes) the buffer keys of a table over base.
func bufferConfig(tbl map[string]any, base BufferConfig, where string) (BufferConfig, error) {
	c := base
	if v, ok := tbl["buffer_strategy"]; ok {
		s, _ := v.(string)
		switch s {
		case BufferMemory:
			c.Strategy = BufferMemory
		case BufferDisk, "disk_write_through": // Telegraf's alias for disk
			c.Strategy = BufferDisk
		default:
			return c, fmt.Errorf("%s: buffer_strategy: %v: want %q or %q", where, v, BufferMemory, BufferDisk)
		}
	}
	if v, ok := tbl["buffer_directory"]; ok {
		s, _ := v.(string)
		if s == "" {
			return c, fmt.Errorf("%s: buffer_directory: want a path", where)
		}
		c.Directory = s
	}
	if v, ok := tbl["buffer_size_limit"]; ok {
		var size config.Size
		if err := size.UnmarshalText([]byte(fmt.Sprint(v))); err != nil || size <= 0 {
			return c, fmt.Errorf("%s: buffer_size_limit: %v: want a positive size such as 64MiB", where, v)
		}
		c.SizeLimit = int64(size)
	}
	for _, k := range bufferKeys {
		delete(tbl, k)
	}
	return c, nil
}

// loadOutput builds one output through Telegraf's config loader.
func loadOutput(name string, tbl map[string]any) (*models.RunningOutput, error) {
	only, err := toml.Marshal(map[string]any{"outputs": map[string]any{name: []any{tbl}}})
	if err != nil {
		return nil, fmt.Errorf("outputs.%s: %w", name, err)
	}
	c := config.NewConfig()
	c.Agent.OmitHostname = true
	if err := c.LoadConfigData(only, "gatherd"); err != nil {
		return nil, fmt.Errorf("outputs: %w", err)
	}
	if len(c.Outputs) != 1 {
		return nil, fmt.Errorf("outputs.%s: %d outputs from one table", name, len(c.Outputs))
	}
	return c.Outputs[0], nil
}
