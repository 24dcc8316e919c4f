package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// result is what one mode measured. The child fills the first group and
// prints it as one JSON line; the parent adds the target's view.
type result struct {
	Mode      string  `json:"mode"`
	N         int     `json:"n"`
	ReadySec  float64 `json:"ready_sec"`  // building and starting every input
	WindowSec float64 `json:"window_sec"` // measured wall time
	CPUSec    float64 `json:"cpu_sec"`    // user+sys of the child in the window

	RSSBaseKiB uint64 `json:"rss_base_kib"` // before any input existed
	RSSMaxKiB  uint64 `json:"rss_max_kib"`  // peak of the per-second samples in the window
	RSSEndKiB  uint64 `json:"rss_end_kib"`
	HWMKiB     uint64 `json:"hwm_kib"`
	HeapInuse  uint64 `json:"heap_inuse"`
	StackInuse uint64 `json:"stack_inuse"`
	Goroutines int    `json:"goroutines"`

	Results uint64    `json:"results"` // http_response metrics timestamped in the window
	Failed  uint64    `json:"failed"`  // of which result_code != 0
	Codes   [8]uint64 `json:"codes"`   // by result_code; 7 = anything else
	Errors  uint64    `json:"errors"`  // worker errors+overruns, or agent warn/error log lines

	// Filled in by the parent from the target.
	Gathers      uint64  `json:"-"`
	Silent       int     `json:"-"`
	Short        int     `json:"-"`
	TargetCPUSec float64 `json:"-"`
	TargetErrs   uint64  `json:"-"`
}

// cpuPerGatherMs divides by gathers the target saw: a gather that never
// reached it (dropped SYN, timed out in connect) still cost CPU, so failures
// make this figure worse, as they should.
func (r *result) cpuPerGatherMs() float64 {
	if r.Gathers == 0 {
		return 0
	}
	return r.CPUSec * 1000 / float64(r.Gathers)
}

func (r *result) kibPerInput() float64 {
	if r.N == 0 || r.RSSMaxKiB < r.RSSBaseKiB {
		return 0
	}
	return float64(r.RSSMaxKiB-r.RSSBaseKiB) / float64(r.N)
}

// resultNames are http_response's result_code values.
var resultNames = [8]string{"success", "response_string_mismatch", "body_read_error", "connection_failed",
	"timeout", "dns_error", "response_status_code_mismatch", "other"}

func (r *result) failedKinds() string {
	var parts []string
	for code, n := range r.Codes {
		if code != 0 && n > 0 {
			parts = append(parts, fmt.Sprintf("%s=%d", resultNames[code], n))
		}
	}
	return strings.Join(parts, " ")
}

// procStatus reads VmRSS and VmHWM (KiB) of this process.
func procStatus() (rss, hwm uint64) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		n, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmRSS":
			rss = n
		case "VmHWM":
			hwm = n
		}
	}
	return rss, hwm
}

// cpuTime is user+sys time of this whole process (every thread).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// raiseNoFile lifts the soft open-file limit to the hard one: every
// http_response gather opens a fresh connection (the plugin disables
// keep-alives), and the aligned mode opens all N at once.
func raiseNoFile() {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return
	}
	if l.Cur < l.Max {
		l.Cur = l.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
	}
}
