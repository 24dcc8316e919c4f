package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gatherd/gatherd/wire"
)

// DefaultTimeout bounds every request of a client made without WithHTTPClient.
const DefaultTimeout = 30 * time.Second

// maxResponse caps the response bodies the client reads.
const maxResponse = 64 << 20

// Client talks to the API of one gatherd node. It is safe for concurrent use.
type Client struct {
	base  string // scheme://host[:port][/prefix], no trailing slash
	token string
	http  *http.Client
}

// Option configures a Client.
type Option func(*Client)

// WithToken sends "Authorization: Bearer token" with every request. An empty token sends no header.
func WithToken(token string) Option {
	return func(c *Client) { c.token = token }
}

// WithHTTPClient makes the client send its requests through hc, whose Timeout then replaces DefaultTimeout.
// A nil hc keeps the default.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) {
		if hc != nil {
			c.http = hc
		}
	}
}

// New returns a client for the node whose API is at addr: a URL such as http://127.0.0.1:8080, or a bare
// host:port, which means http://host:port.
func New(addr string, opts ...Option) (*Client, error) {
	addr = strings.TrimSpace(addr)
	if addr == "" {
		return nil, errors.New("client: empty API address")
	}
	if !strings.Contains(addr, "://") {
		addr = "http://" + addr
	}
	u, err := url.Parse(addr)
	if err != nil {
		return nil, fmt.Errorf("client: API address %q: %w", addr, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("client: API address %q: scheme must be http or https", addr)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("client: API address %q has no host", addr)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("client: API address %q must not carry a query, fragment or user", addr)
	}
	c := &Client{
		base: strings.TrimRight(u.String(), "/"),
		http: &http.Client{Timeout: DefaultTimeout},
	}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// Addr returns the API's base URL, e.g. http://127.0.0.1:8080.
func (c *Client) Addr() string { return c.base }

// APIError is an answer of the API with a 4xx or 5xx status.
type APIError struct {
	Status  int    // HTTP status code
	Message string // the body's "error", or the body's text when it is not the API's JSON
	Field   string // the body's "field": the part of the request to blame, if any
}

// Error reads like "HTTP 400: interval: 50ms is under the minimum of 100ms".
func (e *APIError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	if e.Field != "" && !strings.HasPrefix(msg, e.Field+":") {
		msg = e.Field + ": " + msg
	}
	return fmt.Sprintf("HTTP %d: %s", e.Status, msg)
}

// The API's JSON shapes, declared once in package wire.
type (
	Member       = wire.Member
	Status       = wire.Status
	InputSpec    = wire.InputSpec
	Input        = wire.Input
	ApplyResult  = wire.ApplyResult
	Assignments  = wire.Assignments
	LocalInput   = wire.LocalInput
	Local        = wire.Local
	OutputHealth = wire.OutputHealth
	NodeState    = wire.NodeState
	Rebalance    = wire.Rebalance
)

// Status returns the answering node's view of the cluster.
func (c *Client) Status(ctx context.Context) (*Status, error) {
	return callFor[Status](ctx, c, http.MethodGet, "/v1/status", nil)
}

// Members returns the cluster's members, sorted by ID.
func (c *Client) Members(ctx context.Context) ([]Member, error) {
	var out wire.MemberList
	err := c.call(ctx, http.MethodGet, "/v1/members", nil, &out)
	return out.Members, err
}

// Inputs returns every input, sorted by ID.
func (c *Client) Inputs(ctx context.Context) ([]Input, error) {
	ins, _, err := c.ListInputs(ctx, InputFilter{})
	return ins, err
}

// InputFilter narrows a listing of inputs (empty fields match all) and pages it: at most PerPage inputs (0:
// all), starting at NextToken, the token the previous page answered.
type InputFilter struct {
	Group, Source, Node, Plugin string
	PerPage                     int
	NextToken                   string
}

// ListInputs returns the inputs f selects, sorted by ID, and the token of the next page ("" after the last).
func (c *Client) ListInputs(ctx context.Context, f InputFilter) ([]Input, string, error) {
	q := url.Values{}
	for k, v := range map[string]string{"group": f.Group, "source": f.Source, "node": f.Node, "plugin": f.Plugin, "next_token": f.NextToken} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if f.PerPage > 0 {
		q.Set("per_page", strconv.Itoa(f.PerPage))
	}
	path := "/v1/inputs"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	b, h, err := c.doHeader(ctx, http.MethodGet, path, "", nil)
	if err != nil {
		return nil, "", err
	}
	var out wire.InputList
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, "", fmt.Errorf("decode the answer to GET %s%s: %w", c.base, path, err)
	}
	return out.Inputs, h.Get("X-Next-Token"), nil
}

// Input returns one input; an absent one is an *APIError with Status 404.
func (c *Client) Input(ctx context.Context, id string) (*Input, error) {
	return callFor[Input](ctx, c, http.MethodGet, inputPath(id), nil)
}

// PutInput creates or replaces the input id and returns it as stored. spec.ID may be empty; when set it must
// equal id.
func (c *Client) PutInput(ctx context.Context, id string, spec InputSpec) (*Input, error) {
	return callFor[Input](ctx, c, http.MethodPut, inputPath(id), spec)
}

// DeleteInput deletes the input id; an absent one is an *APIError with Status 404.
func (c *Client) DeleteInput(ctx context.Context, id string) error {
	return c.call(ctx, http.MethodDelete, inputPath(id), nil, nil)
}

// ApplyOptions shape an apply: the Source the inputs belong to (default "api"), Prune to delete the source's
// inputs the apply lacks, DryRun to answer what would change and change nothing.
type ApplyOptions struct {
	Source string
	Prune  bool
	DryRun bool
}

func (o ApplyOptions) query() string {
	q := url.Values{}
	if o.Source != "" {
		q.Set("source", o.Source)
	}
	if o.Prune {
		q.Set("prune", "true")
	}
	if o.DryRun {
		q.Set("dry_run", "true")
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

// ApplyInputs creates or replaces many inputs in one change, all or none. Every spec needs an ID; a spec that
// lists several targets becomes one input per target. At most one ApplyOptions applies.
func (c *Client) ApplyInputs(ctx context.Context, specs []InputSpec, opts ...ApplyOptions) (*ApplyResult, error) {
	if specs == nil {
		specs = []InputSpec{}
	}
	return callFor[ApplyResult](ctx, c, http.MethodPost, "/v1/inputs"+firstOr(opts).query(), wire.Batch{Inputs: specs})
}

func firstOr(opts []ApplyOptions) ApplyOptions {
	if len(opts) > 0 {
		return opts[0]
	}
	return ApplyOptions{}
}

// ApplyTOML creates or replaces the inputs of a Telegraf config (its [[inputs.X]] tables, one input per
// target) in one change, all or none. At most one ApplyOptions applies.
func (c *Client) ApplyTOML(ctx context.Context, doc []byte, opts ...ApplyOptions) (*ApplyResult, error) {
	b, err := c.do(ctx, http.MethodPost, "/v1/inputs"+firstOr(opts).query(), "application/toml", doc)
	if err != nil {
		return nil, err
	}
	var out ApplyResult
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("decode the answer to POST %s/v1/inputs: %w", c.base, err)
	}
	return &out, nil
}

// Assignments returns which node runs which inputs.
func (c *Client) Assignments(ctx context.Context) (*Assignments, error) {
	return callFor[Assignments](ctx, c, http.MethodGet, "/v1/assignments", nil)
}

// Rebalance asks the leader to even out measured load now; with dryRun it answers the moves without making them.
func (c *Client) Rebalance(ctx context.Context, dryRun bool) (*Rebalance, error) {
	return callFor[Rebalance](ctx, c, http.MethodPost, "/v1/rebalance?dry_run="+strconv.FormatBool(dryRun), nil)
}

// Local returns the inputs running on the answering node.
func (c *Client) Local(ctx context.Context) (*Local, error) {
	return callFor[Local](ctx, c, http.MethodGet, "/v1/local", nil)
}

// Plugins returns the names of the input plugins the answering node can run.
func (c *Client) Plugins(ctx context.Context) ([]string, error) {
	var out wire.PluginList
	err := c.call(ctx, http.MethodGet, "/v1/plugins", nil, &out)
	return out.Plugins, err
}

// Drain moves every input off node id and keeps new ones away until Undrain.
func (c *Client) Drain(ctx context.Context, id string) (*NodeState, error) {
	return c.nodeState(ctx, http.MethodPost, id, "drain")
}

// Undrain lets node id take inputs again.
func (c *Client) Undrain(ctx context.Context, id string) (*NodeState, error) {
	return c.nodeState(ctx, http.MethodDelete, id, "drain")
}

// Leave removes node id from the cluster for good, after handing its inputs over.
func (c *Client) Leave(ctx context.Context, id string) (*NodeState, error) {
	return c.nodeState(ctx, http.MethodPost, id, "leave")
}

func (c *Client) nodeState(ctx context.Context, method, id, action string) (*NodeState, error) {
	return callFor[NodeState](ctx, c, method, "/v1/nodes/"+url.PathEscape(id)+"/"+action, nil)
}

// Health returns nil when the node's process answers GET /healthz with 200.
func (c *Client) Health(ctx context.Context) error {
	return c.call(ctx, http.MethodGet, "/healthz", nil, nil)
}

// Ready returns nil when GET /readyz answers 200: the node knows a leader, has caught up and is not fenced.
// Otherwise the *APIError (Status 503) carries the reason.
func (c *Client) Ready(ctx context.Context) error {
	return c.call(ctx, http.MethodGet, "/readyz", nil, nil)
}

// Raw sends a request to path (e.g. "/v1/inputs?consistent=true") with body, if not nil, of the given content
// type, and returns the response body of a 2xx answer as is. Any other answer is an *APIError.
func (c *Client) Raw(ctx context.Context, method, path string, contentType string, body []byte) ([]byte, error) {
	return c.do(ctx, method, path, contentType, body)
}

func inputPath(id string) string { return "/v1/inputs/" + url.PathEscape(id) }

// callFor is call for an answer of type T; it returns nil with an error.
func callFor[T any](ctx context.Context, c *Client, method, path string, in any) (*T, error) {
	var out T
	if err := c.call(ctx, method, path, in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// call sends in (if not nil) as JSON and decodes a non-empty 2xx answer into out (if not nil).
func (c *Client) call(ctx context.Context, method, path string, in, out any) error {
	var body []byte
	contentType := ""
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encode %s %s: %w", method, path, err)
		}
		body, contentType = b, "application/json"
	}
	b, err := c.do(ctx, method, path, contentType, body)
	if err != nil {
		return err
	}
	if out == nil || len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("decode the answer to %s %s: %w", method, c.base+path, err)
	}
	return nil
}

func (c *Client) do(ctx context.Context, method, path, contentType string, body []byte) ([]byte, error) {
	b, _, err := c.doHeader(ctx, method, path, contentType, body)
	return b, err
}

// doHeader is do that also returns the answer's header. An answer 429 (the node's write limit) is waited out,
// as its Retry-After says, and the request sent again, up to maxRetries429 times or until ctx ends.
func (c *Client) doHeader(ctx context.Context, method, path, contentType string, body []byte) ([]byte, http.Header, error) {
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	for attempt := 0; ; attempt++ {
		b, h, status, err := c.send(ctx, method, path, contentType, body)
		if err != nil {
			return nil, nil, err
		}
		if status == http.StatusTooManyRequests && attempt < maxRetries429 {
			wait := retryAfter(h.Get("Retry-After"))
			select {
			case <-time.After(wait):
				continue
			case <-ctx.Done():
				return nil, nil, ctx.Err()
			}
		}
		if status < 200 || status > 299 {
			return nil, nil, decodeError(status, b)
		}
		return b, h, nil
	}
}

// maxRetries429 bounds how often a request refused with 429 is sent again.
const maxRetries429 = 10

// retryAfter reads a Retry-After of seconds; missing or odd, one second; at most ten.
func retryAfter(v string) time.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 1 {
		return time.Second
	}
	return time.Duration(min(n, 10)) * time.Second
}

// send sends one request and reads its answer.
func (c *Client) send(ctx context.Context, method, path, contentType string, body []byte) ([]byte, http.Header, int, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, nil, 0, err
	}
	req.Header.Set("Accept", "application/json")
	if body != nil && contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, nil, 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return nil, nil, 0, fmt.Errorf("read the answer to %s %s: %w", method, req.URL, err)
	}
	if len(b) > maxResponse {
		return nil, nil, 0, fmt.Errorf("the answer to %s %s is over %d bytes", method, req.URL, maxResponse)
	}
	return b, resp.Header, resp.StatusCode, nil
}

// decodeError turns an error answer into an *APIError, whether or not its body is the API's JSON.
func decodeError(status int, body []byte) *APIError {
	e := &APIError{Status: status}
	var v wire.Error
	if json.Unmarshal(body, &v) == nil && v.Error != "" {
		e.Message, e.Field = v.Error, v.Field
		return e
	}
	msg := []rune(strings.Join(strings.Fields(string(body)), " "))
	if len(msg) > 200 {
		msg = append(msg[:200], []rune("...")...)
	}
	e.Message = string(msg)
	return e
}
