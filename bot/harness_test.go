package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/triagebot/triagebot/escalation"
	"github.com/triagebot/triagebot/intents"
	"github.com/triagebot/triagebot/language"
	"github.com/triagebot/triagebot/prompts"
	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
)

// hk is the zone of the tests' clock; relative times resolve in it.
var hk = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Hong_Kong")
	if err != nil {
		return time.FixedZone("HKT", 8*3600)
	}
	return loc
}()

// testStart is the tests' "now": a Monday morning in Hong Kong.
var testStart = time.Date(2025, 11, 3, 10, 0, 0, 0, hk)

// fakeClock is an injected clock that tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var (
	offlineOnce sync.Once
	offline     *intents.Offline
	offlineErr  error
)

// realClassifier is the offline classifier, trained once per test binary.
func realClassifier(t testing.TB) intents.Classifier {
	offlineOnce.Do(func() { offline, offlineErr = intents.NewOffline() })
	if offlineErr != nil {
		t.Fatalf("offline classifier: %v", offlineErr)
	}
	return offline
}

// rig is an engine on a real bbolt file, reopened by restart.
type rig struct {
	t      testing.TB
	path   string
	clock  *fakeClock
	cls    intents.Classifier
	store  *boltstore.Store
	eng    *Engine
	noSync bool
	sum    Summarizer // nil: the engine's own summary
	// notices: Config.Notices; set before the first open (newRigNotices).
	notices bool

	stopWorker func() // stops the engine's Run
}

func newRig(t testing.TB, noSync bool) *rig {
	return newRigWith(t, func(r *rig) { r.noSync = noSync })
}

// newRigWith lets set change the rig's options before it opens.
func newRigWith(t testing.TB, set func(*rig)) *rig {
	r := &rig{t: t, path: filepath.Join(t.TempDir(), "triagebot.db"), clock: &fakeClock{t: testStart},
		cls: realClassifier(t), noSync: true}
	set(r)
	r.open()
	t.Cleanup(func() {
		if r.store != nil {
			r.stopWorker()
			_ = r.store.Close()
		}
	})
	return r
}

func (r *rig) open() {
	st, err := boltstore.Open(r.path, boltstore.Options{NoSync: r.noSync, Now: r.clock.Now})
	if err != nil {
		r.t.Fatalf("open store: %v", err)
	}
	eng, err := New(Config{Store: st, Classifier: r.cls, Router: escalation.Default(), Now: r.clock.Now, Location: hk, Summarizer: r.sum, Notices: r.notices})
	if err != nil {
		r.t.Fatalf("new engine: %v", err)
	}
	r.store, r.eng = st, eng
	// The engine's worker (ticket summaries), stopped before the store
	// closes, as serve does.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = eng.Run(ctx) }()
	r.stopWorker = func() { cancel(); <-done }
}

// restart closes the store and opens it again with a fresh engine, as a
// process restart would.
func (r *rig) restart() {
	r.stopWorker()
	if err := r.store.Close(); err != nil {
		r.t.Fatalf("close store: %v", err)
	}
	r.store = nil
	r.open()
}

// drain returns the conversation's outbox and acknowledges it.
func (r *rig) drain(convID string) []tickets.OutMessage {
	ctx := context.Background()
	msgs, err := r.eng.Outbox(ctx, convID)
	if err != nil {
		r.t.Fatalf("outbox: %v", err)
	}
	if len(msgs) > 0 {
		if err := r.eng.Ack(ctx, convID, msgs[len(msgs)-1].ID); err != nil {
			r.t.Fatalf("ack: %v", err)
		}
	}
	return msgs
}

func (r *rig) conversation(id string) (tickets.Conversation, *state) {
	conv, err := r.eng.Conversation(context.Background(), id)
	if err != nil {
		r.t.Fatalf("conversation: %v", err)
	}
	st, err := decodeState(conv.State)
	if err != nil {
		r.t.Fatalf("state: %v", err)
	}
	return conv, st
}

func (r *rig) ticket(id string) tickets.Ticket {
	var tk tickets.Ticket
	err := r.store.View(context.Background(), func(tx tickets.Tx) error {
		var err error
		tk, err = tx.Ticket(id)
		return err
	})
	if err != nil {
		r.t.Fatalf("ticket %s: %v", id, err)
	}
	return tk
}

func (r *rig) userTickets(ch tickets.Channel, user string) []tickets.Ticket {
	var list []tickets.Ticket
	err := r.store.View(context.Background(), func(tx tickets.Tx) error {
		var err error
		list, err = tx.TicketsOfUser(ch, user)
		return err
	})
	if err != nil {
		r.t.Fatalf("tickets of %s: %v", user, err)
	}
	return list
}

// smallPNG is a valid 1×1 PNG.
var smallPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89" +
	"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82")

// formatMsgs renders outbound messages for a golden file.
func formatMsgs(b *bytes.Buffer, msgs []tickets.OutMessage) {
	for _, m := range msgs {
		switch m.Kind {
		case tickets.KindTicket:
			fmt.Fprintf(b, "  [ticket %s %s queue=%s priority=%s]\n", m.Ticket.TicketID, m.Ticket.Status, m.Ticket.Queue, m.Ticket.Priority)
		default:
			for i, line := range strings.Split(m.Text, "\n") {
				if i == 0 {
					fmt.Fprintf(b, "  %s: %s\n", m.From, line)
				} else {
					fmt.Fprintf(b, "       %s\n", line)
				}
			}
			if len(m.QuickReplies) > 0 {
				fmt.Fprintf(b, "       (%s)\n", strings.Join(m.QuickReplies, " | "))
			}
		}
	}
}

// formatTicket renders a ticket for a golden file, with the random
// attachment ids replaced by their position.
func formatTicket(b *bytes.Buffer, tk tickets.Ticket) {
	for i := range tk.Attachments {
		tk.Attachments[i].ID = fmt.Sprintf("att-%d", i+1)
	}
	js, _ := json.MarshalIndent(tk, "", "  ")
	b.Write(js)
	b.WriteString("\n")
}

// questionOf names the detail a bot message asks for (by our own question
// texts, in any language), and whether it is the re-ask.
func questionOf(text string) (d Detail, reask bool, ok bool) {
	for _, det := range []Detail{DetailTime, DetailAmount, DetailCurrency, DetailTxn, DetailScreenshot, DetailError, DetailAPI, DetailOTPChannel} {
		for _, lang := range language.All {
			if k := prompts.Reask(string(det)); prompts.Has(k) && strings.Contains(text, prompts.Render(lang, k, nil)) {
				return det, true, true
			}
		}
		for _, lang := range language.All {
			if strings.Contains(text, prompts.Render(lang, prompts.Ask(string(det)), nil)) {
				return det, false, true
			}
		}
	}
	return "", false, false
}

// isDialogueEnd reports a message after which a new dialogue may ask again.
func isDialogueEnd(text string) bool {
	for _, lang := range language.All {
		if strings.HasPrefix(text, prompts.Render(lang, prompts.ClosedFixed, nil)) {
			return true
		}
		res := prompts.Render(lang, prompts.TicketResolved, map[string]any{"TicketID": "T-"})
		if i := strings.Index(res, "T-"); i > 0 && strings.HasPrefix(text, res[:i]) {
			return true
		}
	}
	return false
}

// askCounter checks that no detail is asked more than once plainly and
// once again with an example within one dialogue.
type askCounter struct {
	plain, reask map[Detail]int
}

func (a *askCounter) see(t testing.TB, where string, m tickets.OutMessage) {
	if m.Kind != tickets.KindMessage || m.From != tickets.FromBot {
		return
	}
	if a.plain == nil || isDialogueEnd(m.Text) {
		a.plain, a.reask = map[Detail]int{}, map[Detail]int{}
	}
	d, re, ok := questionOf(m.Text)
	if !ok {
		return
	}
	if re {
		a.reask[d]++
		if a.reask[d] > 1 || a.plain[d] == 0 {
			t.Errorf("%s: %s re-asked again (or without a first question): %q", where, d, m.Text)
		}
		return
	}
	a.plain[d]++
	if a.plain[d] > 1 {
		t.Errorf("%s: %s asked twice: %q", where, d, m.Text)
	}
}

func containsAny(list []string, s string) bool { return slices.Contains(list, s) }

// maskedForm is what the engine stores for a user's message.
func maskedForm(s string) string { return intents.Mask(s) }
