package boltstore_test

import (
	"path/filepath"
	"testing"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
	"github.com/triagebot/triagebot/tickets/storetest"
)

// openTest opens a store on a fresh file in t.TempDir and closes it at the end.
func openTest(t testing.TB, opts boltstore.Options) (*boltstore.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data", "triagebot.db")
	s, err := boltstore.Open(path, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, path
}

// update and view are the conformance suite's helpers.
var (
	update = storetest.Update
	view   = storetest.View
)

// newTicket is a valid ticket for tests.
func newTicket(queue string, p tickets.Priority) tickets.Ticket {
	return tickets.Ticket{
		Intent: "withdrawal_failed", Priority: p, Queue: queue,
		Channel: tickets.Web, User: tickets.User{ID: "u1", Name: "Ada"}, Lang: "en",
	}
}

// mustCreate creates a ticket in its own transaction and returns it with its id.
func mustCreate(t testing.TB, s tickets.Store, tk tickets.Ticket) tickets.Ticket {
	t.Helper()
	update(t, s, func(tx tickets.Tx) error { return tx.CreateTicket(&tk) })
	return tk
}

// ids lists the ids of ts in order.
func ids(ts []tickets.Ticket) []string {
	out := make([]string, len(ts))
	for i, tk := range ts {
		out[i] = tk.ID
	}
	return out
}
