package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/triagebot/triagebot/bot"
	"github.com/triagebot/triagebot/escalation"
	"github.com/triagebot/triagebot/intents"
	"github.com/triagebot/triagebot/tickets"
)

// typed records the Typing calls of a server.
type typed struct {
	mu    sync.Mutex
	calls []string // "conversation agent"
}

func (r *typed) typing(conv, agent string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, conv+" "+agent)
}

func (r *typed) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls)
}

func TestTyping(t *testing.T) {
	f := newFixture(t)
	// The fixture's server has no Typing; this one, on the same store, has.
	cls, err := intents.NewOffline()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := bot.New(bot.Config{Store: f.store, Classifier: cls, Router: escalation.Default(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	rec := &typed{}
	srv := httptest.NewServer(newServer(t, Config{Store: f.store, Engine: eng,
		Now: func() time.Time { return t0 }, Typing: rec.typing}).Handler())
	t.Cleanup(srv.Close)
	f.srv = srv

	open := f.ticket(tickets.High, "payments", time.Hour)
	merchant := f.ticket(tickets.High, "merchant", time.Hour)
	held := f.ticket(tickets.Normal, "tech", time.Hour)
	if r := f.do("POST", "/api/tickets/"+held.ID+"/claim", "bob", nil); r.status != http.StatusOK {
		t.Fatalf("claim: %d %s", r.status, r.body)
	}
	done := f.ticket(tickets.Low, "general", time.Hour)
	if r := f.do("POST", "/api/tickets/"+done.ID+"/resolve", "alice", nil); r.status != http.StatusOK {
		t.Fatalf("resolve: %d %s", r.status, r.body)
	}
	tg := f.ticket(tickets.Low, "access", time.Hour)
	err = f.store.Update(context.Background(), func(tx tickets.Tx) error {
		tk, err := tx.Ticket(tg.ID)
		if err != nil {
			return err
		}
		tk.Channel = tickets.Telegram
		return tx.PutTicket(&tk)
	})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, agent, id string
		status          int
		code            string
		relayed         string // the Typing call made, "" for none
	}{
		{"open ticket", "alice", open.ID, http.StatusNoContent, "", open.ConversationID + " alice"},
		{"held by the caller", "bob", held.ID, http.StatusNoContent, "", held.ConversationID + " bob"},
		{"held by another", "alice", held.ID, http.StatusConflict, CodeConflict, ""},
		{"resolved", "alice", done.ID, http.StatusConflict, CodeConflict, ""},
		{"another queue", "carol", open.ID, http.StatusForbidden, CodeForbidden, ""},
		{"own queue", "carol", merchant.ID, http.StatusNoContent, "", merchant.ConversationID + " carol"},
		{"telegram: accepted, not relayed", "alice", tg.ID, http.StatusNoContent, "", ""},
		{"no such ticket", "alice", "T-999999", http.StatusNotFound, CodeNotFound, ""},
		{"no token", "", open.ID, http.StatusUnauthorized, CodeUnauthorized, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(rec.list())
			r := f.do("POST", "/api/tickets/"+tt.id+"/typing", tt.agent, nil)
			if r.status != tt.status || r.errCode() != tt.code {
				t.Fatalf("status %d code %q, want %d %q: %s", r.status, r.errCode(), tt.status, tt.code, r.body)
			}
			calls := rec.list()[before:]
			switch {
			case tt.relayed == "" && len(calls) != 0:
				t.Errorf("relayed %q, want nothing", calls)
			case tt.relayed != "" && !slices.Equal(calls, []string{tt.relayed}):
				t.Errorf("relayed %q, want %q", calls, tt.relayed)
			}
		})
	}
}
