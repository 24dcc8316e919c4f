package logging

import (
	"bytes"
	"strings"

	"github.com/rs/zerolog"
)

// LevelWriter turns lines in the "[LEVEL] module: message" form that memberlist and raft's transports write
// through the standard log package into zerolog events at the matching level. Lines without a level prefix
// are logged at info.
type LevelWriter struct {
	Logger zerolog.Logger
}

// Write logs each line of p; it never fails, so the caller's logging cannot block or error.
func (w *LevelWriter) Write(p []byte) (int, error) {
	for line := range bytes.SplitSeq(p, []byte{'\n'}) {
		s := strings.TrimSpace(string(line))
		if s == "" {
			continue
		}
		lvl, msg := splitLevel(s)
		w.Logger.WithLevel(lvl).Msg(msg)
	}
	return len(p), nil
}

var levelPrefixes = []struct {
	prefix string
	level  zerolog.Level
}{
	{"[TRACE]", zerolog.TraceLevel},
	{"[DEBUG]", zerolog.DebugLevel},
	{"[INFO]", zerolog.InfoLevel},
	{"[WARN]", zerolog.WarnLevel},
	{"[ERR]", zerolog.ErrorLevel},
	{"[ERROR]", zerolog.ErrorLevel},
}

func splitLevel(s string) (zerolog.Level, string) {
	for _, p := range levelPrefixes {
		if rest, ok := strings.CutPrefix(s, p.prefix); ok {
			return p.level, strings.TrimSpace(rest)
		}
	}
	return zerolog.InfoLevel, s
}
