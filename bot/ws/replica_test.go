package ws

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/triagebot/triagebot/bot"
	"github.com/triagebot/triagebot/escalation"
	"github.com/triagebot/triagebot/intents"
	"github.com/triagebot/triagebot/internal/replicatest"
	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
)

// replicaEngines are two engines on one store that tells of every commit,
// as two replicas on one PostgreSQL database.
func replicaEngines(t *testing.T) (a, b *bot.Engine, shared *replicatest.Shared) {
	t.Helper()
	classifierOnce.Do(func() { classifier, classifierErr = intents.NewOffline() })
	if classifierErr != nil {
		t.Fatal(classifierErr)
	}
	store, err := boltstore.Open(filepath.Join(t.TempDir(), "shared.db"), boltstore.Options{Timeout: 2 * time.Second, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	shared = replicatest.New(store)
	mk := func() *bot.Engine {
		e, err := bot.New(bot.Config{Store: shared, Classifier: classifier, Router: escalation.Default(),
			Location: time.FixedZone("HKT", 8*3600)})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	return mk(), mk(), shared
}

// TestReplyFromAnotherReplica: the user's connection is held by replica
// A's hub; an agent claims and replies through replica B's engine, whose
// own subscribers A does not share. The store's wake-up brings the reply
// to the user, once however often it is woken.
func TestReplyFromAnotherReplica(t *testing.T) {
	a, b, shared := replicaEngines(t)
	f := startHub(t, a, Config{})
	c := connect(t, f.url, "")
	c.say("I want to talk to a human agent please")
	tf := c.until(10*time.Second, isType("ticket"))
	c.settle(10 * time.Second)

	ctx := context.Background()
	if _, err := b.Claim(ctx, tf.TicketID, "amy"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Reply(ctx, tf.TicketID, "amy", "Hello from the other replica."); err != nil {
		t.Fatal(err)
	}
	m := c.until(10*time.Second, func(fr frame) bool { return fr.Type == "message" && fr.From == "agent" })
	if m.Text != "Hello from the other replica." {
		t.Fatalf("agent message %q: %s", m.Text, m.raw)
	}
	c.settle(10 * time.Second)

	// Duplicate wake-ups (a NOTIFY heard twice, or after the frame went)
	// resend nothing: the connection sends only what it has not sent.
	conv, err := a.ConversationByResume(ctx, tickets.HashToken(c.session))
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		shared.Wake(tickets.Web, conv.ID)
	}
	// A marker that must come next proves nothing came before it.
	if _, err := b.Reply(ctx, tf.TicketID, "amy", "marker"); err != nil {
		t.Fatal(err)
	}
	next := c.must(10 * time.Second)
	if next.Type != "message" || next.Text != "marker" {
		t.Fatalf("after duplicate wake-ups the next frame is %s, want the marker message", next.raw)
	}
}
