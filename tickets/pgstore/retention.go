package pgstore

import (
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/internal/record"
)

// Sweeps that several replicas may run at once (the SLA sweep, retention)
// select their rows FOR UPDATE SKIP LOCKED: each replica takes rows no
// other holds, so none waits for another and no row is handled twice.

// skipLocked is the locking clause of a sweep's selection.
func (x *tx) skipLocked() string {
	if x.write {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// DueTickets lists waiting tickets due at or before t, earliest first,
// from the partial index on waiting_due_ns.
func (x *tx) DueTickets(t time.Time, limit int) ([]tickets.Ticket, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("due tickets: limit %d: %w", limit, tickets.ErrInvalid)
	}
	out, err := rows(x, `SELECT doc FROM tickets WHERE waiting_due_ns IS NOT NULL AND waiting_due_ns <= $1
		ORDER BY waiting_due_ns, seq LIMIT $2`+x.skipLocked(), []any{ns(t), limit}, scanTicket)
	if err != nil {
		return nil, fmt.Errorf("due tickets: %w", err)
	}
	return out, nil
}

// NextDue is the earliest sla_due of a waiting ticket; zero when none.
func (x *tx) NextDue() (time.Time, error) {
	var n *int64
	if _, err := x.row(`SELECT min(waiting_due_ns) FROM tickets WHERE waiting_due_ns IS NOT NULL`, nil, &n); err != nil {
		return time.Time{}, fmt.Errorf("next due: %w", err)
	}
	if n == nil {
		return time.Time{}, nil
	}
	return fromNS(*n), nil
}

// reportPage is how many report rows one round trip reads: fn runs
// between pages, when no query is open, so it may use the transaction.
const reportPage = 5000

// ReportRows calls fn for each ticket created in [from, to), oldest first,
// from the report columns (no document is decoded).
func (x *tx) ReportRows(from, to time.Time, fn func(tickets.ReportRow) error) error {
	type keyed struct {
		row     tickets.ReportRow
		created int64
		seq     int64
	}
	lastCreated, lastSeq := ns(from), int64(-1)
	for {
		page, err := rows(x, `SELECT seq, status, intent, priority, queue, channel, lang, created_ns, sla_ns,
			first_response_ns, resolved_at_ns, breached, csat FROM tickets
			WHERE (created_ns, seq) > ($1, $2) AND created_ns < $3 ORDER BY created_ns, seq LIMIT $4`,
			[]any{lastCreated, lastSeq, ns(to), reportPage}, func(r pgx.Rows) (keyed, error) {
				var k keyed
				var status, prio, ch string
				var sla, first, resolved int64
				err := r.Scan(&k.seq, &status, &k.row.Intent, &prio, &k.row.Queue, &ch, &k.row.Lang, &k.created,
					&sla, &first, &resolved, &k.row.Breached, &k.row.CSATScore)
				k.row.ID = record.FormatTicketID(uint64(k.seq))
				k.row.Status, k.row.Priority, k.row.Channel = tickets.Status(status), tickets.Priority(prio), tickets.Channel(ch)
				k.row.CreatedAt, k.row.SLADue = fromNS(k.created), fromNS(sla)
				k.row.FirstResponseAt, k.row.ResolvedAt = fromNS(first), fromNS(resolved)
				return k, err
			})
		if err != nil {
			return fmt.Errorf("report rows: %w", err)
		}
		for _, k := range page {
			if err := fn(k.row); err != nil {
				return err
			}
		}
		if len(page) < reportPage {
			return nil
		}
		last := page[len(page)-1]
		lastCreated, lastSeq = last.created, last.seq
	}
}

// outcomeGrain is the resolution of outcome counts (boltstore's).
const outcomeGrain = 15 * 60

func quarter(at time.Time) int64 {
	q := at.Unix()
	return q - ((q%outcomeGrain)+outcomeGrain)%outcomeGrain // floor, also before 1970
}

// CountOutcome adds one to the outcome's count of at's quarter hour.
func (x *tx) CountOutcome(at time.Time, o tickets.Outcome) error {
	if !o.Valid() {
		return fmt.Errorf("count outcome %q: %w", o, tickets.ErrInvalid)
	}
	// The shard is the session's server process: no two transactions in
	// flight share it, so no dialogue waits for another's commit here
	// (migration 0003). Outcomes adds the shards up.
	if err := x.later(`INSERT INTO outcomes (quarter, outcome, shard, n) VALUES ($1, $2, pg_backend_pid(), 1)
		ON CONFLICT (quarter, outcome, shard) DO UPDATE SET n = outcomes.n + 1`,
		quarter(at), string(o)); err != nil {
		return fmt.Errorf("count outcome: %w", err)
	}
	return nil
}

// Outcomes sums the quarter hours in [from, to).
func (x *tx) Outcomes(from, to time.Time) (map[tickets.Outcome]int, error) {
	type sum struct {
		o tickets.Outcome
		n int
	}
	sums, err := rows(x, `SELECT outcome, sum(n) FROM outcomes WHERE quarter >= $1 AND quarter < $2 GROUP BY outcome`,
		[]any{quarter(from), quarter(to)}, func(r pgx.Rows) (sum, error) {
			var s sum
			var o string
			err := r.Scan(&o, &s.n)
			s.o = tickets.Outcome(o)
			return s, err
		})
	if err != nil {
		return nil, fmt.Errorf("outcomes: %w", err)
	}
	out := map[tickets.Outcome]int{}
	for _, s := range sums {
		out[s.o] = s.n
	}
	return out, nil
}

func checkLimit(what string, limit int) error {
	if limit <= 0 {
		return fmt.Errorf("%s: limit %d: %w", what, limit, tickets.ErrInvalid)
	}
	return nil
}

// ExpireConversations deletes up to limit conversations idle since before
// idleBefore that never led to a ticket, with their outboxes (cascade),
// keyboards and files.
func (x *tx) ExpireConversations(idleBefore time.Time, limit int) (int, error) {
	if err := checkLimit("expire conversations", limit); err != nil {
		return 0, err
	}
	ids, err := rows(x, `SELECT id FROM conversations WHERE idle_ns IS NOT NULL AND idle_ns < $1
		ORDER BY idle_ns, id LIMIT $2`+x.skipLocked(), []any{ns(idleBefore), limit}, func(r pgx.Rows) (string, error) {
		var id string
		return id, r.Scan(&id)
	})
	if err != nil {
		return 0, fmt.Errorf("expire conversations: %w", err)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	for _, q := range []string{
		`DELETE FROM attachments WHERE owner = ANY($1)`,
		`DELETE FROM choices WHERE conversation_id = ANY($1)`,
		`DELETE FROM conversations WHERE id = ANY($1)`,
	} {
		if _, err := x.exec(q, ids); err != nil {
			return 0, fmt.Errorf("expire conversations: %w", err)
		}
	}
	for _, id := range ids {
		delete(x.locked, id)
	}
	return len(ids), nil
}

// PurgeResolved drops the files and transcript (archive included) of up
// to limit tickets resolved before resolvedBefore, and marks them purged.
// Like boltstore's, it writes no event: nothing an agent's queue shows
// changes.
func (x *tx) PurgeResolved(resolvedBefore time.Time, limit int) (int, error) {
	if err := checkLimit("purge resolved", limit); err != nil {
		return 0, err
	}
	recs, err := rows(x, `SELECT doc FROM tickets WHERE purge_ns IS NOT NULL AND purge_ns < $1
		ORDER BY purge_ns, seq LIMIT $2`+x.skipLocked(), []any{ns(resolvedBefore), limit}, func(r pgx.Rows) (record.Ticket, error) {
		var doc []byte
		var rec record.Ticket
		if err := r.Scan(&doc); err != nil {
			return rec, err
		}
		return rec, record.Decode(doc, &rec)
	})
	if err != nil {
		return 0, fmt.Errorf("purge resolved: %w", err)
	}
	for _, old := range recs {
		var files []string
		for _, a := range old.Attachments {
			files = append(files, a.ID)
		}
		if len(files) > 0 {
			if _, err := x.exec(`DELETE FROM attachments WHERE id = ANY($1)`, files); err != nil {
				return 0, fmt.Errorf("purge %s: %w", record.FormatTicketID(old.Seq), err)
			}
		}
		if _, err := x.exec(`DELETE FROM transcript_archive WHERE seq = $1`, int64(old.Seq)); err != nil {
			return 0, fmt.Errorf("purge %s: %w", record.FormatTicketID(old.Seq), err)
		}
		rec := old
		rec.Attachments, rec.Transcript, rec.Archived = nil, nil, 0
		rec.PurgedAt = x.now()
		if err := x.putTicket(&old, &rec); err != nil {
			return 0, fmt.Errorf("purge %s: %w", record.FormatTicketID(old.Seq), err)
		}
	}
	return len(recs), nil
}

// PruneSeen forgets up to limit Seen keys recorded before before.
func (x *tx) PruneSeen(before time.Time, limit int) (int, error) {
	if err := checkLimit("prune seen", limit); err != nil {
		return 0, err
	}
	tag, err := x.exec(`DELETE FROM seen WHERE key IN (
		SELECT key FROM seen WHERE at_s < $1 ORDER BY at_s, key LIMIT $2 FOR UPDATE SKIP LOCKED)`,
		max(before.Unix(), 0), limit)
	if err != nil {
		return 0, fmt.Errorf("prune seen: %w", err)
	}
	return int(tag.RowsAffected()), nil
}
