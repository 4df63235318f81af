package web

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/triagebot/triagebot/canned"
	"github.com/triagebot/triagebot/language"
	"github.com/triagebot/triagebot/tickets"
)

// cannedList is the answer of GET /api/canned.
type cannedList struct {
	Replies []canned.Reply `json:"replies"`
}

// handleCanned lists saved replies in one language; with ticket= (one the
// caller may see) the placeholders are filled in for it.
func (s *Server) handleCanned(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	lang := language.English
	if v := q.Get("lang"); v != "" {
		l, err := language.Parse(v)
		if err != nil {
			s.writeError(w, http.StatusBadRequest, CodeBadRequest, fmt.Sprintf("The language %.20q is not zh-Hant, zh-Hans or en.", v))
			return
		}
		lang = l
	}
	id := q.Get("ticket")
	if id == "" {
		replies := s.canned.For(lang)
		if replies == nil {
			replies = []canned.Reply{}
		}
		s.writeJSON(w, http.StatusOK, cannedList{Replies: replies})
		return
	}
	r.SetPathValue("id", id)
	t, ok := s.ticketFor(w, r)
	if !ok {
		return
	}
	replies, err := s.canned.Render(lang, canned.Data{TicketID: t.ID, UserName: tickets.DisplayName(t.Channel, t.User)})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, cannedList{Replies: replies})
}

// agentView is an agent as the admin API shows it: never the token hash.
type agentView struct {
	Name      string    `json:"name"`
	Queues    []string  `json:"queues"`
	Admin     bool      `json:"admin"`
	CreatedAt time.Time `json:"created_at"`
	// Token is set only in the answer that created or rotated it.
	Token string `json:"token,omitempty"`
}

func viewOf(a tickets.Agent) agentView {
	q := a.Queues
	if q == nil {
		q = []string{}
	}
	return agentView{Name: a.Name, Queues: q, Admin: a.Admin, CreatedAt: a.CreatedAt}
}

// validAgentName is the form of an agent's name, as `agents add` has it:
// 1 to 64 bytes, no control characters, no surrounding spaces.
func validAgentName(name string) bool {
	return name != "" && len(name) <= maxNameLen && printable(name) && strings.TrimSpace(name) == name
}

// admin answers 403 unless the caller is an admin agent.
func (s *Server) admin(w http.ResponseWriter, r *http.Request) bool {
	if a := agentFrom(r.Context()); !a.Admin {
		s.writeError(w, http.StatusForbidden, CodeForbidden, fmt.Sprintf("%s is not an admin.", a.Name))
		return false
	}
	return true
}

func (s *Server) handleAgents(w http.ResponseWriter, r *http.Request) {
	if !s.admin(w, r) {
		return
	}
	var list []tickets.Agent
	err := s.store.View(r.Context(), func(tx tickets.Tx) error {
		var err error
		list, err = tx.Agents()
		return err
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := struct {
		Agents []agentView `json:"agents"`
	}{Agents: make([]agentView, 0, len(list))}
	for _, a := range list {
		out.Agents = append(out.Agents, viewOf(a))
	}
	s.writeJSON(w, http.StatusOK, out)
}

// newAgentBody is the body of POST /api/agents.
type newAgentBody struct {
	Name   string   `json:"name"`
	Queues []string `json:"queues"`
	Admin  bool     `json:"admin"`
}

func (s *Server) handleCreateAgent(w http.ResponseWriter, r *http.Request) {
	if !s.admin(w, r) {
		return
	}
	var body newAgentBody
	if !s.decode(w, r, &body, false) {
		return
	}
	body.Name = strings.TrimSpace(body.Name)
	if !validAgentName(body.Name) {
		s.writeError(w, http.StatusBadRequest, CodeBadRequest,
			fmt.Sprintf("The name %.70q is not 1 to %d characters without control characters.", body.Name, maxNameLen))
		return
	}
	var queues []string
	for _, q := range body.Queues {
		q = strings.TrimSpace(q)
		if !slices.Contains(s.queues, q) {
			s.writeError(w, http.StatusBadRequest, CodeBadRequest,
				fmt.Sprintf("There is no queue %.70q; the queues are %s.", q, strings.Join(s.queues, ", ")))
			return
		}
		if !slices.Contains(queues, q) {
			queues = append(queues, q)
		}
	}
	token, hash, err := tickets.NewToken()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a := tickets.Agent{Name: body.Name, Queues: queues, Admin: body.Admin, TokenHash: hash, CreatedAt: s.now()}
	if err := s.store.Update(r.Context(), func(tx tickets.Tx) error { return tx.CreateAgent(&a) }); err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("agent created", "agent", a.Name, "by", agentFrom(r.Context()).Name, "admin", a.Admin)
	v := viewOf(a)
	v.Token = token
	s.writeJSON(w, http.StatusCreated, v)
}

// pathAgent reads {name} from the path.
func (s *Server) pathAgent(w http.ResponseWriter, r *http.Request) (string, bool) {
	name := r.PathValue("name")
	if !validAgentName(name) {
		s.writeError(w, http.StatusNotFound, CodeNotFound, fmt.Sprintf("There is no agent %.70q.", name))
		return "", false
	}
	return name, true
}

// handleDeleteAgent removes an agent: its token stops working with the
// commit (every call looks the token up; there is no cache) and its event
// streams end. The tickets it holds go back to the open queue through the
// engine, so their users are told, as `agents remove` does.
func (s *Server) handleDeleteAgent(w http.ResponseWriter, r *http.Request) {
	if !s.admin(w, r) {
		return
	}
	name, ok := s.pathAgent(w, r)
	if !ok {
		return
	}
	if name == agentFrom(r.Context()).Name {
		s.writeError(w, http.StatusConflict, CodeConflict, "An admin cannot remove themself; ask another admin.")
		return
	}
	if err := s.store.Update(r.Context(), func(tx tickets.Tx) error { return tx.DeleteAgent(name) }); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.releaseHeld(r, name); err != nil {
		// The agent is gone; its tickets can still be released or
		// transferred by anyone who sees them.
		s.log.Warn("agent removed, releasing its tickets failed", "agent", name, "err", err)
	}
	s.log.Info("agent removed", "agent", name, "by", agentFrom(r.Context()).Name)
	w.WriteHeader(http.StatusNoContent)
}

// releaseHeld puts every ticket name holds back in the open queue.
func (s *Server) releaseHeld(r *http.Request, name string) error {
	var held []string
	err := s.store.View(r.Context(), func(tx tickets.Tx) error {
		f := tickets.Filter{Status: tickets.Claimed, Limit: tickets.MaxLimit}
		for {
			page, err := tx.Tickets(f)
			if err != nil {
				return err
			}
			for _, t := range page {
				if t.Assignee == name {
					held = append(held, t.ID)
				}
			}
			if len(page) < f.Limit {
				return nil
			}
			f.After = page[len(page)-1].ID
		}
	})
	var errs []error
	for _, id := range held {
		if _, err := s.engine.Release(r.Context(), id, name); err != nil && !errors.Is(err, tickets.ErrConflict) {
			errs = append(errs, err)
		}
	}
	return errors.Join(append(errs, err)...)
}

func (s *Server) handleRotateToken(w http.ResponseWriter, r *http.Request) {
	if !s.admin(w, r) {
		return
	}
	name, ok := s.pathAgent(w, r)
	if !ok {
		return
	}
	token, hash, err := tickets.NewToken()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.store.Update(r.Context(), func(tx tickets.Tx) error { return tx.SetAgentToken(name, hash) }); err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("agent token rotated", "agent", name, "by", agentFrom(r.Context()).Name)
	s.writeJSON(w, http.StatusOK, struct {
		Name  string `json:"name"`
		Token string `json:"token"`
	}{name, token})
}
