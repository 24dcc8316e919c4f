package testcluster

import (
	"bytes"
	"sync"
)

// LogBuffer collects log output that goroutines write while a test reads it, for tests that check what a node
// or server logged (give it to zerolog.New, or to a Configure hook as cfg.Logger).
type LogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns everything written so far.
func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
