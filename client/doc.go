// Package client is a Go client for the HTTP JSON API that every gatherd node serves: the cluster's status and
// members, CRUD of inputs, the assignment of inputs to nodes, the inputs running on one node, node drain and
// leave, and the health and readiness probes.
//
// Every method takes a context and returns typed values that mirror the API's JSON. A request the API refuses
// (4xx or 5xx) returns an *APIError carrying the HTTP status, the message and the offending field, if any:
//
//	c, err := client.New("http://127.0.0.1:8080", client.WithToken(token))
//	if err != nil {
//		return err
//	}
//	in, err := c.PutInput(ctx, "ssh", client.InputSpec{Plugin: "net_response", Interval: "10s",
//		Config: json.RawMessage(`{"address": "127.0.0.1:22", "protocol": "tcp"}`)})
//	var apiErr *client.APIError
//	if errors.As(err, &apiErr) && apiErr.Status == http.StatusBadRequest {
//		// apiErr.Field names the field to fix
//	}
//
// Raw sends any request and returns the body as is, for callers that pass the API's JSON through.
package client
