package bot

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/triagebot/triagebot/tickets"
)

// recordingSummarizer returns a fixed summary (with a card number, which
// must be masked) and records what it was given.
type recordingSummarizer struct {
	mu  sync.Mutex
	got []tickets.Ticket
}

func (s *recordingSummarizer) Summarize(_ context.Context, t tickets.Ticket) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = append(s.got, t)
	return "Customer reports a card payment they did not make, card 4111 1111 1111 1111."
}

func TestSummarizerWritesNewTicketsSummary(t *testing.T) {
	r := newRig(t, true)
	sum := &recordingSummarizer{}
	r.sum = sum
	r.restart() // reopen with the summarizer wired
	var notified []tickets.Ticket
	r.eng.OnTicket(func(tk tickets.Ticket) { notified = append(notified, tk) })

	ctx := context.Background()
	conv, _, err := r.eng.Open(ctx, OpenRequest{Channel: tickets.Web, User: tickets.User{ID: "u1"}})
	if err != nil {
		t.Fatal(err)
	}
	err = r.eng.Handle(ctx, Inbound{Channel: tickets.Web, ConversationID: conv.ID, User: tickets.User{ID: "u1"},
		Text: "I want to talk to a human agent please", At: r.clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.got) != 1 || len(notified) != 1 {
		t.Fatalf("summarizer saw %d tickets, OnTicket %d; want 1 and 1", len(sum.got), len(notified))
	}
	stored := r.ticket(notified[0].ID)
	for _, tk := range []tickets.Ticket{stored, notified[0]} {
		if !strings.HasPrefix(tk.Summary, "Customer reports") || strings.Contains(tk.Summary, "4111 1111 1111 1111") {
			t.Errorf("summary = %q, want the summarizer's text, masked", tk.Summary)
		}
	}
}
