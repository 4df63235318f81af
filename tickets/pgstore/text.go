package pgstore

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/internal/record"
)

// The searchable text of a ticket, in ticket_text (migration 0004): part 0
// is the ticket's own fields, normalized, one per line; a part n ≥ 1 holds
// the transcript entries one write appended, normalized, one per line, up
// to entry n-1 (counted from the first ever, archived ones included). A
// write adds a row for the lines it appended and rewrites the fields row
// only if they changed, so the trigram index takes the new lines'
// trigrams, not the whole ticket's again.

// upsertText writes parts of one ticket's text.
const upsertText = `
INSERT INTO ticket_text (seq, part, text)
SELECT $1, u.part, u.text FROM unnest($2::integer[], $3::text[]) AS u(part, text)
ON CONFLICT (seq, part) DO UPDATE SET text = EXCLUDED.text`

// insertText writes the first parts of a new ticket's text.
const insertText = `
INSERT INTO ticket_text (seq, part, text)
SELECT $1, u.part, u.text FROM unnest($2::integer[], $3::text[]) AS u(part, text)`

// fieldsText is part 0 of a ticket's text: tickets.SearchFields without
// the transcript (which it lists last). The record is converted without its
// transcript: a write must not copy 200 entries to compare a few fields.
func fieldsText(rec *record.Ticket) string {
	own := *rec
	own.Transcript = nil
	t := own.Ticket()
	return searchText(tickets.SearchFields(&t))
}

// entriesText is the searchable text of entries, one per line ("" when
// none is searchable).
func entriesText(entries []record.Entry) string {
	texts := make([]string, 0, len(entries))
	for i := range entries {
		if e := &entries[i]; tickets.Searchable(e.Entry()) {
			texts = append(texts, e.Text)
		}
	}
	return searchText(texts)
}

// writeText queues what rec changes in its ticket's text over old (nil for
// a new ticket). rec is as the caller wrote it, before the window moves
// entries to the archive: its transcript starts at entry rec.Archived.
func (x *tx) writeText(old, rec *record.Ticket) error {
	var parts []int32
	var texts []string
	if f := fieldsText(rec); old == nil || f != fieldsText(old) {
		parts, texts = append(parts, 0), append(texts, f)
	}
	end := int32(int(rec.Archived) + len(rec.Transcript))
	// lines adds the row of the entries a write appended, when any of
	// them is searchable.
	lines := func(entries []record.Entry) {
		if t := entriesText(entries); t != "" {
			parts, texts = append(parts, end), append(texts, t)
		}
	}
	switch {
	case old == nil:
		lines(rec.Transcript)
	case appended(old, rec):
		lines(rec.Transcript[len(old.Transcript):])
	default:
		// A purge, or a transcript changed other than by appending (no
		// operation does that): the lines are written again.
		entries := rec.Transcript
		if rec.Archived > 0 {
			arch, err := x.archivedEntries(rec.Seq)
			if err != nil {
				return err
			}
			entries = append(arch[:min(len(arch), int(rec.Archived))], entries...)
		}
		if err := x.later(`DELETE FROM ticket_text WHERE seq = $1 AND part > 0`, int64(rec.Seq)); err != nil {
			return err
		}
		lines(entries)
	}
	switch {
	case len(parts) == 0:
		return nil
	case old == nil:
		// A new ticket has no rows to conflict with.
		return x.later(insertText, int64(rec.Seq), parts, texts)
	}
	return x.later(upsertText, int64(rec.Seq), parts, texts)
}

// appended reports whether rec's transcript is old's with entries added
// at the end.
func appended(old, rec *record.Ticket) bool {
	if old.Archived != rec.Archived || len(rec.Transcript) < len(old.Transcript) {
		return false
	}
	for i, e := range old.Transcript {
		if rec.Transcript[i].Text != e.Text {
			return false
		}
	}
	return true
}

// archivedEntries reads a ticket's archived entries, oldest first.
func (x *tx) archivedEntries(seq uint64) ([]record.Entry, error) {
	return rows(x, `SELECT entry FROM transcript_archive WHERE seq = $1 ORDER BY idx`, []any{int64(seq)},
		func(r pgx.Rows) (record.Entry, error) {
			var doc []byte
			var e record.Entry
			if err := r.Scan(&doc); err != nil {
				return e, err
			}
			return e, record.Decode(doc, &e)
		})
}

// backfillKey marks a database whose tickets predate ticket_text
// (migration 0004): Open makes their rows once.
const backfillKey = "pgstore.ticket_text_backfill"

// backfillBatch is how many tickets one backfill transaction reads.
const backfillBatch = 500

// backfillText makes the ticket_text rows of every stored ticket from its
// record and archived entries, if a migration asked for it (0004, which
// made the table; 0005, which left the bot's lines out). It runs
// under the migration lock, so one replica does it; it is idempotent, so
// a start that dies half-way leaves the next to finish.
func backfillText(ctx context.Context, conn *pgx.Conn) error {
	var pending bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM kv WHERE key = $1)`, backfillKey).Scan(&pending); err != nil {
		return fmt.Errorf("pgstore: search text backfill: %w", err)
	}
	if !pending {
		return nil
	}
	for cursor := int64(0); ; {
		n, last, err := backfillOnce(ctx, conn, cursor)
		if err != nil {
			return fmt.Errorf("pgstore: search text backfill after ticket %d: %w", cursor, err)
		}
		if n < backfillBatch {
			break
		}
		cursor = last
	}
	if _, err := conn.Exec(ctx, `DELETE FROM kv WHERE key = $1`, backfillKey); err != nil {
		return fmt.Errorf("pgstore: search text backfill: %w", err)
	}
	return nil
}

// backfillOnce writes the text of up to backfillBatch tickets after cursor.
func backfillOnce(ctx context.Context, conn *pgx.Conn, cursor int64) (n int, last int64, err error) {
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT seq, doc FROM tickets WHERE seq > $1 ORDER BY seq LIMIT $2`, cursor, backfillBatch)
		if err != nil {
			return err
		}
		var recs []record.Ticket
		for rows.Next() {
			var seq int64
			var doc []byte
			if err := rows.Scan(&seq, &doc); err != nil {
				return err
			}
			var rec record.Ticket
			if err := record.Decode(doc, &rec); err != nil {
				return fmt.Errorf("ticket %d: %w", seq, err)
			}
			rec.Seq = uint64(seq)
			recs = append(recs, rec)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(recs) == 0 {
			return nil
		}
		b := &pgx.Batch{}
		// Rows written before (0004, or a rebuild that died half-way) are
		// replaced, not merged: their parts may differ from these.
		b.Queue(`DELETE FROM ticket_text WHERE seq > $1 AND seq <= $2 AND part > 0`, cursor, int64(recs[len(recs)-1].Seq))
		for _, rec := range recs {
			parts, texts := []int32{0}, []string{fieldsText(&rec)}
			rows, err := tx.Query(ctx, `SELECT entry FROM transcript_archive WHERE seq = $1 ORDER BY idx`, int64(rec.Seq))
			if err != nil {
				return err
			}
			var entries []record.Entry
			for rows.Next() {
				var doc []byte
				var e record.Entry
				if err := rows.Scan(&doc); err != nil {
					return err
				}
				if err := record.Decode(doc, &e); err != nil {
					return fmt.Errorf("ticket %d: archived entry: %w", rec.Seq, err)
				}
				entries = append(entries, e)
			}
			if err := rows.Err(); err != nil {
				return err
			}
			entries = append(entries, rec.Transcript...)
			if t := entriesText(entries); t != "" {
				parts = append(parts, int32(int(rec.Archived)+len(rec.Transcript)))
				texts = append(texts, t)
			}
			b.Queue(upsertText, int64(rec.Seq), parts, texts)
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		n = len(recs)
		if n > 0 {
			last = int64(recs[n-1].Seq)
		}
		return nil
	})
	return n, last, err
}
