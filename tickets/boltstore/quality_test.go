package boltstore_test

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
)

// TestQualityIndexesBuiltForOldFiles: a file written before the quality
// indexes gets them at Open, also when it is a schema-1 file whose
// migration rewrites tickets (the indexes must exist before that).
func TestQualityIndexesBuiltForOldFiles(t *testing.T) {
	t.Run("current schema", func(t *testing.T) { testOldFile(t, false) })
	t.Run("schema 1", func(t *testing.T) { testOldFile(t, true) })
}

func testOldFile(t *testing.T, schema1 bool) {
	path := filepath.Join(t.TempDir(), "old.db")
	s, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	tk := newTicket("payments", tickets.High)
	tk.CreatedAt, tk.SLADue = base, base.Add(time.Hour)
	const oldConv = "c-LEGACYSESSIONKEY0000000001"
	tk.ConversationID, tk.User = oldConv, tickets.User{ID: oldConv}
	update(t, s, func(tx tickets.Tx) error {
		return tx.PutConversation(&tickets.Conversation{ID: oldConv, Channel: tickets.Web})
	})
	tk = mustCreate(t, s, tk)
	s.Close()
	if schema1 {
		makeSchema1(t, path)
	}
	// Make it an old file: drop the indexes and the mark.
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range []string{"ix_sla_due", "ix_report", "dlg_outcomes"} {
			if err := tx.DeleteBucket([]byte(b)); err != nil {
				return err
			}
		}
		return tx.Bucket([]byte("meta")).Delete([]byte("quality_indexes"))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	s, err = boltstore.Open(path, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	view(t, s, func(tx tickets.Tx) error {
		due, err := tx.DueTickets(base.Add(time.Hour), 5)
		if err != nil {
			return err
		}
		if got := ids(due); !reflect.DeepEqual(got, []string{tk.ID}) {
			t.Errorf("due after rebuild = %v, want [%s]", got, tk.ID)
		}
		n := 0
		err = tx.ReportRows(base, base.Add(time.Second), func(tickets.ReportRow) error { n++; return nil })
		if n != 1 {
			t.Errorf("report rows after rebuild = %d, want 1", n)
		}
		return err
	})
}
