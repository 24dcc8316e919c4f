// Command telegrafcmp compares the per-input cost of gatherd's worker with a
// single Telegraf agent (github.com/influxdata/telegraf/agent, built from the
// same module) running the same http_response inputs on the same machine.
//
// Each mode runs in its own child process (this program re-executed with
// -mode), so CPU time and RSS are those of one runtime only, measured by the
// child itself over the same wall-clock window:
//
//   - gatherd: N inputs built with telegrafx.Build and run by worker.Worker
//     (phase-spread slots), metrics to a counting Sink. This is the per-node
//     runtime without raft or outputs.
//   - gatherd-outputs: the same, but the Sink is telegrafx.Outputs with the
//     same discarding Telegraf output the agent modes use, so the metric
//     pipeline (RunningOutput buffer, batches) is paid on both sides.
//   - telegraf: one agent with N [[inputs.http_response]], round_interval and
//     no jitter: every input fires at the same instant each interval.
//   - telegraf-jitter: the same with collection_jitter (default 9 s), the
//     usual fix for that thundering herd.
//
// The parent serves the HTTP target every input polls (one distinct path per
// input, so gathers are counted on the target's side) and prints a table and
// the gatherd/Telegraf ratios. It is a measuring tool: nothing is asserted.
//
//	go run ./bench/telegrafcmp -n 10000          # or: make bench-telegraf
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"text/tabwriter"
	"time"
)

// opts are the flags; the parent passes them on to each child unchanged.
type opts struct {
	mode     string // "" in the parent
	n        int
	interval time.Duration
	duration time.Duration
	timeout  time.Duration
	jitter   time.Duration
	modes    string
	ports    int
	targets  string // child only: comma-separated target addresses
	profile  string // directory for per-mode CPU profiles of the window
}

const allModes = "gatherd,gatherd-outputs,telegraf,telegraf-jitter"

func main() {
	var o opts
	flag.StringVar(&o.mode, "mode", "", "internal: run one mode in this process (the parent sets it on its children)")
	flag.IntVar(&o.n, "n", 10000, "number of http_response inputs")
	flag.DurationVar(&o.interval, "interval", 10*time.Second, "gather interval of every input")
	flag.DurationVar(&o.duration, "duration", 60*time.Second, "measured window per mode (after one interval of warm-up); a multiple of -interval")
	flag.DurationVar(&o.timeout, "timeout", 5*time.Second, "http_response response_timeout")
	flag.DurationVar(&o.jitter, "jitter", 9*time.Second, "collection_jitter of the telegraf-jitter mode")
	flag.StringVar(&o.modes, "modes", allModes, "comma-separated modes to run, in order")
	flag.IntVar(&o.ports, "ports", 16, "target listening ports; inputs are spread over them so one listen backlog is not what fails")
	flag.StringVar(&o.targets, "targets", "", "internal: target addresses for a child")
	flag.StringVar(&o.profile, "cpuprofile", "", "write a CPU profile of each mode's window to `dir`/<mode>.pprof")
	flag.Parse()

	if o.mode != "" {
		if err := runChild(o); err != nil {
			fmt.Fprintf(os.Stderr, "telegrafcmp %s: %v\n", o.mode, err)
			os.Exit(1)
		}
		return
	}
	if err := runParent(o); err != nil {
		fmt.Fprintf(os.Stderr, "telegrafcmp: %v\n", err)
		os.Exit(1)
	}
}

func runParent(o opts) error {
	if o.n <= 0 || o.interval <= 0 || o.duration < o.interval {
		return fmt.Errorf("need -n > 0, -interval > 0 and -duration >= -interval")
	}
	if o.duration%o.interval != 0 {
		return fmt.Errorf("-duration %s must be a multiple of -interval %s, or per-input gather counts are ambiguous", o.duration, o.interval)
	}
	if o.jitter >= o.interval {
		// Telegraf would still tick every interval but could fire a gather
		// after the next tick; keep the mode meaningful for short test runs.
		o.jitter = o.interval * 9 / 10
		fmt.Fprintf(os.Stderr, "-jitter clamped to %s (9/10 of -interval)\n", o.jitter)
	}
	// The target holds one socket per in-flight gather (up to N at once in the
	// aligned mode); running out of descriptors here would show up as failed
	// gathers of whatever mode is measured.
	raiseNoFile()
	self, err := os.Executable()
	if err != nil {
		return err
	}
	var results []*result
	for _, mode := range strings.Split(o.modes, ",") {
		mode = strings.TrimSpace(mode)
		if mode == "" {
			continue
		}
		if !strings.Contains(","+allModes+",", ","+mode+",") {
			return fmt.Errorf("unknown mode %q (have %s)", mode, allModes)
		}
		r, err := runMode(self, o, mode)
		if err != nil {
			return fmt.Errorf("%s: %w", mode, err)
		}
		results = append(results, r)
	}
	printTable(os.Stdout, o, results)
	return nil
}

// runMode starts a fresh target (new ports, zeroed counters, so no mode sees
// another's connections in TIME_WAIT or its counts) and one child, and joins
// the child's own measurements with the target's.
func runMode(self string, o opts, mode string) (*result, error) {
	tg, err := startTarget(o.n, o.ports)
	if err != nil {
		return nil, err
	}
	defer tg.close()

	args := []string{
		"-mode", mode,
		"-n", fmt.Sprint(o.n),
		"-interval", o.interval.String(),
		"-duration", o.duration.String(),
		"-timeout", o.timeout.String(),
		"-jitter", o.jitter.String(),
		"-targets", strings.Join(tg.addrs, ","),
		"-cpuprofile", o.profile,
	}
	fmt.Fprintf(os.Stderr, "== %s: %d inputs, interval %s, window %s\n", mode, o.n, o.interval, o.duration)
	cmd := exec.Command(self, args...)
	cmd.Stderr = os.Stderr // progress lines
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("child: %w", err)
	}
	// The result is the child's last stdout line.
	var last string
	sc := bufio.NewScanner(&out)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			last = l
		}
	}
	r := &result{}
	if err := json.Unmarshal([]byte(last), r); err != nil {
		return nil, fmt.Errorf("child result %q: %w", last, err)
	}
	w := tg.window(int(o.duration / o.interval))
	if !w.complete {
		return nil, fmt.Errorf("the child never marked the end of its window on the target")
	}
	r.Gathers, r.Silent, r.Short, r.TargetCPUSec, r.TargetErrs = w.gathers, w.silent, w.short, w.cpu.Seconds(), w.errs
	return r, nil
}

func printTable(f *os.File, o opts, rs []*result) {
	slots := float64(o.n) * float64(o.duration/o.interval)
	fmt.Fprintf(f, "\n%d http_response inputs, interval %s, response_timeout %s, window %s (%.0f gathers expected per mode), %d target ports\n\n",
		o.n, o.interval, o.timeout, o.duration, slots, o.ports)
	tw := tabwriter.NewWriter(f, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "mode\tstartup s\tgathers\tresults\tfailed\terrors\tsilent\tshort\tCPU s\tCPU %\tCPU ms/gather\tRSS MiB\tHWM MiB\theap MiB\tKiB/input\ttarget CPU %\t")
	for _, r := range rs {
		fmt.Fprintf(tw, "%s\t%.1f\t%d\t%d\t%d\t%d\t%d\t%d\t%.2f\t%.1f\t%.4f\t%.1f\t%.1f\t%.1f\t%.2f\t%.1f\t\n",
			r.Mode, r.ReadySec, r.Gathers, r.Results, r.Failed, r.Errors, r.Silent, r.Short,
			r.CPUSec, 100*r.CPUSec/r.WindowSec, r.cpuPerGatherMs(), mib(r.RSSMaxKiB), mib(r.HWMKiB),
			float64(r.HeapInuse+r.StackInuse)/(1<<20), r.kibPerInput(), 100*r.TargetCPUSec/r.WindowSec)
	}
	tw.Flush()
	for _, r := range rs {
		if r.Failed > 0 {
			fmt.Fprintf(f, "  %s failed results by kind: %s\n", r.Mode, r.failedKinds())
		}
		if r.TargetErrs > 0 {
			fmt.Fprintf(f, "  %s: target logged %d server errors (accept/read)\n", r.Mode, r.TargetErrs)
		}
	}
	fmt.Fprint(f, `
  gathers   requests the target received in the window (its count, not the runtime's)
  results   http_response metrics with a timestamp in the window (one per attempted gather)
  failed    results with result_code != 0 (timeout, connection_failed, ...)
  errors    gatherd: worker Status errors + overruns; telegraf: agent/plugin log lines at warn or error
  silent    inputs the target did not hear from at all in the window
  short     inputs with fewer target hits than window/interval (a few are expected: gathers right at the window's edges)
  CPU       user+sys of the child over the window; RSS is the peak VmRSS sampled each second in the window;
            HWM is VmHWM (includes start-up); heap is HeapInuse+StackInuse at the end of the window
  KiB/input (peak RSS in the window - RSS before any input existed) / n
`)

	by := map[string]*result{}
	for _, r := range rs {
		by[r.Mode] = r
	}
	fmt.Fprintln(f, "\nratios (lower is better for gatherd; design target: CPU/gather <= 0.8x, memory <= 1.0x of telegraf-jitter):")
	tw = tabwriter.NewWriter(f, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\tCPU/gather\tRSS\tKiB/input\t")
	for _, g := range []string{"gatherd", "gatherd-outputs"} {
		for _, t := range []string{"telegraf", "telegraf-jitter"} {
			a, b := by[g], by[t]
			if a == nil || b == nil {
				continue
			}
			fmt.Fprintf(tw, "%s / %s\t%.2fx\t%.2fx\t%.2fx\t\n", g, t,
				ratio(a.cpuPerGatherMs(), b.cpuPerGatherMs()), ratio(float64(a.RSSMaxKiB), float64(b.RSSMaxKiB)),
				ratio(a.kibPerInput(), b.kibPerInput()))
		}
	}
	tw.Flush()
}

func mib(kib uint64) float64 { return float64(kib) / 1024 }

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}
