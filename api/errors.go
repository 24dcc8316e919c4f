package api

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/gatherd/gatherd/cluster"
	"github.com/gatherd/gatherd/store"
)

// apiError is the JSON body of every error: a message, and the offending field when one is to blame.
type apiError struct {
	Error string `json:"error"`
	Field string `json:"field,omitempty"`
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // keep "<redacted>" readable in curl
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, code int, field, msg string) {
	writeJSON(w, code, apiError{Error: msg, Field: field})
}

// writeErr maps an error from validation, the store or the cluster to a status code.
func writeErr(w http.ResponseWriter, err error) {
	var fe *store.FieldError
	switch {
	case errors.As(err, &fe):
		writeError(w, http.StatusBadRequest, fe.Field, err.Error())
	case errors.Is(err, store.ErrNotFound), errors.Is(err, cluster.ErrUnknownNode):
		writeError(w, http.StatusNotFound, "", err.Error())
	case errors.Is(err, cluster.ErrNotLeader), errors.Is(err, cluster.ErrNoLeader):
		writeError(w, http.StatusServiceUnavailable, "", err.Error())
	default:
		writeError(w, http.StatusInternalServerError, "", err.Error())
	}
}
