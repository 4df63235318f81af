package pgstore

import (
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/internal/record"
)

// Page sizes for Tickets, as boltstore's.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// CreateTicket assigns the next number from ticket_seq and stores t. Zero
// Status becomes open; zero CreatedAt becomes now; zero UpdatedAt becomes
// CreatedAt. A sequence is not transactional: a rolled-back create leaves
// a gap in the numbers (boltstore has none).
func (x *tx) CreateTicket(t *tickets.Ticket) error {
	if err := t.PrepareNew(x.now()); err != nil {
		return err
	}
	if !x.write {
		return errReadOnly
	}
	var seq int64
	if _, err := x.row(`SELECT nextval('ticket_seq')`, nil, &seq); err != nil {
		return fmt.Errorf("create ticket: %w", err)
	}
	rec := record.FromTicket(t, uint64(seq))
	if err := x.putTicket(nil, &rec); err != nil {
		return fmt.Errorf("create ticket: %w", err)
	}
	if t.ConversationID != "" {
		// The conversation led to a ticket: it leaves the expiry index for
		// good. An unknown id is no error (tools and tests make tickets
		// without one).
		if err := x.claim("c:" + t.ConversationID); err != nil {
			return fmt.Errorf("create ticket: %w", err)
		}
		if err := x.later(`UPDATE conversations SET had_ticket = true, idle_ns = NULL WHERE id = $1 AND NOT had_ticket`,
			t.ConversationID); err != nil {
			return fmt.Errorf("create ticket: conversation %q: %w", t.ConversationID, err)
		}
	}
	t.ID = record.FormatTicketID(uint64(seq))
	if err := x.recordChange(nil, t); err != nil {
		return fmt.Errorf("create ticket %s: %w", t.ID, err)
	}
	windowed(t, &rec)
	return nil
}

// recordChange records the event of a ticket write. after is the ticket as
// the caller wrote it, before the window moved entries to the archive.
func (x *tx) recordChange(before, after *tickets.Ticket) error {
	return x.appendEvent(tickets.ChangeKind(before, after, after.TakeChange()), before, after)
}

// windowed makes the caller's ticket match what was stored: the entries
// moved to the archive leave its Transcript.
func windowed(t *tickets.Ticket, rec *record.Ticket) {
	if int(rec.Archived) == t.TranscriptFrom {
		return
	}
	t.Transcript = t.Transcript[len(t.Transcript)-len(rec.Transcript):]
	t.TranscriptFrom = int(rec.Archived)
}

// Ticket returns one ticket; in a read-write transaction its row stays
// locked until commit, so a concurrent change waits, then sees this one.
func (x *tx) Ticket(id string) (tickets.Ticket, error) {
	rec, err := x.getTicket(id, true)
	if err != nil {
		return tickets.Ticket{}, err
	}
	return rec.Ticket(), nil
}

func (x *tx) getTicket(id string, lock bool) (record.Ticket, error) {
	seq, ok := record.ParseTicketID(id)
	if !ok {
		return record.Ticket{}, fmt.Errorf("ticket %q: %w", id, tickets.ErrNotFound)
	}
	return x.getTicketSeq(seq, lock)
}

func (x *tx) getTicketSeq(seq uint64, lock bool) (record.Ticket, error) {
	q := `SELECT doc FROM tickets WHERE seq = $1`
	if lock {
		q += x.forUpdate()
		if x.write {
			if err := x.claim(fmt.Sprint("t:", seq)); err != nil {
				return record.Ticket{}, fmt.Errorf("ticket %s: %w", record.FormatTicketID(seq), err)
			}
		}
	}
	var doc []byte
	found, err := x.row(q, []any{int64(seq)}, &doc)
	if err != nil {
		return record.Ticket{}, fmt.Errorf("ticket %s: %w", record.FormatTicketID(seq), err)
	}
	if !found {
		return record.Ticket{}, fmt.Errorf("ticket %s: %w", record.FormatTicketID(seq), tickets.ErrNotFound)
	}
	var rec record.Ticket
	if err := record.Decode(doc, &rec); err != nil {
		return record.Ticket{}, fmt.Errorf("ticket %s: %w", record.FormatTicketID(seq), err)
	}
	return rec, nil
}

// PutTicket replaces an existing ticket.
func (x *tx) PutTicket(t *tickets.Ticket) error {
	if err := t.Validate(); err != nil {
		return fmt.Errorf("put ticket: %w", err)
	}
	if !x.write {
		return errReadOnly
	}
	old, err := x.getTicket(t.ID, true)
	if err != nil {
		return fmt.Errorf("put ticket: %w", err)
	}
	if uint64(t.TranscriptFrom) != old.Archived {
		return fmt.Errorf("put ticket %s: transcript starts at entry %d, the stored one at %d: %w",
			t.ID, t.TranscriptFrom, old.Archived, tickets.ErrInvalid)
	}
	rec := record.FromTicket(t, old.Seq)
	rec.PurgedAt = old.PurgedAt
	if err := x.putTicket(&old, &rec); err != nil {
		return fmt.Errorf("put ticket %s: %w", t.ID, err)
	}
	before := old.Ticket()
	if err := x.recordChange(&before, t); err != nil {
		return fmt.Errorf("put ticket %s: %w", t.ID, err)
	}
	windowed(t, &rec)
	return nil
}

// putTicket writes rec (old is nil for a new ticket): entries beyond the
// window go to the archive, and every indexed column is derived from rec
// in the same statement as the document, so they cannot disagree.
func (x *tx) putTicket(old, rec *record.Ticket) error {
	if err := x.writeText(old, rec); err != nil {
		return err
	}
	if err := x.archiveOverflow(rec); err != nil {
		return err
	}
	doc, err := record.Encode(rec)
	if err != nil {
		return err
	}
	t := rec.Ticket()
	var waitingDue, purge *int64
	if t.Waiting() {
		v := ns(rec.SLADue)
		waitingDue = &v
	}
	if inResolved(rec) {
		v := ns(rec.ResolvedAt)
		purge = &v
	}
	csat := 0
	if rec.CSAT != nil {
		csat = rec.CSAT.Score
	}
	exact := tickets.ExactKeys(&t)
	if exact == nil {
		exact = []string{}
	}
	args := []any{
		int64(rec.Seq), rec.Status, rec.Queue, rec.Priority, tickets.Priority(rec.Priority).Rank(),
		ns(rec.CreatedAt), rec.Channel, rec.User.ID, rec.Intent, rec.Lang,
		ns(rec.SLADue), ns(rec.FirstResponse), ns(rec.ResolvedAt), rec.Breached, csat,
		waitingDue, purge, exact, doc,
	}
	if old == nil {
		err = x.later(`INSERT INTO tickets (seq, status, queue, priority, rank, created_ns, channel, user_id,
			intent, lang, sla_ns, first_response_ns, resolved_at_ns, breached, csat,
			waiting_due_ns, purge_ns, exact_keys, doc)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`, args...)
	} else {
		err = x.later(`UPDATE tickets SET status = $2, queue = $3, priority = $4, rank = $5, created_ns = $6,
			channel = $7, user_id = $8, intent = $9, lang = $10, sla_ns = $11, first_response_ns = $12,
			resolved_at_ns = $13, breached = $14, csat = $15, waiting_due_ns = $16, purge_ns = $17,
			exact_keys = $18, doc = $19
			WHERE seq = $1`, args...)
	}
	return err
}

// searchText is the normalized searchable text of fields, one per line: a
// query word has no white space, so it can only match inside one field, as
// tickets.Matches checks.
func searchText(fields []string) string {
	var b strings.Builder
	for i, f := range fields {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(tickets.NormalizeSearch(f))
	}
	return b.String()
}

// archiveOverflow moves the oldest entries beyond the window from rec's
// transcript to transcript_archive (their search text stays in
// ticket_text).
func (x *tx) archiveOverflow(rec *record.Ticket) error {
	over := len(rec.Transcript) - tickets.TranscriptWindow
	if over <= 0 {
		return nil
	}
	docs := make([]string, over)
	for i := range over {
		v, err := record.Encode(&rec.Transcript[i])
		if err != nil {
			return err
		}
		docs[i] = string(v)
	}
	if err := x.later(`INSERT INTO transcript_archive (seq, idx, entry)
		SELECT $1, $2 + e.ord - 1, e.doc::json FROM unnest($3::text[]) WITH ORDINALITY AS e(doc, ord)`,
		int64(rec.Seq), int64(rec.Archived), docs); err != nil {
		return err
	}
	rec.Transcript = append([]record.Entry(nil), rec.Transcript[over:]...)
	rec.Archived += uint64(over)
	return nil
}

// inResolved reports whether a ticket waits for PurgeResolved: resolved
// and not yet purged.
func inResolved(r *record.Ticket) bool {
	return r.Status == string(tickets.Resolved) && r.PurgedAt.IsZero()
}

// Transcript returns the archived entries, then the ticket's own.
func (x *tx) Transcript(ticketID string) ([]tickets.Entry, error) {
	rec, err := x.getTicket(ticketID, false)
	if err != nil {
		return nil, fmt.Errorf("transcript: %w", err)
	}
	arch, err := rows(x, `SELECT entry FROM transcript_archive WHERE seq = $1 ORDER BY idx`, []any{int64(rec.Seq)},
		func(r pgx.Rows) (tickets.Entry, error) {
			var doc []byte
			if err := r.Scan(&doc); err != nil {
				return tickets.Entry{}, err
			}
			var e record.Entry
			if err := record.Decode(doc, &e); err != nil {
				return tickets.Entry{}, err
			}
			return e.Entry(), nil
		})
	if err != nil {
		return nil, fmt.Errorf("transcript of %s: %w", ticketID, err)
	}
	if uint64(len(arch)) != rec.Archived {
		return nil, fmt.Errorf("transcript of %s: archive holds %d entries, the ticket says %d: archive damaged",
			ticketID, len(arch), rec.Archived)
	}
	out := make([]tickets.Entry, 0, len(arch)+len(rec.Transcript))
	out = append(out, arch...)
	for _, e := range rec.Transcript {
		out = append(out, e.Entry())
	}
	return out, nil
}

// scanTicket reads a doc column into a ticket.
func scanTicket(r pgx.Rows) (tickets.Ticket, error) {
	var doc []byte
	if err := r.Scan(&doc); err != nil {
		return tickets.Ticket{}, err
	}
	var rec record.Ticket
	if err := record.Decode(doc, &rec); err != nil {
		return tickets.Ticket{}, err
	}
	return rec.Ticket(), nil
}

// where builds a WHERE clause with numbered parameters.
type where struct {
	conds []string
	args  []any
}

// add appends a condition; each %d in cond is the number of the next of vals.
func (w *where) add(cond string, vals ...any) {
	nums := make([]any, len(vals))
	for i, v := range vals {
		w.args = append(w.args, v)
		nums[i] = len(w.args)
	}
	w.conds = append(w.conds, fmt.Sprintf(cond, nums...))
}

func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// filters adds a Filter's status, queue, queues and priority.
func (w *where) filters(f tickets.Filter) {
	if f.Status != "" {
		w.add("status = $%d", string(f.Status))
	}
	if f.Queue != "" {
		w.add("queue = $%d", f.Queue)
	}
	if len(f.Queues) > 0 {
		w.add("queue = ANY($%d)", f.Queues)
	}
	if f.Priority != "" {
		w.add("rank = $%d", f.Priority.Rank())
	}
}

// Tickets lists tickets most urgent first, then oldest, from the index
// whose leading columns are the filter's.
func (x *tx) Tickets(f tickets.Filter) ([]tickets.Ticket, error) {
	if f.Status != "" && !f.Status.Valid() {
		return nil, fmt.Errorf("list tickets: status %q: %w", f.Status, tickets.ErrInvalid)
	}
	if f.Priority != "" && !f.Priority.Valid() {
		return nil, fmt.Errorf("list tickets: priority %q: %w", f.Priority, tickets.ErrInvalid)
	}
	limit := f.Limit
	switch {
	case limit < 0:
		return nil, fmt.Errorf("list tickets: limit %d: %w", limit, tickets.ErrInvalid)
	case limit == 0:
		limit = DefaultLimit
	case limit > MaxLimit:
		limit = MaxLimit
	}
	if f.Q != "" {
		return x.search(f, limit)
	}
	if len(f.Queues) > 0 && f.Queue != "" && !slices.Contains(f.Queues, f.Queue) {
		return []tickets.Ticket{}, nil
	}
	var w where
	w.filters(f)
	if f.After != "" {
		seq, ok := record.ParseTicketID(f.After)
		if !ok {
			return nil, fmt.Errorf("list tickets: cursor %q: %w", f.After, tickets.ErrInvalid)
		}
		after, err := x.getTicketSeq(seq, false)
		if err != nil {
			return nil, fmt.Errorf("list tickets: cursor %q: %w", f.After, tickets.ErrInvalid)
		}
		// Where the cursor ticket sits (or would sit, if it has since
		// changed) in the one order; the page starts just after it.
		w.add("(rank, created_ns, seq) > ($%d, $%d, $%d)",
			tickets.Priority(after.Priority).Rank(), ns(after.CreatedAt), int64(after.Seq))
	}
	w.args = append(w.args, limit)
	out, err := rows(x, fmt.Sprintf(`SELECT doc FROM tickets%s ORDER BY rank, created_ns, seq LIMIT $%d`, w.String(), len(w.args)),
		w.args, scanTicket)
	if err != nil {
		return nil, fmt.Errorf("list tickets: %w", err)
	}
	if out == nil {
		out = []tickets.Ticket{}
	}
	return out, nil
}

// TicketsOfUser lists a user's tickets on a channel, newest first.
func (x *tx) TicketsOfUser(ch tickets.Channel, userID string) ([]tickets.Ticket, error) {
	out, err := rows(x, `SELECT doc FROM tickets WHERE channel = $1 AND user_id = $2 ORDER BY seq DESC`,
		[]any{string(ch), userID}, scanTicket)
	if err != nil {
		return nil, fmt.Errorf("tickets of user: %w", err)
	}
	return out, nil
}

// CountTickets groups the tickets by status, queue and priority.
func (x *tx) CountTickets() (map[tickets.TicketKey]int, error) {
	type group struct {
		k tickets.TicketKey
		n int
	}
	gs, err := rows(x, `SELECT status, queue, priority, count(*) FROM tickets GROUP BY status, queue, priority`, nil,
		func(r pgx.Rows) (group, error) {
			var g group
			var status, prio string
			err := r.Scan(&status, &g.k.Queue, &prio, &g.n)
			g.k.Status, g.k.Priority = tickets.Status(status), tickets.Priority(prio)
			return g, err
		})
	if err != nil {
		return nil, fmt.Errorf("count tickets: %w", err)
	}
	out := make(map[tickets.TicketKey]int, len(gs))
	for _, g := range gs {
		out[g.k] = g.n
	}
	return out, nil
}
