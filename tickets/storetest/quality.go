package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/triagebot/triagebot/tickets"
)

// A ticket is in the due index while it waits for its first
// agent response; an agent message, a breach or a resolution takes it out,
// and a new due time moves it.
func testDueIndex(t *testing.T, open Opener) {
	s, _ := fresh(t, open)
	View(t, s, func(tx tickets.Tx) error {
		next, err := tx.NextDue()
		if err == nil && !next.IsZero() {
			t.Errorf("NextDue of an empty store = %s, want zero", next)
		}
		return err
	})
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
		View(t, s, func(tx tickets.Tx) error {
			var err error
			got, err = tx.DueTickets(at, 10)
			return err
		})
		return ids(got)
	}
	if got, want := due(base.Add(3*time.Hour)), []string{b.ID, c.ID, a.ID}; !reflect.DeepEqual(got, want) {
		t.Fatalf("due at +3h = %v, want %v (earliest first, the bound included)", got, want)
	}
	Update(t, s, func(tx tickets.Tx) error {
		_, err := tickets.AppendEntry(tx, b.ID, tickets.Entry{From: tickets.FromAgent, Agent: "amy", Text: "on it", At: base})
		return err
	})
	Update(t, s, func(tx tickets.Tx) error {
		tk, err := tx.Ticket(c.ID)
		if err != nil {
			return err
		}
		tk.Breached = true
		return tx.PutTicket(&tk)
	})
	Update(t, s, func(tx tickets.Tx) error {
		tk, err := tx.Ticket(a.ID)
		if err != nil {
			return err
		}
		tk.SLADue = base.Add(5 * time.Hour)
		return tx.PutTicket(&tk)
	})
	Update(t, s, func(tx tickets.Tx) error {
		_, err := tickets.Resolve(tx, d.ID, "amy", "", base)
		return err
	})
	if got := due(base.Add(4 * time.Hour)); len(got) != 0 {
		t.Errorf("due at +4h = %v, want none: answered, breached, moved and resolved tickets leave", got)
	}
	if got, want := due(base.Add(5*time.Hour)), []string{a.ID}; !reflect.DeepEqual(got, want) {
		t.Errorf("due at +5h = %v, want %v", got, want)
	}
	View(t, s, func(tx tickets.Tx) error {
		next, err := tx.NextDue()
		if err != nil {
			return err
		}
		if !next.Equal(base.Add(5 * time.Hour)) {
			t.Errorf("NextDue = %s, want %s", next, base.Add(5*time.Hour))
		}
		return nil
	})
	View(t, s, func(tx tickets.Tx) error {
		tk, err := tx.Ticket(b.ID)
		if err == nil && !tk.FirstResponseAt.Equal(base) {
			t.Errorf("first_response_at = %s, want the agent's first message %s", tk.FirstResponseAt, base)
		}
		return err
	})
}

// Report rows follow their ticket and come back by creation time.
func testReportRows(t *testing.T, open Opener) {
	s, _ := fresh(t, open)
	base := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	var made []tickets.Ticket
	for i := range 5 {
		tk := newTicket("payments", tickets.Normal)
		tk.CreatedAt, tk.SLADue = base.Add(time.Duration(i)*time.Hour), base.Add(time.Duration(i+8)*time.Hour)
		made = append(made, mustCreate(t, s, tk))
	}
	Update(t, s, func(tx tickets.Tx) error {
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
	View(t, s, func(tx tickets.Tx) error {
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

func testOutcomes(t *testing.T, open Opener) {
	s, _ := fresh(t, open)
	day := time.Date(2026, 12, 7, 0, 0, 0, 0, time.FixedZone("HKT", 8*3600))
	Update(t, s, func(tx tickets.Tx) error {
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
	View(t, s, func(tx tickets.Tx) error {
		got, err := tx.Outcomes(day, day.AddDate(0, 0, 1))
		want := map[tickets.Outcome]int{tickets.OutcomeProblem: 2, tickets.OutcomeSelfHelp: 1, tickets.OutcomeEscalated: 1}
		if err == nil && !reflect.DeepEqual(got, want) {
			t.Errorf("Outcomes = %v, want %v", got, want)
		}
		return err
	})
	Update(t, s, func(tx tickets.Tx) error {
		if err := tx.CountOutcome(day, "bogus"); err == nil {
			t.Error("CountOutcome(bogus) succeeded")
		}
		return nil
	})
}
