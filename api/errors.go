package api

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/gatherd/gatherd/store"
	"github.com/gatherd/gatherd/wire"
)

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // keep "<redacted>" readable in curl
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, code int, field, msg string) {
	writeJSON(w, code, wire.Error{Error: msg, Field: field})
}

// writeErr maps an error from validation, the store or the cluster to a status code.
func writeErr(w http.ResponseWriter, err error) {
	var fe *store.FieldError
	switch {
	case errors.As(err, &fe):
		writeError(w, http.StatusBadRequest, fe.Field, err.Error())
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrUnknownNode):
		writeError(w, http.StatusNotFound, "", err.Error())
	case errors.Is(err, store.ErrNotLeader), errors.Is(err, store.ErrNoLeader):
		// Refused before the write entered a raft log: a forwarding node may send it again.
		w.Header().Set(notAppliedHeader, "true")
		writeError(w, http.StatusServiceUnavailable, "", err.Error())
	case errors.Is(err, store.ErrStaleGeneration):
		// A placement was written meanwhile (the leader's own, or another operator's): nothing was applied.
		writeError(w, http.StatusConflict, "generation", err.Error())
	case errors.Is(err, store.ErrLeadershipLost):
		writeError(w, http.StatusServiceUnavailable, "", err.Error())
	default:
		writeError(w, http.StatusInternalServerError, "", err.Error())
	}
}
