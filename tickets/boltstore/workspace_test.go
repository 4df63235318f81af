package boltstore_test

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
	"github.com/triagebot/triagebot/tickets/storetest"
)

func kinds(evs []tickets.Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, string(e.Kind)+" "+e.ID)
	}
	return out
}

// Events older than MaxEventAge are pruned a batch per write, and the
// range says where the kept ones begin.
func TestEventRetention(t *testing.T) {
	clock := storetest.NewClock()
	s, _ := openTest(t, boltstore.Options{Now: clock.Now})
	for range 20 {
		mustCreate(t, s, newTicket("payments", tickets.Normal))
	}
	view(t, s, func(tx tickets.Tx) error {
		oldest, newest, err := tx.EventRange()
		if oldest != 1 || newest != 20 {
			t.Errorf("range %d..%d, want 1..20", oldest, newest)
		}
		return err
	})
	clock.Advance(boltstore.MaxEventAge + time.Hour)
	for range 3 {
		mustCreate(t, s, newTicket("payments", tickets.Normal))
	}
	view(t, s, func(tx tickets.Tx) error {
		oldest, newest, err := tx.EventRange()
		if oldest != 21 || newest != 23 {
			t.Errorf("range after a week %d..%d, want 21..23", oldest, newest)
		}
		evs, err2 := tx.Events(0, 100)
		if len(evs) != 3 || evs[0].Seq != 21 {
			t.Errorf("events after a week: %v", kinds(evs))
		}
		return errors.Join(err, err2)
	})
}

// A file written before search existed gets its index built once at Open.
func TestSearchIndexBuiltForOlderFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	s, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tk := newTicket("payments", tickets.Normal)
	tk.Transcript = []tickets.Entry{{From: tickets.FromUser, Text: "提款失敗", At: time.Now()}}
	tk = mustCreate(t, s, tk)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Make it look like a file from before: no index, no mark.
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range []string{"ix_search", "ix_search_key", "search_doc"} {
			if err := tx.DeleteBucket([]byte(b)); err != nil {
				return err
			}
		}
		return tx.Bucket([]byte("meta")).Delete([]byte("search_index"))
	})
	if err := errors.Join(err, db.Close()); err != nil {
		t.Fatal(err)
	}
	s, err = boltstore.Open(path, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	view(t, s, func(tx tickets.Tx) error {
		got, err := tx.Tickets(tickets.Filter{Q: "提款"})
		if len(got) != 1 || got[0].ID != tk.ID {
			t.Errorf("search after rebuilding: %v", ids(got))
		}
		return err
	})
}

// The store conformance suite (tickets/storetest), which the PostgreSQL
// store runs too.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now tickets.Clock) tickets.Store {
		s, _ := openTest(t, boltstore.Options{NoSync: true, Now: now})
		return s
	})
}
