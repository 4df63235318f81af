package web

import (
	"fmt"
	"net/http"

	"github.com/triagebot/triagebot/tickets"
)

// handleTyping is POST /api/tickets/{id}/typing: the calling agent is
// typing a reply. The user's open chat pages show it for a few seconds;
// the console sends it again while the agent keeps typing. Nothing is
// stored, and a page that is not open misses it: it is a hint, not a
// message. 204 on success; the same refusals as a reply (403 for another
// queue, 409 for a resolved ticket or one another agent holds), so a
// console learns early that its reply would be refused. A Telegram
// ticket's user is shown nothing (yet): 204 all the same.
func (s *Server) handleTyping(w http.ResponseWriter, r *http.Request) {
	t, ok := s.ticketFor(w, r)
	if !ok {
		return
	}
	a := agentFrom(r.Context())
	switch {
	case t.Status == tickets.Resolved:
		s.writeError(w, http.StatusConflict, CodeConflict, fmt.Sprintf("%s is already resolved.", t.ID))
		return
	case t.Status == tickets.Claimed && t.Assignee != a.Name:
		s.writeError(w, http.StatusConflict, CodeConflict, fmt.Sprintf("%s is held by %s.", t.ID, t.Assignee))
		return
	}
	if s.typing != nil && t.Channel == tickets.Web && t.ConversationID != "" {
		s.typing(t.ConversationID, a.Name)
	}
	w.WriteHeader(http.StatusNoContent)
}
