package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"

	"github.com/triagebot/triagebot/tickets"
)

type agentKey struct{}

// agentFrom returns the agent auth put in the request's context.
func agentFrom(ctx context.Context) tickets.Agent {
	a, _ := ctx.Value(agentKey{}).(tickets.Agent)
	return a
}

// bearer returns the token of an "Authorization: Bearer TOKEN" header.
func bearer(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// auth lets through requests with a known agent's token and puts the agent
// in the context. Tokens are looked up by their hash, and the stored hash is
// compared in constant time, so neither the lookup nor the comparison tells
// an attacker how close a guess was.
func (s *Server) auth(next http.HandlerFunc) http.Handler {
	return s.authWith(next, false)
}

// authQuery is auth that also takes the token from ?access_token=, for
// GET /api/events only: a browser's EventSource cannot send headers. A
// token in a URL may be kept in access logs and history, hence not for
// other calls (docs/interfaces.md says the trade-off).
func (s *Server) authQuery(next http.HandlerFunc) http.Handler {
	return s.authWith(next, true)
}

func (s *Server) authWith(next http.HandlerFunc, query bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearer(r)
		if !ok && query {
			token = strings.TrimSpace(r.URL.Query().Get("access_token"))
			ok = token != ""
		}
		if !ok {
			s.unauthorized(w, "missing bearer token")
			return
		}
		h := tickets.HashToken(token)
		var agent tickets.Agent
		err := s.store.View(r.Context(), func(tx tickets.Tx) error {
			var err error
			agent, err = tx.AgentByTokenHash(h)
			return err
		})
		switch {
		case errors.Is(err, tickets.ErrNotFound):
			s.unauthorized(w, "unknown token")
			return
		case err != nil:
			s.fail(w, r, err)
			return
		case subtle.ConstantTimeCompare(agent.TokenHash, h) != 1:
			s.unauthorized(w, "unknown token")
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), agentKey{}, agent)))
	})
}

func (s *Server) unauthorized(w http.ResponseWriter, msg string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="triagebot"`)
	s.writeError(w, http.StatusUnauthorized, CodeUnauthorized, msg)
}

// maysee reports whether agent works the ticket's queue. An agent without
// queues works every queue.
func maysee(a tickets.Agent, t tickets.Ticket) bool {
	return a.Works(t.Queue)
}
