package store

import (
	"encoding/json"
	"fmt"
	"regexp"
	"time"
)

// Input is the desired spec of one input. Version is the raft index of the entry that last wrote it, so it
// rises with every change and is the same on every node.
type Input struct {
	ID       string          `json:"id"`
	Plugin   string          `json:"plugin"`
	Interval Duration        `json:"interval"`
	Timeout  Duration        `json:"timeout,omitempty"`
	Jitter   Duration        `json:"jitter,omitempty"`
	Config   json.RawMessage `json:"config,omitempty"`
	// Group is the ID of the Telegraf table (or batch entry) this input was split from, one input per target.
	Group string `json:"group,omitempty"`
	// Source names what applied the input (a file, a directory, a tool; "api" by default): an apply with prune
	// makes a source's inputs equal to what it sends, and never touches another source's.
	Source  string `json:"source,omitempty"`
	Version uint64 `json:"version"`
}

// Limits on an input spec, enforced by Validate.
const (
	MinInterval = 100 * time.Millisecond
	MaxInterval = 24 * time.Hour
	MaxIDLength = 128
)

var idPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}$`)

// FieldError says which field of a spec is wrong and why; the API turns it into a 400.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// ValidID reports whether id may name an input (or a node): 1 to 128 of [A-Za-z0-9._-].
func ValidID(id string) bool { return idPattern.MatchString(id) }

// Validate checks a spec as submitted: an ID in [A-Za-z0-9._-]{1,128}, a plugin, an interval in
// [100ms, 24h], a timeout no longer than the interval, a jitter shorter than the interval, and a config that
// is a JSON object when present.
func (in *Input) Validate() error {
	switch {
	case !ValidID(in.ID):
		return &FieldError{"id", fmt.Sprintf("%q must be 1 to %d characters of A-Z a-z 0-9 . _ -", in.ID, MaxIDLength)}
	case in.Plugin == "":
		return &FieldError{"plugin", "is required"}
	case in.Interval.D() < MinInterval:
		return &FieldError{"interval", fmt.Sprintf("%s is under the minimum of %s", in.Interval.D(), MinInterval)}
	case in.Interval.D() > MaxInterval:
		return &FieldError{"interval", fmt.Sprintf("%s is over the maximum of %s", in.Interval.D(), MaxInterval)}
	case in.Timeout.D() < 0:
		return &FieldError{"timeout", "must not be negative"}
	case in.Timeout.D() > in.Interval.D():
		return &FieldError{"timeout", fmt.Sprintf("%s is longer than the interval %s", in.Timeout.D(), in.Interval.D())}
	case in.Jitter.D() < 0 || in.Jitter.D() >= in.Interval.D():
		return &FieldError{"jitter", fmt.Sprintf("%s must be at least 0 and shorter than the interval %s", in.Jitter.D(), in.Interval.D())}
	}
	if len(in.Config) > 0 {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(in.Config, &obj); err != nil || obj == nil {
			return &FieldError{"config", "must be a JSON object"}
		}
	}
	return nil
}
