package linearizability

import (
	"os"
	"time"

	"github.com/anishathalye/porcupine"
)

// Verdict is porcupine's answer on a history.
type Verdict struct {
	Result porcupine.CheckResult
	Took   time.Duration
	// Visualization is the HTML file porcupine drew of the history when it is not linearizable (or the check
	// timed out); "" otherwise.
	Visualization string
}

// Check searches for a linearization of ops within timeout (0: no limit). When there is none it writes
// porcupine's visualization to a temporary file and names it.
func Check(ops []porcupine.Operation, timeout time.Duration) (Verdict, error) {
	start := time.Now()
	res, info := porcupine.CheckOperationsVerbose(Model, ops, timeout)
	v := Verdict{Result: res, Took: time.Since(start)}
	if res == porcupine.Ok {
		return v, nil
	}
	f, err := os.CreateTemp("", "gatherd-linearizability-*.html")
	if err != nil {
		return v, err
	}
	defer f.Close()
	if err := porcupine.Visualize(Model, info, f); err != nil {
		return v, err
	}
	v.Visualization = f.Name()
	return v, nil
}
