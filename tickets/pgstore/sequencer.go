package pgstore

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// Numbering events. The agents' stream needs numbers that commit in order:
// a reader that has seen event n must never later find an event below n.
// A writer appends its events to event_queue (no shared row, so writers do
// not wait on each other); a numbering round then, holding the events
// counter row, moves everything committed to event_queue so far into
// events, numbered in queue order, and commits. Rounds of all replicas take
// the counter row one after the other, so numbers commit in order, and one
// round's commit (one WAL flush) numbers the events of many writers.
//
// Two events of one ticket keep their order: the second writer waited for
// the first's ticket row lock, so the first's queue row committed before
// the second's was made (with a larger id), and any round that sees the
// second sees the first.
//
// Update waits for a round that began after its commit, so its events are
// in the stream when it returns, as with boltstore. A round that fails (or
// a replica that died between a commit and its round) leaves the events
// queued: the next round numbers them, and every replica runs one every
// sweepEvery while the queue is not empty.

const (
	// roundLimit bounds the events one round's transaction numbers.
	roundLimit = 5000
	// sweepEvery is how often the queue is checked for events no
	// round numbered.
	sweepEvery = time.Second
	// roundTimeout bounds one round.
	roundTimeout = 30 * time.Second
)

// sequencer hands numbering rounds to the goroutine that runs them.
type sequencer struct {
	mu   sync.Mutex
	next *round // the round that starts when the running one ends
	kick chan struct{}
	done <-chan struct{} // closed when the Store closes
	// Only the sequencer goroutine touches these. conn is its own
	// connection (nil until needed, and after a failure): a round must not
	// queue in the pool behind the writers waiting for it. unpruned counts
	// the events numbered since the last prune, and rounds the
	// transactions: one in pruneEvery prunes, up to unpruned+pruneBatch.
	conn     *pgx.Conn
	unpruned int
	rounds   int
}

// round is one or more numbering transactions; err is set before done
// closes.
type round struct {
	done chan struct{}
	err  error
}

func newSequencer(done <-chan struct{}) *sequencer {
	return &sequencer{kick: make(chan struct{}, 1), done: done}
}

// numbered returns once a round that began after the call has ended: the
// events of every transaction committed before the call are then numbered.
func (s *Store) numbered(ctx context.Context) error {
	q := s.seq
	q.mu.Lock()
	r := q.next
	if r == nil {
		r = &round{done: make(chan struct{})}
		q.next = r
	}
	q.mu.Unlock()
	select {
	case q.kick <- struct{}{}:
	default:
	}
	select {
	case <-r.done:
		return r.err
	case <-ctx.Done():
		return ctx.Err()
	case <-q.done:
		return errClosed
	}
}

// runSequencer runs the rounds asked for, and a sweep every sweepEvery,
// until ctx ends.
func (s *Store) runSequencer(ctx context.Context) {
	q := s.seq
	tick := time.NewTicker(sweepEvery)
	defer tick.Stop()
	defer func() {
		if q.conn != nil {
			cctx, cancel := context.WithTimeout(context.Background(), notifyTimeout)
			_ = q.conn.Close(cctx)
			cancel()
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case <-q.kick:
			for {
				q.mu.Lock()
				r := q.next
				q.next = nil
				q.mu.Unlock()
				if r == nil {
					break
				}
				r.err = s.numberAll(ctx)
				close(r.done)
			}
		case <-tick.C:
			if err := s.sweepQueue(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("pgstore: number queued events", "err", err)
			}
		}
	}
}

// sweepQueue numbers queued events that no round took.
func (s *Store) sweepQueue(ctx context.Context) error {
	cctx, cancel := context.WithTimeout(ctx, roundTimeout)
	defer cancel()
	conn, err := s.sequencerConn(cctx)
	if err != nil {
		return err
	}
	var waiting bool
	if err := conn.QueryRow(cctx, `SELECT EXISTS (SELECT 1 FROM event_queue)`).Scan(&waiting); err != nil {
		s.dropSequencerConn()
		return fmt.Errorf("look at the event queue: %w", err)
	}
	if !waiting {
		return nil
	}
	return s.numberAll(ctx)
}

// numberAll runs numbering transactions until the queue held no more than
// one takes, then wakes everyone if any event was numbered.
func (s *Store) numberAll(ctx context.Context) error {
	total := 0
	defer func() {
		if total > 0 {
			s.published(true, nil)
		}
	}()
	for {
		n, err := s.numberOnce(ctx)
		total += n
		if err != nil {
			return err
		}
		if n < roundLimit {
			return nil
		}
	}
}

// The round's statements, after BEGIN: take the counter row (waiting for
// another replica's round), then, with a snapshot taken after that,
// number and move up to roundLimit queued events, then prune the oldest.
const (
	lockCounter  = `SELECT value FROM counters WHERE name = 'events' FOR UPDATE`
	numberEvents = `
WITH q AS (
    DELETE FROM event_queue WHERE id <= (SELECT max(id) FROM (SELECT id FROM event_queue ORDER BY id LIMIT $1) oldest)
    RETURNING id, at_ns, doc),
n AS (SELECT at_ns, doc, row_number() OVER (ORDER BY id) AS ord FROM q),
ins AS (
    INSERT INTO events (seq, at_ns, doc)
    SELECT c.value + n.ord, n.at_ns, n.doc FROM n, (SELECT value FROM counters WHERE name = 'events') c)
UPDATE counters SET value = value + (SELECT count(*) FROM n) WHERE name = 'events'
RETURNING (SELECT count(*) FROM n)`
	// pruneEvents deletes, among the $1 oldest events, those over MaxEvents
	// behind the newest or older than MaxEventAge. (Spelled as a range:
	// "seq IN (oldest $1)" was planned as a scan of the whole table.)
	pruneEvents = `
DELETE FROM events WHERE seq <= (SELECT max(seq) FROM (SELECT seq FROM events ORDER BY seq LIMIT $1) oldest)
AND (seq <= (SELECT value FROM counters WHERE name = 'events') - $2 OR at_ns < $3)`
)

// numberOnce is one numbering transaction; it returns how many events it
// numbered.
func (s *Store) numberOnce(ctx context.Context) (int, error) {
	cctx, cancel := context.WithTimeout(ctx, roundTimeout)
	defer cancel()
	conn, err := s.sequencerConn(cctx)
	if err != nil {
		return 0, err
	}
	var n int64
	b := &pgx.Batch{}
	b.Queue("BEGIN ISOLATION LEVEL READ COMMITTED")
	b.Queue(lockCounter)
	b.Queue(numberEvents, roundLimit).QueryRow(func(r pgx.Row) error { return r.Scan(&n) })
	// A prune may remove a little more than was added since the last, so
	// the table converges without any one round paying much.
	q := s.seq
	q.rounds++
	prune := q.rounds%pruneEvery == 0
	if prune {
		b.Queue(pruneEvents, pruneBatch+q.unpruned, MaxEvents, ns(s.now().Add(-MaxEventAge)))
	}
	b.Queue("COMMIT")
	if err := conn.SendBatch(cctx, b).Close(); err != nil {
		// The transaction ends with the connection; a new one is made for
		// the next round.
		s.dropSequencerConn()
		return 0, fmt.Errorf("number events: %w", err)
	}
	if prune {
		q.unpruned = 0
	}
	q.unpruned += int(n)
	return int(n), nil
}

// sequencerConn returns the sequencer's connection, connecting if needed.
func (s *Store) sequencerConn(ctx context.Context) (*pgx.Conn, error) {
	if s.seq.conn != nil {
		return s.seq.conn, nil
	}
	c, err := pgx.ConnectConfig(ctx, s.cfg.ConnConfig)
	if err != nil {
		return nil, fmt.Errorf("number events: connect: %w", err)
	}
	s.seq.conn = c
	return c, nil
}

// dropSequencerConn closes the connection after a failure.
func (s *Store) dropSequencerConn() {
	if s.seq.conn == nil {
		return
	}
	cctx, cancel := context.WithTimeout(context.Background(), notifyTimeout)
	_ = s.seq.conn.Close(cctx)
	cancel()
	s.seq.conn = nil
}
