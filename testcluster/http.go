package testcluster

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
)

// Do sends a request to node i's API. body may be nil, a []byte, a string or a value to encode as JSON.
// It returns the status code and the body; a transport error fails the test.
func (c *Cluster) Do(i int, method, path string, body any) (int, []byte) {
	c.t.Helper()
	code, b, err := c.TryDo(i, method, path, body)
	if err != nil {
		c.t.Fatalf("%s %s on node %d: %v", method, path, i, err)
	}
	return code, b
}

// TryDo is Do returning transport errors instead of failing.
func (c *Cluster) TryDo(i int, method, path string, body any) (int, []byte, error) {
	return c.TryDoAs(i, c.token, method, path, body)
}

// TryDoAs is TryDo with the given bearer token (none if empty) instead of the cluster's.
func (c *Cluster) TryDoAs(i int, token, method, path string, body any) (int, []byte, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = bytes.NewReader([]byte(b))
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(enc)
	}
	req, err := http.NewRequest(method, c.Node(i).URL()+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, out, err
}

// GetJSON decodes a GET of path on node i into v and returns the status code.
func (c *Cluster) GetJSON(i int, path string, v any) int {
	c.t.Helper()
	code, b := c.Do(i, http.MethodGet, path, nil)
	if code == http.StatusOK && v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			c.t.Fatalf("GET %s on node %d: decode %s: %v", path, i, b, err)
		}
	}
	return code
}

// DoWithType is Do with an explicit Content-Type, for bodies that are not JSON.
func (c *Cluster) DoWithType(i int, method, path, contentType, body string) (int, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.Node(i).URL()+path, bytes.NewReader([]byte(body)))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s on node %d: %v", method, path, i, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}
