package pgstore

import (
	"fmt"
	"testing"

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
