package main

import (
	"runtime/debug"
	"testing"
)

func TestGCPercentDefaultsTo200UnlessGOGCIsSet(t *testing.T) {
	prev := debug.SetGCPercent(100)
	defer debug.SetGCPercent(prev)

	t.Setenv("GOGC", "")
	setGCPercent()
	if got := debug.SetGCPercent(100); got != defaultGCPercent {
		t.Errorf("without GOGC: GC percent %d, want %d", got, defaultGCPercent)
	}

	t.Setenv("GOGC", "50") // the runtime read it at start; setGCPercent must leave the operator's value alone
	debug.SetGCPercent(50)
	setGCPercent()
	if got := debug.SetGCPercent(100); got != 50 {
		t.Errorf("with GOGC=50: GC percent %d, want 50", got)
	}
}
