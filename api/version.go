package api

import (
	"runtime/debug"
	"sync"
)

// Version is this binary's version as GET /v1/nodes shows it: the main module's version, or, for a build from a
// checkout, its commit (with "+dirty" when the tree had changes); "devel" when the build recorded neither.
var Version = sync.OnceValue(func() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	var rev, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	switch {
	case bi.Main.Version != "" && bi.Main.Version != "(devel)":
		return bi.Main.Version
	case rev != "":
		return rev[:min(12, len(rev))] + dirty
	}
	return "devel"
})
