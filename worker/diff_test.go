package worker

import (
	"reflect"
	"testing"
	"time"
)

func TestDiff(t *testing.T) {
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	win := Window{Until: t0}
	task := func(v uint64, w Window) Task { return Task{Version: v, Window: w, Interval: time.Second} }

	tests := []struct {
		name    string
		desired map[string]Task
		running map[string]Running
		want    Plan
	}{
		{name: "both empty", want: Plan{}},
		{
			name:    "start all, sorted",
			desired: map[string]Task{"c": task(1, Window{}), "a": task(1, Window{}), "b": task(1, Window{})},
			want:    Plan{Start: []string{"a", "b", "c"}},
		},
		{
			name:    "stop all, sorted",
			running: map[string]Running{"z": {Version: 1}, "y": {Version: 3}},
			want:    Plan{Stop: []string{"y", "z"}},
		},
		{
			name:    "unchanged is a no-op",
			desired: map[string]Task{"a": task(7, win)},
			running: map[string]Running{"a": {Version: 7, Window: win}},
			want:    Plan{},
		},
		{
			name:    "version change restarts even if the window also changed",
			desired: map[string]Task{"a": task(2, win)},
			running: map[string]Running{"a": {Version: 1}},
			want:    Plan{Restart: []string{"a"}},
		},
		{
			name:    "version going backwards restarts too",
			desired: map[string]Task{"a": task(1, Window{})},
			running: map[string]Running{"a": {Version: 2}},
			want:    Plan{Restart: []string{"a"}},
		},
		{
			name:    "window-only change updates in place",
			desired: map[string]Task{"a": task(1, Window{From: t0})},
			running: map[string]Running{"a": {Version: 1, Window: win}},
			want:    Plan{Update: []string{"a"}},
		},
		{
			name:    "window cleared is an update",
			desired: map[string]Task{"a": task(1, Window{})},
			running: map[string]Running{"a": {Version: 1, Window: win}},
			want:    Plan{Update: []string{"a"}},
		},
		{
			name:    "same instant in another location is equal",
			desired: map[string]Task{"a": task(1, Window{Until: t0.In(time.FixedZone("x", 3600))})},
			running: map[string]Running{"a": {Version: 1, Window: win}},
			want:    Plan{},
		},
		{
			name: "mixed",
			desired: map[string]Task{
				"new2": task(1, Window{}), "new1": task(1, Window{}),
				"keep": task(1, Window{}), "bump": task(5, Window{}), "move": task(1, win),
			},
			running: map[string]Running{
				"keep": {Version: 1}, "bump": {Version: 4}, "move": {Version: 1},
				"gone2": {Version: 1}, "gone1": {Version: 9},
			},
			want: Plan{
				Start:   []string{"new1", "new2"},
				Stop:    []string{"gone1", "gone2"},
				Restart: []string{"bump"},
				Update:  []string{"move"},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Diff(tc.desired, tc.running)
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("Diff = %+v, want %+v", got, tc.want)
			}
			if got.Empty() != reflect.DeepEqual(tc.want, Plan{}) {
				t.Fatalf("Empty() = %v for %+v", got.Empty(), got)
			}
		})
	}
}

func TestDiffDoesNotMutateInputs(t *testing.T) {
	desired := map[string]Task{"a": {Version: 1}, "b": {Version: 2}}
	running := map[string]Running{"b": {Version: 1}, "c": {Version: 1}}
	Diff(desired, running)
	if len(desired) != 2 || len(running) != 2 || running["b"].Version != 1 {
		t.Fatalf("inputs mutated: %v %v", desired, running)
	}
}

func TestWindowContains(t *testing.T) {
	t0 := time.Unix(1000, 0)
	cases := []struct {
		w    Window
		s    time.Time
		want bool
	}{
		{Window{}, t0, true},
		{Window{From: t0}, t0, true},
		{Window{From: t0}, t0.Add(-1), false},
		{Window{Until: t0}, t0, false},
		{Window{Until: t0}, t0.Add(-1), true},
		{Window{From: t0, Until: t0.Add(time.Second)}, t0.Add(time.Second / 2), true},
	}
	for i, c := range cases {
		if got := c.w.Contains(c.s); got != c.want {
			t.Errorf("case %d: %+v.Contains(%v) = %v, want %v", i, c.w, c.s, got, c.want)
		}
	}
}
