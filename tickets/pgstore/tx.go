package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/triagebot/triagebot/tickets"
)

// Retention of the events table, as boltstore's: the agents' stream needs
// only what a console that lost its connection has missed.
const (
	MaxEvents   = 100_000
	MaxEventAge = 7 * 24 * time.Hour
	// One numbering round in pruneEvery prunes the events table, up to
	// pruneBatch more than were numbered since the last prune, so the
	// table converges.
	pruneEvery = 8
	pruneBatch = 64
)

// NOTIFY channels (notify.go). changedChannel and resyncChannel carry the
// sending Store's id; outboxChannel carries "unix-nanoseconds of the
// commit|sending Store's id|channel|conversation id".
const (
	changedChannel = "triagebot_changed"
	outboxChannel  = "triagebot_outbox"
)

// txConn is what a tx sends its statements through: a pool connection, or
// a group's coordinator (group.go).
type txConn interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// tx implements tickets.Tx over one PostgreSQL transaction.
type tx struct {
	s     *Store
	ctx   context.Context
	conn  txConn
	write bool
	// group is the coordinator of the group commit this tx is a member of
	// (member its index), nil for a transaction of its own; wrote: a
	// member sent a statement that may have written.
	group  *coordinator
	member int
	wrote  bool
	now    tickets.Clock
	// begun: BEGIN was sent (with the first statement).
	begun bool
	// failed is the first statement that failed: PostgreSQL has aborted
	// the transaction, so nothing after it can commit.
	failed error
	// changed: the commit must wake the agents' streams (those that wrote
	// events wake them once the events are numbered).
	changed bool
	// events are the events this transaction writes, in order of each
	// ticket's first write; written at commit, numbered there.
	events   []*pendingEvent
	byTicket map[string]*pendingEvent
	// sent are the messages this transaction enqueued, by conversation:
	// what its commit announces, and the tails (tail.go).
	sent []sentTo
	// queued are writes that travel with the next statement or the COMMIT
	// (later).
	queued []queuedWrite
	// locked are the conversations this write transaction read FOR
	// UPDATE, with what Enqueue needs of their rows (conversations.go).
	locked map[string]*convRow
}

type queuedWrite struct {
	sql  string
	args []any
	// seq, when set, is the held conversation row whose outbox_seq is
	// the last argument, filled in when the write is sent.
	seq *convRow
}

var _ tickets.Tx = (*tx)(nil)

type pendingEvent struct {
	kind   tickets.EventKind
	before *tickets.Ticket
	doc    []byte
	at     time.Time
}

type outboxNote struct {
	ch tickets.Channel
	id string
}

// fail notes a statement error (ErrNoRows is an answer, not a failure).
func (x *tx) fail(err error) error {
	if err != nil && !errors.Is(err, pgx.ErrNoRows) && x.failed == nil {
		x.failed = err
	}
	return err
}

// errReadOnly refuses a write inside View.
var errReadOnly = errors.New("pgstore: write in a read-only transaction")

// beginSQL starts the transaction: READ COMMITTED with row locks for
// Update; one snapshot for all of a View's reads.
func (x *tx) beginSQL() string {
	if x.write {
		return "BEGIN ISOLATION LEVEL READ COMMITTED"
	}
	return "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
}

// later queues a write whose only outcome the caller needs is that it
// worked: it travels with the transaction's next statement or its COMMIT,
// saving a round trip (the cost that matters most: on a busy machine each
// is a pair of context switches). A failure aborts the transaction and
// surfaces at that statement or the commit.
func (x *tx) later(sql string, args ...any) error {
	if !x.write {
		return errReadOnly
	}
	if x.failed != nil {
		return x.failed
	}
	x.queued = append(x.queued, queuedWrite{sql: sql, args: args})
	return nil
}

// laterFor is later for a conversation upsert whose last argument is the
// outbox_seq of row (nil: none held, the column is kept).
func (x *tx) laterFor(row *convRow, sql string, args ...any) error {
	if err := x.later(sql, args...); err != nil {
		return err
	}
	x.queued[len(x.queued)-1].seq = row
	return nil
}

// prelude adds to b what must precede the next statement: BEGIN when the
// transaction has not begun, and the queued writes. It returns how many
// results they make.
func (x *tx) prelude(b *pgx.Batch) int {
	n := 0
	if !x.begun {
		x.begun = true
		b.Queue(x.beginSQL())
		n++
	}
	if len(x.queued) == 0 {
		return n
	}
	for _, q := range x.queued {
		if q.seq != nil {
			q.args[len(q.args)-1] = q.seq.outboxSeq
			q.seq.seqDirty = false
		}
		b.Queue(q.sql, q.args...)
		n++
	}
	x.queued = nil
	for id, row := range x.locked {
		if row.seqDirty {
			b.Queue(setOutboxSeq, id, row.outboxSeq)
			row.seqDirty = false
			n++
		}
	}
	return n
}

// query sends sql, preceded in the same round trip by BEGIN when the
// transaction has not begun and by the queued writes. done must be called
// once the rows are read.
func (x *tx) query(sql string, args []any) (r pgx.Rows, done func() error, err error) {
	if x.group != nil && (len(x.queued) > 0 || !isRead(sql)) {
		x.wrote = true
	}
	if x.begun && len(x.queued) == 0 {
		r, err = x.conn.Query(x.ctx, sql, args...)
		return r, func() error { return nil }, err
	}
	b := &pgx.Batch{}
	n := x.prelude(b)
	b.Queue(sql, args...)
	br := x.conn.SendBatch(x.ctx, b)
	for range n {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return nil, nil, err
		}
	}
	r, err = br.Query()
	if err != nil {
		_ = br.Close()
		return nil, nil, err
	}
	return r, br.Close, nil
}

func (x *tx) exec(sql string, args ...any) (pgconn.CommandTag, error) {
	if !x.write {
		return pgconn.CommandTag{}, errReadOnly
	}
	r, done, err := x.query(sql, args)
	if err != nil {
		return pgconn.CommandTag{}, x.fail(err)
	}
	r.Close()
	err = r.Err()
	if derr := done(); err == nil {
		err = derr
	}
	return r.CommandTag(), x.fail(err)
}

// row runs a query of at most one row into dest; found is false when it
// returned none.
func (x *tx) row(sql string, args []any, dest ...any) (found bool, err error) {
	r, done, err := x.query(sql, args)
	if err != nil {
		return false, x.fail(err)
	}
	found = r.Next()
	if found {
		err = r.Scan(dest...)
	}
	r.Close()
	if err == nil {
		err = r.Err()
	}
	if derr := done(); err == nil {
		err = derr
	}
	if err != nil {
		return false, x.fail(err)
	}
	return found, nil
}

// rows runs a query and collects one value per row with scan.
func rows[T any](x *tx, sql string, args []any, scan func(pgx.Rows) (T, error)) ([]T, error) {
	r, done, err := x.query(sql, args)
	if err != nil {
		return nil, x.fail(err)
	}
	var out []T
	for r.Next() {
		v, err := scan(r)
		if err != nil {
			r.Close()
			_ = done()
			return nil, x.fail(err)
		}
		out = append(out, v)
	}
	r.Close()
	err = r.Err()
	if derr := done(); err == nil {
		err = derr
	}
	return out, x.fail(err)
}

// forUpdate is the locking clause of a read that a read-write transaction
// goes on to change: the row stays locked until commit.
func (x *tx) forUpdate() string {
	if x.write {
		return " FOR UPDATE"
	}
	return ""
}

// markChanged makes the commit wake the agents' streams on every replica.
func (x *tx) markChanged() { x.changed = true }

// appendEvent records the event of a ticket write, written at commit. One
// operation that writes a ticket twice (a claim, then the line telling the
// user) makes one event, keeping the first's kind unless that was only a
// message or an update, as boltstore does.
func (x *tx) appendEvent(kind tickets.EventKind, before, after *tickets.Ticket) error {
	p, ok := x.byTicket[after.ID]
	if ok {
		before = p.before
		if p.kind != tickets.EventMessage && p.kind != tickets.EventUpdated || kind == tickets.EventUpdated {
			kind = p.kind
		}
	} else {
		p = &pendingEvent{before: before}
		if x.byTicket == nil {
			x.byTicket = make(map[string]*pendingEvent)
		}
		x.byTicket[after.ID] = p
		x.events = append(x.events, p)
	}
	doc, err := json.Marshal(tickets.NewEvent(kind, before, after))
	if err != nil {
		return fmt.Errorf("append event: %w", err)
	}
	p.kind, p.doc, p.at = kind, doc, x.now()
	x.markChanged()
	return nil
}

// queueEvents appends the transaction's events to the queue a numbering
// round moves them from (sequencer.go), in the order they were made.
const queueEvents = `
INSERT INTO event_queue (at_ns, doc)
SELECT e.at, e.doc::json FROM unnest($1::bigint[], $2::text[]) WITH ORDINALITY AS e(at, doc, ord)
ORDER BY e.ord`

// queueEvents adds the statement that queues the transaction's events to b.
func (x *tx) queueEvents(b *pgx.Batch) {
	if len(x.events) == 0 {
		return
	}
	ats := make([]int64, len(x.events))
	docs := make([]string, len(x.events))
	for i, e := range x.events {
		ats[i], docs[i] = ns(e.at), string(e.doc)
	}
	b.Queue(queueEvents, ats, docs)
}

// claim takes key (a row this member reads to change) in its group, and
// fails when another member of the group has it; outside a group it does
// nothing (the row lock does the work).
func (x *tx) claim(key string) error {
	if x.group == nil {
		return nil
	}
	return x.group.claim(key, x.member)
}

// pendingWork reports whether the transaction has anything to commit or
// roll back.
func (x *tx) pendingWork() bool { return x.begun || len(x.queued) > 0 }

// commit sends the queued writes and the events, and commits, in one round
// trip. Nothing here is shared between transactions: the numbering and the
// NOTIFYs come after the commit (Store.Update).
func (x *tx) commit() error {
	b := &pgx.Batch{}
	x.prelude(b)
	x.queueEvents(b)
	if x.s.beforeCommit != nil {
		// Tests pause here, the events queued and not committed.
		if err := x.conn.SendBatch(x.ctx, b).Close(); err != nil {
			return fmt.Errorf("pgstore: queued writes and events: %w", err)
		}
		x.s.beforeCommit(x.ctx)
		b = &pgx.Batch{}
	}
	return sendCommit(x.ctx, x.conn, b)
}

// errRolledBack is a COMMIT the server answered with ROLLBACK: the
// transaction had been aborted, and nothing of it was written.
var errRolledBack = errors.New("pgstore: commit: the server rolled the transaction back")

// sendCommit adds COMMIT to b and sends it, failing when the server rolled
// the transaction back instead.
func sendCommit(ctx context.Context, conn txConn, b *pgx.Batch) error {
	var tag pgconn.CommandTag
	b.Queue("COMMIT").Exec(func(ct pgconn.CommandTag) error {
		tag = ct
		return nil
	})
	if err := conn.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("pgstore: commit: %w", err)
	}
	if tag.String() != "COMMIT" {
		return fmt.Errorf("%w (%s)", errRolledBack, tag)
	}
	return nil
}

// Events lists the events after seq, oldest first.
func (x *tx) Events(after uint64, limit int) ([]tickets.Event, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("events: limit %d: %w", limit, tickets.ErrInvalid)
	}
	out, err := rows(x, `SELECT seq, doc FROM events WHERE seq > $1 ORDER BY seq LIMIT $2`,
		[]any{int64(min(after, 1<<63-1)), limit}, func(r pgx.Rows) (tickets.Event, error) {
			var seq int64
			var doc []byte
			if err := r.Scan(&seq, &doc); err != nil {
				return tickets.Event{}, err
			}
			var e tickets.Event
			if err := json.Unmarshal(doc, &e); err != nil {
				return e, fmt.Errorf("event %d: corrupt record: %w", seq, err)
			}
			e.Seq = uint64(seq)
			return e, nil
		})
	if err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	return out, nil
}

// EventRange returns the oldest and newest event kept; the counter is the
// newest ever assigned, so when everything was pruned the range is
// (newest+1, newest), as in boltstore.
func (x *tx) EventRange() (oldest, newest uint64, err error) {
	var last int64
	var first *int64
	if _, err := x.row(`SELECT (SELECT value FROM counters WHERE name = 'events'), (SELECT min(seq) FROM events)`,
		nil, &last, &first); err != nil {
		return 0, 0, fmt.Errorf("event range: %w", err)
	}
	switch {
	case first != nil:
		return uint64(*first), uint64(last), nil
	case last == 0:
		return 0, 0, nil
	}
	return uint64(last) + 1, uint64(last), nil
}
