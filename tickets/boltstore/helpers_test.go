package boltstore_test

import (
	"context"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
)

// fakeClock is a settable clock for Options.Now.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 11, 2, 7, 0, 0, 0, time.UTC)}
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

// update runs fn in a transaction and fails the test on error.
func update(t testing.TB, s tickets.Store, fn func(tickets.Tx) error) {
	t.Helper()
	if err := s.Update(context.Background(), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

// view runs fn in a read transaction and fails the test on error.
func view(t testing.TB, s tickets.Store, fn func(tickets.Tx) error) {
	t.Helper()
	if err := s.View(context.Background(), fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}

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

// requireAllSet fails when any field of v (recursively, through structs,
// pointers and the first element of slices) is zero. Round-trip fixtures are
// checked with it, so a field added to a domain type later, but forgotten in
// the stored record, makes the round-trip test fail instead of being dropped.
func requireAllSet(t testing.TB, v any) {
	t.Helper()
	var walk func(path string, rv reflect.Value)
	walk = func(path string, rv reflect.Value) {
		if rv.IsZero() {
			t.Errorf("fixture field %s is zero; set it so the round trip covers it", path)
			return
		}
		switch rv.Kind() {
		case reflect.Pointer:
			walk(path, rv.Elem())
		case reflect.Struct:
			if rv.Type() == reflect.TypeFor[time.Time]() {
				return
			}
			for i := range rv.NumField() {
				if !rv.Type().Field(i).IsExported() {
					continue // bookkeeping such as Ticket's change mark, never stored
				}
				walk(path+"."+rv.Type().Field(i).Name, rv.Field(i))
			}
		case reflect.Slice:
			if rv.Type().Elem().Kind() != reflect.Uint8 {
				walk(path+"[0]", rv.Index(0))
			}
		}
	}
	walk(reflect.TypeOf(v).String(), reflect.ValueOf(v))
}
