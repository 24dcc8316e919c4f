//go:build e2e

package e2e

import (
	"net/url"
	"time"

	"github.com/gatherd/gatherd/demotarget"
)

// Gathers are counted where they land, at the demo target (demotarget.CountSlots says how).

type hits = demotarget.Hits

type slotTally = demotarget.Tally

func fetchHits(target string, since time.Time) (hits, error) {
	var h hits
	err := getJSON(target+"/hits?since="+url.QueryEscape(since.UTC().Format(time.RFC3339Nano)), &h)
	return h, err
}

func tally(h hits, ivs map[string]time.Duration, from, to time.Time) slotTally {
	return demotarget.CountSlots(h, ivs, from, to)
}

func firstAfter(h hits, ids []string, t time.Time) map[string]time.Time {
	return demotarget.FirstAfter(h, ids, t)
}
