package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/triagebot/triagebot/tickets"
)

// Error codes of the agent API. They are part of the contract: clients
// branch on them, so they never change meaning.
const (
	CodeUnauthorized = "unauthorized"
	CodeForbidden    = "forbidden"
	CodeNotFound     = "not_found"
	CodeConflict     = "conflict"
	CodeBadRequest   = "bad_request"
	CodeTooLarge     = "too_large"
	CodeUnavailable  = "unavailable"
	CodeInternal     = "internal"
)

// apiError is the body of every error answer: {"error":{"code":..,"message":..}}.
type apiError struct {
	Error errorBody `json:"error"`
}

type errorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// writeJSON sends v with status. An encoding failure after the header went
// out can only be logged.
func (s *Server) writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		s.log.Error("encode response", "err", err)
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"code":"internal","message":"internal error"}}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// writeError sends a JSON error with a stable code.
func (s *Server) writeError(w http.ResponseWriter, status int, code, msg string) {
	s.writeJSON(w, status, apiError{Error: errorBody{Code: code, Message: msg}})
}

// fail maps an error from the store or the engine to an answer. Domain
// errors keep their message (it names the ticket and why); anything else is
// logged and reported only as "internal", so no internals leak to clients.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var maxErr *http.MaxBytesError
	switch {
	case errors.Is(err, tickets.ErrNotFound):
		s.writeError(w, http.StatusNotFound, CodeNotFound, err.Error())
	case errors.Is(err, tickets.ErrConflict):
		s.writeError(w, http.StatusConflict, CodeConflict, err.Error())
	case errors.Is(err, tickets.ErrInvalid):
		s.writeError(w, http.StatusBadRequest, CodeBadRequest, err.Error())
	case errors.As(err, &maxErr):
		s.writeError(w, http.StatusRequestEntityTooLarge, CodeTooLarge, "request body too large")
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		// The client went away or the handler ran out of time: the answer
		// (if anyone still reads it) is "try again".
		s.log.Warn("request cut short", "method", r.Method, "path", r.URL.Path, "err", err)
		s.writeError(w, http.StatusServiceUnavailable, CodeUnavailable, "the server did not answer in time; try again")
	default:
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		s.writeError(w, http.StatusInternalServerError, CodeInternal, "internal error")
	}
}
