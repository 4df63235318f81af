package pgstore

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/triagebot/triagebot/tickets"
)

// TestNotesOverflowToResync: the conversations waiting for the notifier
// are bounded; past maxPendingNotes they give way to one resync, and a
// conversation noted twice is sent once.
func TestNotesOverflowToResync(t *testing.T) {
	n := newNotes()
	a := outboxNote{ch: tickets.Web, id: "a"}
	n.addLocked(a, 1)
	n.addLocked(a, 2)
	if len(n.outbox) != 1 || n.outbox[a] != 1 {
		t.Fatalf("a noted twice: %v, want once with its first commit time", n.outbox)
	}
	for i := range maxPendingNotes {
		n.addLocked(outboxNote{ch: tickets.Web, id: fmt.Sprint("c", i)}, 3)
	}
	if !n.overflow || len(n.outbox) != 0 {
		t.Fatalf("after %d conversations: overflow %v, %d waiting; want a resync and none", maxPendingNotes+1, n.overflow, len(n.outbox))
	}
	n.addLocked(outboxNote{ch: tickets.Web, id: "late"}, 4)
	if len(n.outbox) != 0 {
		t.Error("a conversation noted after the overflow is kept: the resync covers it")
	}
}

// TestHintsCrossStores: a hint one Store sends reaches the other's
// watchers, not its own; a malformed notification on the hint channel is
// ignored and the listener goes on.
func TestHintsCrossStores(t *testing.T) {
	a, u := openTest(t, Options{})
	b := openURL(t, u, Options{})
	got := make(chan tickets.Hint, 8)
	b.WatchHints(func(h tickets.Hint) { got <- h })
	own := make(chan tickets.Hint, 8)
	a.WatchHints(func(h tickets.Hint) { own <- h })

	exec(t, u, `SELECT pg_notify('triagebot_hint', 'not json at all')`)
	exec(t, u, `SELECT pg_notify('triagebot_hint', '{"from":"x","kind":7}')`)
	want := tickets.Hint{Kind: tickets.HintTyping, Channel: tickets.Web, ConversationID: "conv-1", Agent: "amy"}
	a.Hint(want)
	select {
	case h := <-got:
		if h != want {
			t.Errorf("b heard %+v, want %+v", h, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("b heard no hint")
	}
	select {
	case h := <-own:
		t.Errorf("a heard its own hint %+v", h)
	case <-time.After(200 * time.Millisecond):
	}

}

// TestHintsBounded: a hint too large for a notification, or one that finds
// maxPendingHints waiting, is dropped and counted (no notifier runs here).
func TestHintsBounded(t *testing.T) {
	s := &Store{id: "s", notes: newNotes(), metrics: newMetrics(nil)}
	h := tickets.Hint{Kind: tickets.HintTyping, Channel: tickets.Web, ConversationID: "c", Agent: "amy"}
	s.Hint(tickets.Hint{Kind: tickets.HintTyping, Channel: tickets.Web, ConversationID: strings.Repeat("x", maxHintPayload)})
	if n := testutil.ToFloat64(s.metrics.hintsDropped); n != 1 || len(s.notes.hints) != 0 {
		t.Errorf("a hint over %d bytes: %v dropped, %d waiting; want 1 and 0", maxHintPayload, n, len(s.notes.hints))
	}
	for range maxPendingHints + 3 {
		s.Hint(h)
	}
	if n := testutil.ToFloat64(s.metrics.hintsDropped); n != 4 || len(s.notes.hints) != maxPendingHints {
		t.Errorf("after %d hints: %v dropped, %d waiting; want 4 and %d", maxPendingHints+3, n, len(s.notes.hints), maxPendingHints)
	}
}
