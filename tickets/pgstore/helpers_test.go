package pgstore

import (
	"context"
	"testing"
	"time"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/pgstore/pgtest"
)

// envURL names the server the tests may create databases on.
const envURL = pgtest.EnvURL

// testURL is pgtest.URL: a database of the test's own, or a skip.
func testURL(t testing.TB) string { return pgtest.URL(t) }

// openURL opens a Store on url, closed when the test ends.
func openURL(t testing.TB, u string, opts Options) *Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, err := Open(ctx, u, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// openTest opens a Store on a fresh database.
func openTest(t testing.TB, opts Options) (*Store, string) {
	t.Helper()
	u := testURL(t)
	return openURL(t, u, opts), u
}

func update(t testing.TB, s tickets.Store, fn func(tickets.Tx) error) {
	t.Helper()
	if err := s.Update(context.Background(), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func view(t testing.TB, s tickets.Store, fn func(tickets.Tx) error) {
	t.Helper()
	if err := s.View(context.Background(), fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}
