//go:build !race

package console_test

// raceDetector is true under -race, which slows every request several times over: timings are then only logged.
const raceDetector = false
