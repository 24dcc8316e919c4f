package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/gatherd/gatherd/store"
)

// MaxBody caps every request body: a fleet's Telegraf config (30,000 targets in one file) is about 2 MB.
const MaxBody = 16 << 20

// readBody reads a capped body; a larger one is an error the caller answers with 413.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, errBodyTooLarge
	}
	return b, err
}

var errBodyTooLarge = fmt.Errorf("request body is over %d bytes", MaxBody)

// decodeStrict decodes exactly one JSON object into v, rejecting unknown fields, with an error that names the
// offending field.
func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonFieldError(err)
	}
	if dec.More() {
		return &store.FieldError{Field: "body", Reason: "unexpected data after the JSON object"}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return &store.FieldError{Field: "body", Reason: "unexpected data after the JSON object"}
	}
	return nil
}

func jsonFieldError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		return &store.FieldError{Field: field, Reason: fmt.Sprintf("want a %s, got a JSON %s", typeErr.Type, typeErr.Value)}
	case errors.As(err, &syntaxErr):
		return &store.FieldError{Field: "body", Reason: fmt.Sprintf("malformed JSON at byte %d: %v", syntaxErr.Offset, err)}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		if name == "" {
			return &store.FieldError{Field: "body", Reason: `unknown field ""`}
		}
		return &store.FieldError{Field: name, Reason: "unknown field"}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &store.FieldError{Field: "body", Reason: "empty or truncated JSON"}
	default:
		return &store.FieldError{Field: "body", Reason: err.Error()}
	}
}
