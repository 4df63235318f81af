package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/triagebot/triagebot/intents"
	"github.com/triagebot/triagebot/tickets"
)

// gate blocks a slow call (a model at its deadline) until released.
type gate struct{ entered, release chan struct{} }

func newGate() *gate { return &gate{entered: make(chan struct{}, 1), release: make(chan struct{})} }

func (g *gate) wait() {
	g.entered <- struct{}{}
	<-g.release
}

type slowSummarizer struct{ g *gate }

func (s slowSummarizer) Summarize(context.Context, intents.SummaryInput) string {
	s.g.wait()
	return "summary"
}

// slowClassifier blocks on the text "slow" and passes the rest on.
type slowClassifier struct {
	g    *gate
	next intents.Classifier
}

func (s slowClassifier) Classify(ctx context.Context, text string, now time.Time) (intents.Result, error) {
	if text == "slow" {
		s.g.wait()
	}
	return s.next.Classify(ctx, text, now)
}

// TestSlowCallsHoldNoLock checks that neither a slow classifier nor a slow
// ticket summary (both may be a model call) keeps the conversation's lock:
// another turn of the same conversation goes through meanwhile.
func TestSlowCallsHoldNoLock(t *testing.T) {
	cases := []struct {
		name  string
		setup func(r *rig, g *gate)
		first string
	}{
		{"summarizer", func(r *rig, g *gate) { r.sum = slowSummarizer{g} }, "I want to talk to a human agent please"},
		{"classifier", func(r *rig, g *gate) { r.cls = slowClassifier{g: g, next: r.cls} }, "slow"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, true)
			g := newGate()
			tc.setup(r, g)
			r.restart()
			ctx := context.Background()
			user := tickets.User{ID: "u1"}
			conv, _, err := r.eng.Open(ctx, OpenRequest{Channel: tickets.Web, User: user})
			if err != nil {
				t.Fatal(err)
			}
			first := make(chan error, 1)
			go func() {
				first <- r.eng.Handle(ctx, Inbound{Channel: tickets.Web, ConversationID: conv.ID, User: user, Text: tc.first})
			}()
			<-g.entered
			second := make(chan error, 1)
			go func() {
				second <- r.eng.Handle(ctx, Inbound{Channel: tickets.Web, ConversationID: conv.ID, User: user, Text: "hello"})
			}()
			var err2 error
			released := false
			select {
			case err2 = <-second:
			case <-time.After(5 * time.Second):
				t.Error("second turn waited for the slow call")
				close(g.release)
				released = true
				err2 = <-second
			}
			if err2 != nil {
				t.Errorf("second turn: %v", err2)
			}
			if !released {
				close(g.release)
			}
			if err := <-first; err != nil {
				t.Errorf("first turn: %v", err)
			}
		})
	}
}

// TestCaptionKept checks that the words sent with a file reach the
// transcript as well as the file.
func TestCaptionKept(t *testing.T) {
	r := newRig(t, true)
	ctx := context.Background()
	user := tickets.User{ID: "u1"}
	conv, _, err := r.eng.Open(ctx, OpenRequest{Channel: tickets.Web, User: user})
	if err != nil {
		t.Fatal(err)
	}
	err = r.eng.Handle(ctx, Inbound{Channel: tickets.Web, ConversationID: conv.ID, User: user,
		Text: "my withdrawal of HK$300 has not arrived", Upload: &Upload{Filename: "status.png", Data: smallPNG}})
	if err != nil {
		t.Fatal(err)
	}
	_, st := r.conversation(conv.ID)
	var texts []string
	for _, e := range st.Transcript {
		if e.From == tickets.FromUser {
			texts = append(texts, e.Text)
		}
	}
	if len(texts) != 2 || !strings.Contains(texts[1], "HK$300") || len(st.Attachments) != 1 {
		t.Fatalf("user entries %q, %d attachments; want the file's note, then the caption, and 1 attachment", texts, len(st.Attachments))
	}
	if st.Details.Amount != "300.00" {
		t.Errorf("amount %q, want the caption's 300.00", st.Details.Amount)
	}
}

// TestSummaryOffTheUserPath checks that a turn that opens a ticket returns
// while the summary (a model call) is still running: the user is never kept
// waiting for it, and the agents' hook gets the ticket once it is written.
func TestSummaryOffTheUserPath(t *testing.T) {
	r := newRig(t, true)
	g := newGate()
	r.sum = slowSummarizer{g}
	r.restart()
	told := make(chan tickets.Ticket, 1)
	r.eng.OnTicket(func(tk tickets.Ticket) { told <- tk })
	ctx := context.Background()
	user := tickets.User{ID: "u1"}
	conv, _, err := r.eng.Open(ctx, OpenRequest{Channel: tickets.Web, User: user})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.eng.Handle(ctx, Inbound{Channel: tickets.Web, ConversationID: conv.ID, User: user,
		Text: "I want to talk to a human agent please"}); err != nil {
		t.Fatal(err)
	}
	<-g.entered // the worker is in the summary, and Handle has returned
	select {
	case tk := <-told:
		t.Fatalf("ticket %s handed on before its summary was written", tk.ID)
	default:
	}
	close(g.release)
	if tk := <-told; tk.Summary != "summary" {
		t.Errorf("summary %q, want the summarizer's", tk.Summary)
	}
}
