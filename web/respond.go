package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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

// Messages for a refusal that carries no sentence of its own (a store's
// bare ErrNotFound, say) and for failures of the service. The detail of a
// failure goes to the log only: a Go error chain names files, queries and
// internals that are no client's business.
const (
	msgNotFound    = "What the request names does not exist."
	msgConflict    = "The request conflicts with the ticket's current state; reload it and try again."
	msgBadRequest  = "The request was refused as invalid."
	msgUnavailable = "The server did not answer in time; try again."
	msgInternal    = "Something went wrong on the server; the request was not completed. Try again, and tell an administrator if it keeps happening."
)

// fail answers an error from the store or the engine. A tickets.Refusal
// anywhere in the chain is answered with its Reason, the sentence written
// for the person who asked; the code comes from its kind. Anything else is
// logged with the request and answered with a fixed sentence.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var (
		maxErr  *http.MaxBytesError
		refusal *tickets.Refusal
	)
	status, code, msg := http.StatusInternalServerError, CodeInternal, msgInternal
	switch {
	case errors.Is(err, tickets.ErrNotFound):
		status, code, msg = http.StatusNotFound, CodeNotFound, msgNotFound
	case errors.Is(err, tickets.ErrConflict):
		status, code, msg = http.StatusConflict, CodeConflict, msgConflict
	case errors.Is(err, tickets.ErrInvalid):
		status, code, msg = http.StatusBadRequest, CodeBadRequest, msgBadRequest
	case errors.As(err, &maxErr):
		s.writeError(w, http.StatusRequestEntityTooLarge, CodeTooLarge, msgTooLarge())
		return
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		// The client went away or the handler ran out of time: the answer
		// (if anyone still reads it) is "try again".
		s.log.Warn("request cut short", requestAttrs(r, err)...)
		s.writeError(w, http.StatusServiceUnavailable, CodeUnavailable, msgUnavailable)
		return
	default:
		s.log.Error("request failed", requestAttrs(r, err)...)
		s.writeError(w, status, code, msg)
		return
	}
	if errors.As(err, &refusal) {
		msg = refusal.Reason
	} else {
		// A refusal without words is worth a look: some layer should
		// have said why.
		s.log.Info("request refused without a reason", requestAttrs(r, err)...)
	}
	s.writeError(w, status, code, msg)
}

// msgTooLarge refuses a request body over maxBody.
func msgTooLarge() string {
	return fmt.Sprintf("The request body is larger than %d KiB.", maxBody>>10)
}

// requestAttrs are the log attributes of a failed request: enough to find
// it (method, path, calling agent) and the whole error.
func requestAttrs(r *http.Request, err error) []any {
	attrs := []any{"method", r.Method, "path", r.URL.Path, "err", err}
	if a := agentFrom(r.Context()); a.Name != "" {
		attrs = append(attrs, "agent", a.Name)
	}
	return attrs
}
