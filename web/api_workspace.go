package web

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/triagebot/triagebot/tickets"
)

// named gives the ticket's user its display name (see tickets.DisplayName).
func named(t *tickets.Ticket) {
	t.User.Name = tickets.DisplayName(t.Channel, t.User)
}

// handleNote adds an internal note: 201 with the ticket.
func (s *Server) handleNote(w http.ResponseWriter, r *http.Request) {
	text, ok := s.textBody(w, r, "note")
	if !ok {
		return
	}
	t, ok := s.ticketFor(w, r)
	if !ok {
		return
	}
	t, err := s.engine.Note(r.Context(), t.ID, agentFrom(r.Context()).Name, text)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeTicket(w, r, http.StatusCreated, t)
}

// transferBody is the body of POST /api/tickets/{id}/transfer: one of the two.
type transferBody struct {
	Queue    string `json:"queue"`
	Assignee string `json:"assignee"`
}

// handleTransfer moves a ticket to a queue or an agent.
func (s *Server) handleTransfer(w http.ResponseWriter, r *http.Request) {
	var body transferBody
	if !s.decode(w, r, &body, false) {
		return
	}
	to := tickets.Target{Queue: strings.TrimSpace(body.Queue), Assignee: strings.TrimSpace(body.Assignee)}
	switch {
	case (to.Queue == "") == (to.Assignee == ""):
		s.writeError(w, http.StatusBadRequest, CodeBadRequest, `Give exactly one of "queue" and "assignee".`)
		return
	case len(to.Queue) > maxQueueLen || !printable(to.Queue):
		s.writeError(w, http.StatusBadRequest, CodeBadRequest, fmt.Sprintf("%.20q is not a queue name.", to.Queue))
		return
	case len(to.Assignee) > maxNameLen || !printable(to.Assignee):
		s.writeError(w, http.StatusBadRequest, CodeBadRequest, fmt.Sprintf("%.20q is not an agent name.", to.Assignee))
		return
	}
	t, ok := s.ticketFor(w, r)
	if !ok {
		return
	}
	t, err := s.engine.Transfer(r.Context(), t.ID, agentFrom(r.Context()).Name, to)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeTicket(w, r, http.StatusOK, t)
}
