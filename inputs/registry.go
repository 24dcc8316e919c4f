package inputs

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/influxdata/telegraf"
)

// Spec is what a factory needs of an input.
type Spec struct {
	ID       string
	Interval time.Duration   // 0 when unknown (validation only)
	Config   json.RawMessage // a JSON object, possibly empty
	// NoInit asks for keys and types to be checked only: the instance is for validation, never run, and its
	// Init (which may open the files its config names) must not be called.
	NoInit bool
	// Validation says the instance is only checked, never run: a factory skips an Init that would talk to the
	// network or start goroutines nothing stops (Telegraf's cookie login does both).
	Validation bool
	// AllowTargets are the link-local prefixes the node allows (--allow-targets): a redirect elsewhere in
	// link-local space is refused.
	AllowTargets []netip.Prefix
}

// Factory builds a plugin instance for one input. It validates the config and initialises the plugin, but
// must not start it or do network I/O.
type Factory func(s Spec) (telegraf.Input, error)

// Registry maps plugin names to factories. The zero value is empty and ready to use.
type Registry struct {
	mu sync.RWMutex
	m  map[string]Factory
}

// Add registers a factory under name, replacing any earlier one.
func (r *Registry) Add(name string, f Factory) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = map[string]Factory{}
	}
	r.m[name] = f
}

// Names returns the registered plugin names, sorted.
func (r *Registry) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	names := make([]string, 0, len(r.m))
	for n := range r.m {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Has reports whether name is registered.
func (r *Registry) Has(name string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	_, ok := r.m[name]
	return ok
}

// UnknownPluginError names a plugin the registry lacks and the ones it has.
type UnknownPluginError struct {
	Plugin    string
	Available []string
}

func (e *UnknownPluginError) Error() string {
	return fmt.Sprintf("unknown plugin %q (available: %s)", e.Plugin, strings.Join(e.Available, ", "))
}

// Build makes an instance of plugin name for the input s.
func (r *Registry) Build(name string, s Spec) (telegraf.Input, error) {
	r.mu.RLock()
	f, ok := r.m[name]
	r.mu.RUnlock()
	if !ok {
		return nil, &UnknownPluginError{Plugin: name, Available: r.Names()}
	}
	return f(s)
}
