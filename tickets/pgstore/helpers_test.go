package pgstore

import (
	"context"
	"testing"
	"time"

	"github.com/triagebot/triagebot/tickets/pgstore/pgtest"
	"github.com/triagebot/triagebot/tickets/storetest"
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

// update and view are the conformance suite's helpers.
var (
	update = storetest.Update
	view   = storetest.View
)
