package pgstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/internal/record"
)

// longTicket has an archived first line (the window is exceeded) and a
// user name to search for.
func longTicket() tickets.Ticket {
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	tk := tickets.Ticket{Priority: tickets.Normal, Queue: "payments", Channel: tickets.Web,
		User: tickets.User{ID: "u-1", Name: "Kowalski"}, CreatedAt: at}
	tk.Transcript = append(tk.Transcript, tickets.Entry{From: tickets.FromUser, Text: "my zebrafish payment", At: at})
	for i := range tickets.TranscriptWindow + 4 {
		tk.Transcript = append(tk.Transcript, tickets.Entry{From: tickets.FromAgent, Agent: "amy", Text: fmt.Sprint("line ", i), At: at},
			tickets.Entry{From: tickets.FromBot, Text: fmt.Sprint("bot platypus ", i), At: at})
	}
	tk.Transcript = append(tk.Transcript, tickets.Entry{From: tickets.FromUser, Text: "水母到賬未", At: at})
	return tk
}

func searchIDs(t *testing.T, s *Store, q string) []string {
	t.Helper()
	var ids []string
	view(t, s, func(tx tickets.Tx) error {
		got, err := tx.Tickets(tickets.Filter{Q: q})
		for _, tk := range got {
			ids = append(ids, tk.ID)
		}
		return err
	})
	return ids
}

// TestTextBackfill: a database whose tickets have no ticket_text rows (as
// one migrated by 0004) gets them at the next Open, archived entries
// included, and the flag that asked for it is gone.
func TestTextBackfill(t *testing.T) {
	s, u := openTest(t, Options{})
	tk := longTicket()
	update(t, s, func(tx tickets.Tx) error { return tx.CreateTicket(&tk) })
	other := tickets.Ticket{Priority: tickets.Normal, Queue: "general", User: tickets.User{ID: "u-2"}, Channel: tickets.Web}
	update(t, s, func(tx tickets.Tx) error { return tx.CreateTicket(&other) })
	want := column[int64](t, u, `SELECT count(*) FROM ticket_text`)[0]
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	exec(t, u, `DELETE FROM ticket_text`)
	exec(t, u, `INSERT INTO kv (key, value) VALUES ($1, '\x01')`, backfillKey)
	s2 := openURL(t, u, Options{})
	if got := column[int64](t, u, `SELECT count(*) FROM ticket_text`)[0]; got != want {
		t.Errorf("%d text rows after the backfill, %d before", got, want)
	}
	if n := column[int64](t, u, `SELECT count(*) FROM kv WHERE key = $1`, backfillKey)[0]; n != 0 {
		t.Error("the backfill flag is still set")
	}
	for _, q := range []string{"zebrafish", "kowalski", "水母", "line 203"} {
		if ids := searchIDs(t, s2, q); len(ids) != 1 || ids[0] != tk.ID {
			t.Errorf("search %q after the backfill = %v, want [%s]", q, ids, tk.ID)
		}
	}
}

// TestTextRebuild: a database migrated by 0004 has rows of the bot's lines;
// migration 0005 asks Open to make the rows again, and the bot's words are
// no longer found, the people's still are.
func TestTextRebuild(t *testing.T) {
	s, u := openTest(t, Options{})
	tk := longTicket()
	update(t, s, func(tx tickets.Tx) error { return tx.CreateTicket(&tk) })
	want := column[int64](t, u, `SELECT count(*) FROM ticket_text`)[0]
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// As 0004 wrote them: every line, the bot's included, in other parts.
	seq, _ := record.ParseTicketID(tk.ID)
	exec(t, u, `INSERT INTO ticket_text (seq, part, text) VALUES ($1, 9999, 'bot platypus 7'), ($1, 9998, 'more of the bot')`, int64(seq))
	if ids := searchIDs(t, openURL(t, u, Options{}), "platypus"); len(ids) != 1 {
		t.Fatalf("the planted bot row is not found (%v): the test proves nothing", ids)
	}
	exec(t, u, `INSERT INTO kv (key, value) VALUES ($1, '\x01')`, backfillKey)
	s2 := openURL(t, u, Options{})
	if got := column[int64](t, u, `SELECT count(*) FROM ticket_text`)[0]; got != want {
		t.Errorf("%d text rows after the rebuild, want %d", got, want)
	}
	if ids := searchIDs(t, s2, "platypus"); len(ids) != 0 {
		t.Errorf("search platypus (a bot's word) after the rebuild = %v, want none", ids)
	}
	for _, q := range []string{"zebrafish", "line 203"} {
		if ids := searchIDs(t, s2, q); len(ids) != 1 || ids[0] != tk.ID {
			t.Errorf("search %q after the rebuild = %v, want [%s]", q, ids, tk.ID)
		}
	}
}

// TestTextWritesOnlyWhatChanged: a reply added to a long ticket writes a
// row of its own and nothing else of the ticket's text (the row versions of
// the other rows stay); a note rewrites the fields row only; a purge drops
// every line.
func TestTextWritesOnlyWhatChanged(t *testing.T) {
	s, u := openTest(t, Options{})
	tk := longTicket()
	entries := len(tk.Transcript) // CreateTicket leaves only the window in tk
	update(t, s, func(tx tickets.Tx) error { return tx.CreateTicket(&tk) })
	versions := func() map[int32]string {
		type row struct {
			Part int32
			Xmin string
		}
		c, err := pgx.Connect(t.Context(), u)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(context.Background())
		r, err := c.Query(t.Context(), `SELECT part, xmin::text FROM ticket_text`)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := pgx.CollectRows(r, pgx.RowToStructByPos[row])
		if err != nil {
			t.Fatal(err)
		}
		out := map[int32]string{}
		for _, r := range rows {
			out[r.Part] = r.Xmin
		}
		return out
	}
	before := versions()
	if len(before) != 2 {
		t.Fatalf("%d rows after a create of %d entries, want the fields and the lines", len(before), entries)
	}
	update(t, s, func(tx tickets.Tx) error {
		_, err := tickets.AppendEntry(tx, tk.ID, tickets.Entry{From: tickets.FromAgent, Agent: "amy", Text: "refund sent", At: time.Now()})
		return err
	})
	after := versions()
	for part, v := range before {
		if after[part] != v {
			t.Errorf("part %d was rewritten by an appended line", part)
		}
	}
	if len(after) != len(before)+1 {
		t.Errorf("%d rows after one line was added to %d", len(after), len(before))
	}
	if ids := searchIDs(t, s, "refund"); len(ids) != 1 {
		t.Errorf("the new line is not found: %v", ids)
	}

	update(t, s, func(tx tickets.Tx) error {
		_, err := tickets.AddNote(tx, tk.ID, "amy", "called the bank", time.Now())
		return err
	})
	noted := versions()
	for part, v := range after {
		if changed := noted[part] != v; changed != (part == 0) {
			t.Errorf("after a note, part %d rewritten: %v (only the fields row should be)", part, changed)
		}
	}
	if ids := searchIDs(t, s, "bank"); len(ids) != 1 {
		t.Errorf("the note is not found: %v", ids)
	}

	update(t, s, func(tx tickets.Tx) error {
		if _, err := tickets.Claim(tx, tk.ID, "amy", time.Now()); err != nil {
			return err
		}
		_, err := tickets.Resolve(tx, tk.ID, "amy", "", time.Now())
		return err
	})
	update(t, s, func(tx tickets.Tx) error {
		_, err := tx.PurgeResolved(time.Now().Add(time.Hour), 10)
		return err
	})
	if v := versions(); len(v) != 1 {
		t.Errorf("%d text rows after the purge, want the fields row only", len(v))
	}
	if ids := searchIDs(t, s, "zebrafish"); len(ids) != 0 {
		t.Errorf("a purged line is still found: %v", ids)
	}
}
