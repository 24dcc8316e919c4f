package linearizability

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// Plugin is the input plugin every written input names; it must exist on the nodes (testcluster's recorder).
var Plugin = "record"

// base is the interval of value 1's input; value v is written as base + v seconds, so a read names the write it
// saw. Inputs this slow gather rarely: the run measures the store, not the worker.
const base = time.Hour

// maxValue keeps intervals within the API's 24 h.
const maxValue = Value(20 * 3600)

func interval(v Value) string { return (base + time.Duration(v)*time.Second).String() }

func valueOf(interval string) (Value, error) {
	d, err := time.ParseDuration(interval)
	if err != nil || d <= base || (d-base)%time.Second != 0 {
		return 0, fmt.Errorf("interval %q encodes no value", interval)
	}
	return Value((d - base) / time.Second), nil
}

// Client sends operations to nodes' APIs and classifies their outcomes.
type Client struct {
	HTTP  *http.Client // with a timeout above the nodes' hold (7 s) so a held write still answers
	Token string
}

// Outcome says what became of an operation.
type Outcome int

const (
	Done       Outcome = iota // answered: the output is exact
	Ambiguous                 // may or may not have been applied: recorded as Unknown
	NotApplied                // certainly changed nothing (refused dial, 503 "not applied", a failed read): not recorded
)

// Do runs in against the API at url and returns its output and outcome. An error is a harness or API bug (a
// 4xx it should never get): the run stops on it.
func (c *Client) Do(ctx context.Context, url string, in Input) (Output, Outcome, error) {
	method, path, body := request(in)
	req, err := http.NewRequestWithContext(ctx, method, url+path, bytes.NewReader(body))
	if err != nil {
		return Output{}, 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		if in.Kind == Read || isDialError(err) {
			return Output{}, NotApplied, nil
		}
		return Output{Unknown: true}, Ambiguous, nil
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil && in.Kind != Read {
		return Output{Unknown: true}, Ambiguous, nil
	}
	return classify(in, resp.StatusCode, resp.Header.Get("X-Gatherd-Not-Applied") == "true", b)
}

func classify(in Input, code int, notApplied bool, body []byte) (Output, Outcome, error) {
	switch {
	case code == http.StatusTooManyRequests || (code == http.StatusServiceUnavailable && notApplied):
		return Output{}, NotApplied, nil
	case code >= 500 || code == http.StatusRequestTimeout:
		if in.Kind == Read {
			return Output{}, NotApplied, nil
		}
		return Output{Unknown: true}, Ambiguous, nil
	}
	switch in.Kind {
	case Put, Batch:
		if code == http.StatusOK || code == http.StatusCreated {
			return Output{}, Done, nil
		}
	case Delete:
		switch code {
		case http.StatusNoContent, http.StatusOK:
			return Output{Found: true}, Done, nil
		case http.StatusNotFound:
			return Output{}, Done, nil
		}
	case Read:
		switch code {
		case http.StatusNotFound:
			return Output{}, Done, nil
		case http.StatusOK:
			var got struct {
				Interval string `json:"interval"`
			}
			if err := json.Unmarshal(body, &got); err != nil {
				return Output{}, 0, fmt.Errorf("read %s: %w: %s", ID(in.Group, in.Slot), err, body)
			}
			v, err := valueOf(got.Interval)
			if err != nil {
				return Output{}, 0, fmt.Errorf("read %s: %w", ID(in.Group, in.Slot), err)
			}
			return Output{Value: v}, Done, nil
		}
	}
	return Output{}, 0, fmt.Errorf("%s %s: unexpected %d: %s", in.Kind, ID(in.Group, in.Slot), code, body)
}

type spec struct {
	ID       string            `json:"id,omitempty"`
	Plugin   string            `json:"plugin"`
	Interval string            `json:"interval"`
	Config   map[string]string `json:"config"`
}

func specOf(group, slot int, v Value) spec {
	id := ID(group, slot)
	return spec{Plugin: Plugin, Interval: interval(v), Config: map[string]string{"key": id}}
}

func request(in Input) (method, path string, body []byte) {
	id := ID(in.Group, in.Slot)
	switch in.Kind {
	case Put:
		body, _ = json.Marshal(specOf(in.Group, in.Slot, in.Value))
		return http.MethodPut, "/v1/inputs/" + id, body
	case Delete:
		return http.MethodDelete, "/v1/inputs/" + id, nil
	case Read:
		return http.MethodGet, "/v1/inputs/" + id + "?consistent=true", nil
	}
	var batch struct {
		Inputs []spec `json:"inputs"`
	}
	for slot, v := range in.Batch {
		if v != 0 {
			s := specOf(in.Group, slot, v)
			s.ID = ID(in.Group, slot)
			batch.Inputs = append(batch.Inputs, s)
		}
	}
	body, _ = json.Marshal(batch)
	return http.MethodPost, "/v1/inputs", body
}

// isDialError says the connection was never made, so the request was never sent.
func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}
