package bot

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/triagebot/triagebot/intents"
	"github.com/triagebot/triagebot/tickets"
)

// recordingSummarizer returns a fixed summary (with a card number, which
// must be masked) and records what it was given.
type recordingSummarizer struct {
	mu  sync.Mutex
	got []intents.SummaryInput
}

func (s *recordingSummarizer) Summarize(_ context.Context, t intents.SummaryInput) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = append(s.got, t)
	return "Customer reports a card payment they did not make, card 4111 1111 1111 1111."
}

// askForPersonWith runs a rig with sum as its Summarizer through one
// conversation whose first message asks for a person (a ticket at once);
// told gets the tickets the OnTicket hooks are handed.
func askForPersonWith(t *testing.T, sum Summarizer) (r *rig, told chan tickets.Ticket) {
	t.Helper()
	r = newRig(t, true)
	r.sum = sum
	r.restart() // reopen with the summarizer wired
	told = make(chan tickets.Ticket, 1)
	r.eng.OnTicket(func(tk tickets.Ticket) { told <- tk })
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
	return r, told
}

func TestSummarizerWritesNewTicketsSummary(t *testing.T) {
	sum := &recordingSummarizer{}
	r, told := askForPersonWith(t, sum)
	// The summary is written by the engine's worker, then the ticket is
	// handed to the hooks.
	notified := <-told
	sum.mu.Lock()
	got := sum.got
	sum.mu.Unlock()
	if len(got) != 1 || got[0].Intent != "human_agent" || len(got[0].Lines) == 0 {
		t.Fatalf("summarizer was told %+v; want one human_agent ticket with its lines", got)
	}
	stored := r.ticket(notified.ID)
	for _, tk := range []tickets.Ticket{stored, notified} {
		if !strings.HasPrefix(tk.Summary, "Customer reports") || strings.Contains(tk.Summary, "4111 1111 1111 1111") {
			t.Errorf("summary = %q, want the summarizer's text, masked", tk.Summary)
		}
	}
}

// localRecorder is recordingSummarizer that says it is local.
type localRecorder struct{ recordingSummarizer }

func (*localRecorder) Local() bool { return true }

// TestLocalSummarizerWritesInTheTurn: a local summarizer (the template)
// is called in the turn that creates the ticket, so the ticket is stored
// with its summary at once, in one transaction: one event, no update.
func TestLocalSummarizerWritesInTheTurn(t *testing.T) {
	sum := &localRecorder{}
	r, told := askForPersonWith(t, sum)
	var notified tickets.Ticket
	select {
	case notified = <-told: // handed on by the turn itself, with no worker queue
	default:
		t.Fatal("the hooks were not told of the ticket when Handle returned")
	}
	if sum.got == nil || len(sum.got) != 1 {
		t.Fatalf("summarizer called %d times, want once", len(sum.got))
	}
	if !strings.HasPrefix(notified.Summary, "Customer reports") || strings.Contains(notified.Summary, "4111 1111 1111 1111") {
		t.Errorf("summary = %q, want the summarizer's text, masked", notified.Summary)
	}
	var evs []tickets.Event
	if err := r.store.View(context.Background(), func(tx tickets.Tx) (err error) { evs, err = tx.Events(0, 100); return err }); err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, ev := range evs {
		if ev.ID == notified.ID {
			kinds = append(kinds, string(ev.Kind))
		}
	}
	if len(kinds) != 1 {
		t.Errorf("events of the new ticket: %v, want only its creation", kinds)
	}
}
