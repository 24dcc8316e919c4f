package logging

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/rs/zerolog"
)

// timeFormat is RFC 3339 with milliseconds, in UTC or the zone of the node: a failover takes about a second,
// and its steps (suspect, dead, placement, commit) are told apart by their log times.
const timeFormat = "2006-01-02T15:04:05.000Z07:00"

// zerolog's time format is a package variable: set once, before any logger writes, not in New.
func init() { zerolog.TimeFieldFormat = timeFormat }

// New returns a logger writing to w at the named level ("debug", "info", "warn", "error").
// format "console" writes human-readable lines; anything else writes JSON lines.
func New(w io.Writer, level, format string) (zerolog.Logger, error) {
	lvl, err := zerolog.ParseLevel(strings.ToLower(level))
	if err != nil || lvl == zerolog.NoLevel {
		return zerolog.Nop(), fmt.Errorf("invalid log level %q: want debug, info, warn or error", level)
	}
	if w == nil {
		w = os.Stderr
	}
	if format == "console" {
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: timeFormat}
	}
	return zerolog.New(w).Level(lvl).With().Timestamp().Logger(), nil
}
