package logging

import (
	"fmt"
	"io"
	"log"

	"github.com/hashicorp/go-hclog"
	"github.com/rs/zerolog"
)

// HCLog adapts a zerolog logger to hclog.Logger, the interface raft logs through. Key/value pairs become
// zerolog fields; levels map one to one (hclog's trace becomes zerolog's trace).
type HCLog struct {
	z       zerolog.Logger
	name    string
	implied []any
}

// NewHCLog returns an hclog.Logger named name that writes to z.
func NewHCLog(z zerolog.Logger, name string) hclog.Logger {
	return &HCLog{z: z.With().Str("module", name).Logger(), name: name}
}

func toZerolog(l hclog.Level) zerolog.Level {
	switch l {
	case hclog.Trace:
		return zerolog.TraceLevel
	case hclog.Debug:
		return zerolog.DebugLevel
	case hclog.Warn:
		return zerolog.WarnLevel
	case hclog.Error:
		return zerolog.ErrorLevel
	case hclog.Off:
		return zerolog.Disabled
	default:
		return zerolog.InfoLevel
	}
}

func fromZerolog(l zerolog.Level) hclog.Level {
	switch l {
	case zerolog.TraceLevel:
		return hclog.Trace
	case zerolog.DebugLevel:
		return hclog.Debug
	case zerolog.InfoLevel:
		return hclog.Info
	case zerolog.WarnLevel:
		return hclog.Warn
	case zerolog.Disabled:
		return hclog.Off
	default:
		return hclog.Error
	}
}

// Log writes msg at level with args as alternating keys and values.
func (h *HCLog) Log(level hclog.Level, msg string, args ...any) {
	ev := h.z.WithLevel(toZerolog(level))
	if ev == nil {
		return
	}
	addFields(ev, h.implied)
	addFields(ev, args)
	ev.Msg(msg)
}

func addFields(ev *zerolog.Event, args []any) {
	for i := 0; i < len(args); i += 2 {
		key := fmt.Sprint(args[i])
		if i+1 >= len(args) {
			ev.Interface("EXTRA_VALUE_AT_END", args[i])
			return
		}
		switch v := args[i+1].(type) {
		case hclog.Format: // hclog.Fmt("%+v", x): a format and its arguments, rendered as hclog renders them
			if len(v) > 0 {
				if f, ok := v[0].(string); ok {
					ev.Str(key, fmt.Sprintf(f, v[1:]...))
					continue
				}
			}
			ev.Interface(key, []any(v))
		case error:
			ev.AnErr(key, v)
		case fmt.Stringer:
			ev.Stringer(key, v)
		default:
			ev.Interface(key, v)
		}
	}
}

func (h *HCLog) Trace(msg string, args ...any) { h.Log(hclog.Trace, msg, args...) }
func (h *HCLog) Debug(msg string, args ...any) { h.Log(hclog.Debug, msg, args...) }
func (h *HCLog) Info(msg string, args ...any)  { h.Log(hclog.Info, msg, args...) }
func (h *HCLog) Warn(msg string, args ...any)  { h.Log(hclog.Warn, msg, args...) }
func (h *HCLog) Error(msg string, args ...any) { h.Log(hclog.Error, msg, args...) }

func (h *HCLog) enabled(l zerolog.Level) bool { return h.z.GetLevel() <= l }
func (h *HCLog) IsTrace() bool                { return h.enabled(zerolog.TraceLevel) }
func (h *HCLog) IsDebug() bool                { return h.enabled(zerolog.DebugLevel) }
func (h *HCLog) IsInfo() bool                 { return h.enabled(zerolog.InfoLevel) }
func (h *HCLog) IsWarn() bool                 { return h.enabled(zerolog.WarnLevel) }
func (h *HCLog) IsError() bool                { return h.enabled(zerolog.ErrorLevel) }

// ImpliedArgs returns the fields added by With.
func (h *HCLog) ImpliedArgs() []any { return h.implied }

// With returns a logger that adds args to every line.
func (h *HCLog) With(args ...any) hclog.Logger {
	c := *h
	c.implied = append(append([]any(nil), h.implied...), args...)
	return &c
}

// Name returns the logger's name.
func (h *HCLog) Name() string { return h.name }

// Named returns a logger whose name is this one's with name appended.
func (h *HCLog) Named(name string) hclog.Logger {
	if h.name != "" {
		name = h.name + "." + name
	}
	return h.ResetNamed(name)
}

// ResetNamed returns a logger named name.
func (h *HCLog) ResetNamed(name string) hclog.Logger {
	c := *h
	c.name = name
	c.z = h.z.With().Str("module", name).Logger()
	return &c
}

// SetLevel changes the level of this logger only.
func (h *HCLog) SetLevel(level hclog.Level) { h.z = h.z.Level(toZerolog(level)) }

// GetLevel returns the level in force.
func (h *HCLog) GetLevel() hclog.Level { return fromZerolog(h.z.GetLevel()) }

// StandardLogger returns a standard library logger that writes through this adapter.
func (h *HCLog) StandardLogger(opts *hclog.StandardLoggerOptions) *log.Logger {
	return log.New(h.StandardWriter(opts), "", 0)
}

// StandardWriter returns a writer whose lines are parsed for a "[LEVEL]" prefix like memberlist's.
func (h *HCLog) StandardWriter(*hclog.StandardLoggerOptions) io.Writer {
	return &LevelWriter{Logger: h.z}
}
