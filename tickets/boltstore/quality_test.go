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

// TestDueIndex: a ticket is in the due index while it waits for its first
// agent response; an agent message, a breach or a resolution takes it out,
// and a new due time moves it.
func TestDueIndex(t *testing.T) {
	s, _ := openTest(t, boltstore.Options{})
	base := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	mk := func(due time.Duration) tickets.Ticket {
		tk := newTicket("payments", tickets.High)
		tk.CreatedAt, tk.SLADue = base, base.Add(due)
		return mustCreate(t, s, tk)
	}
	a, b, c, d := mk(3*time.Hour), mk(time.Hour), mk(2*time.Hour), mk(4*time.Hour)
	noDue := newTicket("payments", tickets.Low)
	mustCreate(t, s, noDue) // no sla_due: never due

	due := func(at time.Time) []string {
		var got []tickets.Ticket
		view(t, s, func(tx tickets.Tx) error {
			var err error
			got, err = tx.DueTickets(at, 10)
			return err
		})
		return ids(got)
	}
	if got, want := due(base.Add(3*time.Hour)), []string{b.ID, c.ID, a.ID}; !reflect.DeepEqual(got, want) {
		t.Fatalf("due at +3h = %v, want %v (earliest first, the bound included)", got, want)
	}
	update(t, s, func(tx tickets.Tx) error {
		_, err := tickets.AppendEntry(tx, b.ID, tickets.Entry{From: tickets.FromAgent, Agent: "amy", Text: "on it", At: base})
		return err
	})
	update(t, s, func(tx tickets.Tx) error {
		tk, err := tx.Ticket(c.ID)
		if err != nil {
			return err
		}
		tk.Breached = true
		return tx.PutTicket(&tk)
	})
	update(t, s, func(tx tickets.Tx) error {
		tk, err := tx.Ticket(a.ID)
		if err != nil {
			return err
		}
		tk.SLADue = base.Add(5 * time.Hour)
		return tx.PutTicket(&tk)
	})
	update(t, s, func(tx tickets.Tx) error {
		_, err := tickets.Resolve(tx, d.ID, "amy", "", base)
		return err
	})
	if got := due(base.Add(4 * time.Hour)); len(got) != 0 {
		t.Errorf("due at +4h = %v, want none: answered, breached, moved and resolved tickets leave", got)
	}
	if got, want := due(base.Add(5*time.Hour)), []string{a.ID}; !reflect.DeepEqual(got, want) {
		t.Errorf("due at +5h = %v, want %v", got, want)
	}
	view(t, s, func(tx tickets.Tx) error {
		next, err := tx.NextDue()
		if err != nil {
			return err
		}
		if !next.Equal(base.Add(5 * time.Hour)) {
			t.Errorf("NextDue = %s, want %s", next, base.Add(5*time.Hour))
		}
		return nil
	})
	view(t, s, func(tx tickets.Tx) error {
		tk, err := tx.Ticket(b.ID)
		if err == nil && !tk.FirstResponseAt.Equal(base) {
			t.Errorf("first_response_at = %s, want the agent's first message %s", tk.FirstResponseAt, base)
		}
		return err
	})
}

// TestReportRows: rows follow their ticket and come back by creation time.
func TestReportRows(t *testing.T) {
	s, _ := openTest(t, boltstore.Options{})
	base := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	var made []tickets.Ticket
	for i := range 5 {
		tk := newTicket("payments", tickets.Normal)
		tk.CreatedAt, tk.SLADue = base.Add(time.Duration(i)*time.Hour), base.Add(time.Duration(i+8)*time.Hour)
		made = append(made, mustCreate(t, s, tk))
	}
	update(t, s, func(tx tickets.Tx) error {
		tk, err := tickets.Resolve(tx, made[1].ID, "amy", "done", base.Add(3*time.Hour))
		if err != nil {
			return err
		}
		tk.CSAT = &tickets.CSAT{Score: 5, At: base.Add(4 * time.Hour)}
		tk.Breached = true
		tk.FirstResponseAt = base.Add(2 * time.Hour)
		made[1] = tk
		return tx.PutTicket(&tk)
	})
	var rows []tickets.ReportRow
	view(t, s, func(tx tickets.Tx) error {
		return tx.ReportRows(base.Add(time.Hour), base.Add(3*time.Hour), func(r tickets.ReportRow) error {
			rows = append(rows, r)
			return nil
		})
	})
	if len(rows) != 2 {
		t.Fatalf("rows in [+1h, +3h) = %d, want 2", len(rows))
	}
	for i, r := range rows {
		tk := made[i+1]
		tk.UpdatedAt = time.Time{}
		want := tk.Row()
		want.CreatedAt, want.SLADue = want.CreatedAt.UTC(), want.SLADue.UTC()
		want.FirstResponseAt, want.ResolvedAt = want.FirstResponseAt.UTC(), want.ResolvedAt.UTC()
		if !reflect.DeepEqual(r, want) {
			t.Errorf("row %d = %+v\nwant %+v", i, r, want)
		}
	}
}

func TestOutcomes(t *testing.T) {
	s, _ := openTest(t, boltstore.Options{})
	day := time.Date(2026, 12, 7, 0, 0, 0, 0, time.FixedZone("HKT", 8*3600))
	update(t, s, func(tx tickets.Tx) error {
		for _, c := range []struct {
			at time.Duration
			o  tickets.Outcome
		}{
			{-time.Minute, tickets.OutcomeProblem}, // the day before
			{0, tickets.OutcomeProblem},
			{10 * time.Hour, tickets.OutcomeProblem},
			{10 * time.Hour, tickets.OutcomeSelfHelp},
			{23*time.Hour + 59*time.Minute, tickets.OutcomeEscalated},
			{24 * time.Hour, tickets.OutcomeEscalated}, // the day after
		} {
			if err := tx.CountOutcome(day.Add(c.at), c.o); err != nil {
				return err
			}
		}
		return nil
	})
	view(t, s, func(tx tickets.Tx) error {
		got, err := tx.Outcomes(day, day.AddDate(0, 0, 1))
		want := map[tickets.Outcome]int{tickets.OutcomeProblem: 2, tickets.OutcomeSelfHelp: 1, tickets.OutcomeEscalated: 1}
		if err == nil && !reflect.DeepEqual(got, want) {
			t.Errorf("Outcomes = %v, want %v", got, want)
		}
		return err
	})
	update(t, s, func(tx tickets.Tx) error {
		if err := tx.CountOutcome(day, "bogus"); err == nil {
			t.Error("CountOutcome(bogus) succeeded")
		}
		return nil
	})
}

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
