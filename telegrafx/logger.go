package telegrafx

import (
	"bytes"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/influxdata/telegraf"
	tlog "github.com/influxdata/telegraf/logger"
	"github.com/rs/zerolog"
)

// pluginLogger is the telegraf.Logger a plugin gets: zerolog lines carrying the input ID, and a count of the
// errors it logged, because many plugins report a failed gather only by logging it.
type pluginLogger struct {
	z      zerolog.Logger
	errors atomic.Uint64
	last   atomic.Pointer[string]
}

func newPluginLogger(z zerolog.Logger) *pluginLogger { return &pluginLogger{z: z} }

func (l *pluginLogger) Level() telegraf.LogLevel {
	switch l.z.GetLevel() {
	case zerolog.TraceLevel:
		return telegraf.Trace
	case zerolog.DebugLevel:
		return telegraf.Debug
	case zerolog.InfoLevel:
		return telegraf.Info
	case zerolog.WarnLevel:
		return telegraf.Warn
	default:
		return telegraf.Error
	}
}

func (l *pluginLogger) AddAttribute(key string, value any) {
	l.z = l.z.With().Interface(key, value).Logger()
}

func (l *pluginLogger) Errorf(format string, args ...any) { l.error(fmt.Sprintf(format, args...)) }
func (l *pluginLogger) Error(args ...any)                 { l.error(fmt.Sprint(args...)) }
func (l *pluginLogger) error(msg string) {
	l.errors.Add(1)
	l.last.Store(&msg)
	l.z.Error().Msg(msg)
}
func (l *pluginLogger) Warnf(format string, args ...any)  { l.z.Warn().Msgf(format, args...) }
func (l *pluginLogger) Warn(args ...any)                  { l.z.Warn().Msg(fmt.Sprint(args...)) }
func (l *pluginLogger) Infof(format string, args ...any)  { l.z.Info().Msgf(format, args...) }
func (l *pluginLogger) Info(args ...any)                  { l.z.Info().Msg(fmt.Sprint(args...)) }
func (l *pluginLogger) Debugf(format string, args ...any) { l.z.Debug().Msgf(format, args...) }
func (l *pluginLogger) Debug(args ...any)                 { l.z.Debug().Msg(fmt.Sprint(args...)) }
func (l *pluginLogger) Tracef(format string, args ...any) { l.z.Trace().Msgf(format, args...) }
func (l *pluginLogger) Trace(args ...any)                 { l.z.Trace().Msg(fmt.Sprint(args...)) }

// lastError returns the latest logged error message.
func (l *pluginLogger) lastError() string {
	if p := l.last.Load(); p != nil {
		return *p
	}
	return ""
}

// RedirectTelegrafLogging sends Telegraf's global logger (and the standard log package, which Telegraf
// captures) to z. Until this runs, Telegraf buffers every line in memory, so call it at startup.
func RedirectTelegrafLogging(z zerolog.Logger) {
	tlog.RedirectLogging(&telegrafWriter{z: z.With().Str("module", "telegraf").Logger()})
}

// telegrafWriter parses Telegraf's "<time> <E!|W!|I!|D!|T!> message" lines into zerolog events.
type telegrafWriter struct{ z zerolog.Logger }

var indicators = map[string]zerolog.Level{
	"E!": zerolog.ErrorLevel, "W!": zerolog.WarnLevel, "I!": zerolog.InfoLevel, "D!": zerolog.DebugLevel, "T!": zerolog.TraceLevel,
}

func (w *telegrafWriter) Write(p []byte) (int, error) {
	for line := range bytes.SplitSeq(p, []byte{'\n'}) {
		s := strings.TrimSpace(string(line))
		if s == "" {
			continue
		}
		level := zerolog.InfoLevel
		fields := strings.SplitN(s, " ", 3)
		if len(fields) == 3 {
			if l, ok := indicators[fields[1]]; ok {
				level, s = l, fields[2]
			}
		}
		w.z.WithLevel(level).Msg(s)
	}
	return len(p), nil
}
