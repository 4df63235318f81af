package pgstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/triagebot/triagebot/tickets"
)

// Waking the other replicas. A data transaction never NOTIFYs: PostgreSQL
// takes one cluster-wide lock for a notifying commit and holds it through
// that commit's WAL flush, so every notifying transaction of every replica
// waited for the flushes of the ones before it (about one commit per flush
// for the whole cluster). Instead, after a commit this process wakes its own
// watchers at once (published) and hands what the others must hear to the
// notifier: one goroutine on a connection of its own that sends everything
// that piled up since its last send in one statement, with
// synchronous_commit off (a notification is not durable anyway, so its
// commit need not wait for a flush).
//
// The price: a replica that dies between a commit and the send leaves the
// others unwoken for that commit. Every replica resyncs every resyncEvery
// (listen.go), waking the watchers of every conversation with messages
// waiting, so such a message is late by at most that, never lost: it is in
// the outbox either way; the resync wakes Changed too.

const (
	// resyncChannel asks every other replica to resync: the notifier sends
	// it instead of more than maxPendingNotes conversations.
	resyncChannel = "triagebot_resync"
	// maxPendingNotes bounds the conversations waiting to be announced.
	maxPendingNotes = 4096
	// notifyTimeout bounds connecting and each send.
	notifyTimeout = 5 * time.Second
	// notifyGap is the least time between two sends: under load what
	// piles up meanwhile goes in one statement, for a wake-up at most this
	// much later.
	notifyGap = 2 * time.Millisecond
	// hintChannel carries tickets.Hints, as JSON naming the sending Store.
	hintChannel = "triagebot_hint"
	// maxPendingHints bounds the hints waiting for the notifier; past it
	// new ones are dropped (a hint is worth seconds).
	maxPendingHints = 256
	// maxHintPayload bounds one hint's payload (NOTIFY takes up to 8,000
	// bytes; a hint is an id and a name).
	maxHintPayload = 1000
)

// notes are the announcements waiting for the notifier.
type notes struct {
	mu       sync.Mutex
	changed  bool
	outbox   map[outboxNote]int64 // conversation → its first waiting commit, Unix ns
	overflow bool                 // more than maxPendingNotes waited: a resync instead
	hints    []string             // hint payloads, at most maxPendingHints
	kick     chan struct{}        // capacity 1: the notifier has something to send
}

// hintPayload is what a hint's NOTIFY carries.
type hintPayload struct {
	From string `json:"from"` // the sending Store's id
	tickets.Hint
}

// Hint implements tickets.Hinter: the notifier sends h to the other
// replicas with its next batch. A hint that does not fit, or finds
// maxPendingHints waiting, is dropped.
func (s *Store) Hint(h tickets.Hint) {
	b, err := json.Marshal(hintPayload{From: s.id, Hint: h})
	if err != nil || len(b) > maxHintPayload {
		s.metrics.hintsDropped.Inc()
		return
	}
	n := s.notes
	n.mu.Lock()
	full := len(n.hints) >= maxPendingHints
	if !full {
		n.hints = append(n.hints, string(b))
	}
	n.mu.Unlock()
	if full {
		s.metrics.hintsDropped.Inc()
		return
	}
	select {
	case n.kick <- struct{}{}:
	default:
	}
}

// WatchHints implements tickets.Hinter: fn hears the hints of the other
// replicas, from the listener.
func (s *Store) WatchHints(fn func(tickets.Hint)) {
	s.watchMu.Lock()
	s.hintWatchers = append(s.hintWatchers, fn)
	s.watchMu.Unlock()
}

func newNotes() *notes {
	return &notes{outbox: make(map[outboxNote]int64), kick: make(chan struct{}, 1)}
}

// addLocked notes conversation o, first committed to at (n.mu held). Past
// maxPendingNotes the conversations give way to one resync.
func (n *notes) addLocked(o outboxNote, at int64) {
	if n.overflow {
		return
	}
	if _, ok := n.outbox[o]; ok {
		return
	}
	if len(n.outbox) >= maxPendingNotes {
		n.overflow = true
		clear(n.outbox)
		return
	}
	n.outbox[o] = at
}

// published tells everyone about a commit: this process's Changed waiters
// and outbox watchers at once, the other replicas through the notifier.
func (s *Store) published(changed bool, outbox []outboxNote) {
	if !changed && len(outbox) == 0 {
		return
	}
	if changed {
		s.wake()
	}
	if len(outbox) > 0 {
		ws := s.watchersNow()
		for _, o := range outbox {
			for _, fn := range ws {
				fn(o.ch, o.id)
			}
		}
	}
	at := ns(time.Now())
	n := s.notes
	n.mu.Lock()
	n.changed = n.changed || changed
	for _, o := range outbox {
		n.addLocked(o, at)
	}
	n.mu.Unlock()
	select {
	case n.kick <- struct{}{}:
	default:
	}
}

// runNotifier runs the notifier until ctx ends, then sends what is left once.
func (s *Store) runNotifier(ctx context.Context) {
	var conn *pgx.Conn
	defer func() {
		if conn != nil {
			cctx, cancel := context.WithTimeout(context.Background(), notifyTimeout)
			_ = conn.Close(cctx)
			cancel()
		}
	}()
	backoff := 100 * time.Millisecond
	for {
		select {
		case <-ctx.Done():
			// Closing: a last send, so that a graceful stop loses nothing.
			fctx, cancel := context.WithTimeout(context.Background(), notifyTimeout)
			_ = s.sendNotes(fctx, &conn)
			cancel()
			return
		case <-s.notes.kick:
		}
		for {
			sent := time.Now()
			err := s.sendNotes(ctx, &conn)
			if err == nil || ctx.Err() != nil {
				backoff = 100 * time.Millisecond
				if wait := notifyGap - time.Since(sent); wait > 0 {
					t := time.NewTimer(wait)
					select {
					case <-ctx.Done():
						t.Stop()
					case <-t.C:
					}
				}
				break
			}
			s.log.Warn("pgstore: notify the other replicas", "err", err, "retry in", backoff)
			t := time.NewTimer(backoff)
			select {
			case <-ctx.Done():
				t.Stop()
			case <-t.C:
			}
			backoff = min(2*backoff, maxBackoff)
		}
	}
}

// sendNotes sends what waits, (re)connecting *conn as needed. On failure
// what it took waits again.
func (s *Store) sendNotes(ctx context.Context, conn **pgx.Conn) error {
	n := s.notes
	n.mu.Lock()
	changed, outbox, overflow, hints := n.changed, n.outbox, n.overflow, n.hints
	if !changed && !overflow && len(outbox) == 0 && len(hints) == 0 {
		n.mu.Unlock()
		return nil
	}
	n.changed, n.outbox, n.overflow, n.hints = false, make(map[outboxNote]int64), false, nil
	n.mu.Unlock()

	chans := make([]string, 0, len(outbox)+len(hints)+2)
	payloads := make([]string, 0, len(outbox)+len(hints)+2)
	for _, h := range hints {
		// Not put back after a failed send: by the next one it is stale.
		chans, payloads = append(chans, hintChannel), append(payloads, h)
	}
	if changed {
		chans, payloads = append(chans, changedChannel), append(payloads, s.id)
	}
	if overflow {
		chans, payloads = append(chans, resyncChannel), append(payloads, s.id)
	}
	for o, at := range outbox {
		chans = append(chans, outboxChannel)
		payloads = append(payloads, strconv.FormatInt(at, 10)+"|"+s.id+"|"+string(o.ch)+"|"+o.id)
	}
	err := s.sendNotifications(ctx, conn, chans, payloads)
	if err != nil {
		// Put it back (under what came meanwhile) for the next attempt.
		n.mu.Lock()
		n.changed = n.changed || changed
		if overflow {
			n.overflow = true
			clear(n.outbox)
		}
		for o, at := range outbox {
			n.addLocked(o, at)
		}
		n.mu.Unlock()
	}
	return err
}

func (s *Store) sendNotifications(ctx context.Context, conn **pgx.Conn, chans, payloads []string) error {
	cctx, cancel := context.WithTimeout(ctx, notifyTimeout)
	defer cancel()
	if *conn == nil {
		c, err := pgx.ConnectConfig(cctx, s.cfg.ConnConfig)
		if err != nil {
			return fmt.Errorf("connect: %w", err)
		}
		// A notification is not durable: its commit need not wait for
		// the WAL to reach the disk (and so holds the notify lock only
		// for a moment).
		if _, err := c.Exec(cctx, "SET synchronous_commit = off"); err != nil {
			_ = c.Close(cctx)
			return fmt.Errorf("set synchronous_commit: %w", err)
		}
		*conn = c
	}
	if _, err := (*conn).Exec(cctx, `SELECT pg_notify(c, p) FROM unnest($1::text[], $2::text[]) AS n(c, p)`,
		chans, payloads); err != nil {
		_ = (*conn).Close(cctx)
		*conn = nil
		return fmt.Errorf("notify: %w", err)
	}
	return nil
}
