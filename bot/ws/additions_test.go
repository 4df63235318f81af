package ws

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/triagebot/triagebot/tickets"
)

// The contract additions of the widget (issue 17): client_id, the agent's
// name and times on frames, the team on ticket frames, typing frames.

// sync sends a frame the server refuses and waits for the refusal: the
// server reads a connection's frames one at a time, so every frame sent
// before it has been handled when the error frame arrives.
// It returns the frames that came before the refusal.
func (c *client) sync() []frame {
	c.t.Helper()
	c.send(map[string]string{"type": "ack", "id": "no-such-message"})
	var before []frame
	for {
		fr := c.must(10 * time.Second)
		if fr.Type == "error" && fr.Code == CodeBadFrame {
			return before
		}
		before = append(before, fr)
	}
}

func (c *client) sayWithID(text, clientID string) {
	c.t.Helper()
	c.send(map[string]string{"type": "message", "text": text, "client_id": clientID})
}

// TestClientIDDeduplicates: a page that lost its connection sends again
// what it is not sure arrived, with the same client_id, on a new
// connection; the server takes it once. Another id is another message.
func TestClientIDDeduplicates(t *testing.T) {
	eng, _ := realEngine(t, t.TempDir())
	f := startHub(t, eng, Config{})
	ctx := context.Background()

	c := connect(t, f.url, "")
	key := c.session
	conv, err := eng.ConversationByResume(ctx, tickets.HashToken(key))
	if err != nil {
		t.Fatal(err)
	}
	outbox := func() int {
		t.Helper()
		msgs, err := eng.Outbox(ctx, conv.ID)
		if err != nil {
			t.Fatal(err)
		}
		return len(msgs)
	}
	c.sayWithID("My withdrawal to my bank failed", "c-1")
	if !received(c.sync(), "c-1") {
		t.Error("no received frame for c-1")
	}
	after1 := outbox()
	c.close() // the page is not sure "c-1" arrived

	again := connect(t, f.url, key)
	if again.session != key {
		t.Fatalf("not resumed: %q", again.session)
	}
	again.sayWithID("My withdrawal to my bank failed", "c-1")
	if !received(again.sync(), "c-1") {
		t.Error("no received frame for the copy of c-1: the page would keep sending it")
	}
	if got := outbox(); got != after1 {
		t.Errorf("the same client_id on a new connection was handled again: outbox %d → %d", after1, got)
	}
	// The control: the same words under a new id are a new message.
	again.sayWithID("My withdrawal to my bank failed", "c-2")
	again.sync()
	if got := outbox(); got <= after1 {
		t.Errorf("a new client_id was not handled: outbox stays at %d", got)
	}

	// Another conversation may use the same id.
	other := connect(t, f.url, "")
	oconv, err := eng.ConversationByResume(ctx, tickets.HashToken(other.session))
	if err != nil {
		t.Fatal(err)
	}
	before, _ := eng.Outbox(ctx, oconv.ID)
	other.sayWithID("My withdrawal to my bank failed", "c-1")
	other.sync()
	if got, _ := eng.Outbox(ctx, oconv.ID); len(got) <= len(before) {
		t.Error("client_id c-1 of one conversation silenced another's")
	}
}

// received reports whether frames hold a received frame for clientID.
func received(frames []frame, clientID string) bool {
	for _, f := range frames {
		if f.Type == "received" && f.ClientID == clientID {
			return true
		}
	}
	return false
}

// TestFrameAdditions: an agent's message names the agent and has a time;
// the ticket frame names the team in the user's language and the due time.
func TestFrameAdditions(t *testing.T) {
	eng, _ := realEngine(t, t.TempDir())
	f := startHub(t, eng, Config{})
	c := connect(t, f.url, "")
	c.say("I want to talk to a human agent please")
	tf := c.until(10*time.Second, isType("ticket"))
	if tf.Team != "Customer service team" || tf.Queue != "general" {
		t.Errorf("ticket frame team %q queue %q, want the readable name of general", tf.Team, tf.Queue)
	}
	if due, err := time.Parse(time.RFC3339, tf.SLADue); err != nil || due.Before(time.Now()) {
		t.Errorf("ticket frame sla_due %q (%v), want a future RFC 3339 time", tf.SLADue, err)
	} else if _, off := due.Zone(); off != 8*3600 {
		t.Errorf("sla_due %q is not in the routing zone (+08:00)", tf.SLADue)
	}
	if _, err := eng.Reply(context.Background(), tf.TicketID, "amy", "Hello, I am looking at it."); err != nil {
		t.Fatal(err)
	}
	m := c.until(10*time.Second, func(fr frame) bool { return fr.Type == "message" && fr.From == "agent" })
	at, err := time.Parse(time.RFC3339, m.At)
	if m.Agent != "amy" || err != nil || time.Since(at) > time.Hour || time.Until(at) > time.Minute {
		t.Errorf("agent message: agent %q at %q (%v), want amy and about now: %s", m.Agent, m.At, err, m.raw)
	}
	// A bot message has a time and no agent.
	c.say("thanks")
	b := c.until(10*time.Second, func(fr frame) bool { return fr.Type == "message" && fr.From == "bot" })
	if b.Agent != "" || b.At == "" {
		t.Errorf("bot message: agent %q at %q: %s", b.Agent, b.At, b.raw)
	}
}

// TestTypingRelay: Hub.Typing reaches every page open on that conversation
// as a frame without an id, not another conversation's, and is not
// replayed to a page that connects later.
func TestTypingRelay(t *testing.T) {
	eng, _ := realEngine(t, t.TempDir())
	f := startHub(t, eng, Config{})
	ctx := context.Background()
	a := connect(t, f.url, "")
	tab := connect(t, f.url, a.session) // a second tab of the same chat
	b := connect(t, f.url, "")
	conv, err := eng.ConversationByResume(ctx, tickets.HashToken(a.session))
	if err != nil {
		t.Fatal(err)
	}
	// Connections register with Run asynchronously: send until one arrives.
	var got frame
	for end := time.Now().Add(10 * time.Second); got.Type == ""; {
		if time.Now().After(end) {
			t.Fatal("no typing frame")
		}
		f.hub.Typing(conv.ID, "amy")
		if fr, err := a.next(100 * time.Millisecond); err == nil && fr.Type == "typing" {
			got = fr
		}
	}
	if got.From != "agent" || got.Agent != "amy" || got.ID != "" {
		t.Errorf("typing frame %s", got.raw)
	}
	tab.until(5*time.Second, isType("typing"))
	for _, fr := range b.sync() {
		if fr.Type == "typing" {
			t.Errorf("another conversation got %s", fr.raw)
		}
	}
	b.close()
	late := connect(t, f.url, a.session)
	for _, fr := range late.sync() {
		if fr.Type == "typing" {
			t.Errorf("a typing frame was replayed: %s", fr.raw)
		}
	}
}

// hintBus is a tickets.Hinter for one hub: it records what the hub sends
// and delivers what a test says another replica sent.
type hintBus struct {
	mu       sync.Mutex
	sent     []tickets.Hint
	watchers []func(tickets.Hint)
}

func (b *hintBus) Hint(h tickets.Hint) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sent = append(b.sent, h)
}

func (b *hintBus) WatchHints(fn func(tickets.Hint)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.watchers = append(b.watchers, fn)
}

func (b *hintBus) deliver(h tickets.Hint) {
	b.mu.Lock()
	ws := slices.Clone(b.watchers)
	b.mu.Unlock()
	for _, fn := range ws {
		fn(h)
	}
}

// TestTypingAcrossReplicas: with Config.Hints, Typing also goes to the
// other replicas, and their typing hints reach this hub's pages; hints of
// another kind or channel are not shown.
func TestTypingAcrossReplicas(t *testing.T) {
	eng, _ := realEngine(t, t.TempDir())
	bus := &hintBus{}
	f := startHub(t, eng, Config{Hints: bus})
	a := connect(t, f.url, "")
	conv, err := eng.ConversationByResume(context.Background(), tickets.HashToken(a.session))
	if err != nil {
		t.Fatal(err)
	}
	f.hub.Typing(conv.ID, "amy")
	bus.mu.Lock()
	sent := slices.Clone(bus.sent)
	bus.mu.Unlock()
	want := tickets.Hint{Kind: tickets.HintTyping, Channel: tickets.Web, ConversationID: conv.ID, Agent: "amy"}
	if len(sent) != 1 || sent[0] != want {
		t.Errorf("hints sent %+v, want [%+v]", sent, want)
	}

	for _, other := range []tickets.Hint{
		{Kind: "other", Channel: tickets.Web, ConversationID: conv.ID, Agent: "bob"},
		{Kind: tickets.HintTyping, Channel: tickets.Telegram, ConversationID: conv.ID, Agent: "bob"},
	} {
		bus.deliver(other)
	}
	// Connections register with Run asynchronously: send until one arrives.
	for kit, end := false, time.Now().Add(10*time.Second); !kit; {
		if time.Now().After(end) {
			t.Fatal("no typing frame from the other replica")
		}
		bus.deliver(tickets.Hint{Kind: tickets.HintTyping, Channel: tickets.Web, ConversationID: conv.ID, Agent: "kit"})
		for _, fr := range a.sync() {
			switch {
			case fr.Type == "typing" && fr.Agent == "kit":
				kit = true
			case fr.Type == "typing" && fr.Agent == "bob":
				t.Errorf("bob's hint (not typing on the web) was shown: %s", fr.raw)
			}
		}
	}
	bus.mu.Lock()
	if len(bus.sent) != 1 {
		t.Errorf("a hint from another replica was sent on: %+v", bus.sent)
	}
	bus.mu.Unlock()
}
