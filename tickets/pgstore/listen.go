package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/triagebot/triagebot/tickets"
)

// The listener: one dedicated connection per Store LISTENs on
// changedChannel, outboxChannel, resyncChannel and hintChannel, owned by one
// goroutine that Close stops. A connection lost is made again with backoff;
// since NOTIFYs sent meanwhile are lost, every watcher and Changed are then
// woken once (a wake-up for nothing is allowed, a missed one is not). The same
// resync runs every resyncEvery, for the commits of a replica that died
// before its notifier sent their NOTIFY (notify.go).

const (
	// listenIdle is how long the listener waits for a notification before
	// it pings its connection: a dead peer is found within about that.
	listenIdle = 15 * time.Second
	// listenTimeout bounds connecting, LISTEN and each ping.
	listenTimeout = 5 * time.Second
	maxBackoff    = 5 * time.Second
	// resyncEvery is how often the listener resyncs even when nothing
	// seems lost.
	resyncEvery = 30 * time.Second
)

// WatchOutbox registers fn, called after each commit (on any replica) that
// enqueued to a conversation: at once for this Store's commits, from the
// listener for the others'. fn must not block.
func (s *Store) WatchOutbox(fn func(ch tickets.Channel, conversationID string)) {
	s.watchMu.Lock()
	s.watchers = append(s.watchers, fn)
	s.watchMu.Unlock()
}

func (s *Store) watchersNow() []func(tickets.Channel, string) {
	s.watchMu.Lock()
	defer s.watchMu.Unlock()
	return s.watchers
}

// listen runs until ctx ends. ready is closed once LISTEN is first in place.
func (s *Store) listen(ctx context.Context, ready chan struct{}) {
	backoff := 100 * time.Millisecond
	first := true
	for {
		err := s.listenOnce(ctx, func() {
			backoff = 100 * time.Millisecond
			if first {
				first = false
				close(ready)
				return
			}
			s.resync(ctx)
		})
		if ctx.Err() != nil {
			return
		}
		s.metrics.reconnects.Inc()
		s.log.Warn("pgstore: listener connection lost, reconnecting", "err", err, "in", backoff)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// listenOnce connects, LISTENs, calls onReady, and dispatches
// notifications until the connection fails or ctx ends.
func (s *Store) listenOnce(ctx context.Context, onReady func()) error {
	cctx, cancel := context.WithTimeout(ctx, listenTimeout)
	defer cancel()
	conn, err := pgx.ConnectConfig(cctx, s.cfg.ConnConfig)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), listenTimeout)
		_ = conn.Close(cctx)
		cancel()
	}()
	if _, err := conn.Exec(cctx, "LISTEN "+changedChannel+"; LISTEN "+outboxChannel+"; LISTEN "+resyncChannel+"; LISTEN "+hintChannel); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	onReady()
	nextResync := time.Now().Add(resyncEvery)
	for {
		if time.Now().After(nextResync) {
			s.resync(ctx)
			nextResync = time.Now().Add(resyncEvery)
		}
		wctx, cancel := context.WithTimeout(ctx, listenIdle)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case err == nil:
			s.dispatch(ctx, n)
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, context.DeadlineExceeded) && !conn.IsClosed():
			// Quiet for a while: make sure the peer is still there (a
			// server that vanished without a FIN would leave us waiting).
			pctx, cancel := context.WithTimeout(ctx, listenTimeout)
			err := conn.Ping(pctx)
			cancel()
			if err != nil {
				return fmt.Errorf("ping: %w", err)
			}
		default:
			return err
		}
	}
}

// dispatch hands one notification to those waiting for it. Those this
// Store sent are skipped: its commits woke its own waiters already.
func (s *Store) dispatch(ctx context.Context, n *pgconn.Notification) {
	switch n.Channel {
	case changedChannel:
		if n.Payload != s.id {
			s.wake()
		}
	case resyncChannel:
		if n.Payload != s.id {
			s.resync(ctx)
		}
	case hintChannel:
		var h hintPayload
		if err := json.Unmarshal([]byte(n.Payload), &h); err != nil {
			s.log.Warn("pgstore: malformed hint notification", "payload", clipPayload(n.Payload))
			return
		}
		if h.From == s.id {
			return
		}
		s.watchMu.Lock()
		fns := s.hintWatchers
		s.watchMu.Unlock()
		for _, fn := range fns {
			fn(h.Hint)
		}
	case outboxChannel:
		sent, rest, ok1 := strings.Cut(n.Payload, "|")
		from, rest, ok2 := strings.Cut(rest, "|")
		ch, id, ok3 := strings.Cut(rest, "|")
		if !ok1 || !ok2 || !ok3 {
			s.log.Warn("pgstore: malformed outbox notification", "payload", clipPayload(n.Payload))
			return
		}
		if from == s.id {
			return
		}
		s.tails.foreign(id) // before the wake-up: the writer must read this one
		if at, err := strconv.ParseInt(sent, 10, 64); err == nil {
			// Commit to callback, on clocks of the sending and this host
			// (the same clock when replicas share a machine).
			s.metrics.notifyLag.Observe(max(time.Since(fromNS(at)), 0).Seconds())
		}
		for _, fn := range s.watchersNow() {
			fn(tickets.Channel(ch), id)
		}
	}
}

// clipPayload bounds what a log line quotes of a notification (anyone who
// may connect to the database may send one).
func clipPayload(p string) string {
	const max = 200
	if len(p) <= max {
		return p
	}
	return strings.ToValidUTF8(p[:max], "") + "…"
}

// resync wakes everyone after the listener reconnected: Changed, and the
// watchers of every conversation with messages waiting.
func (s *Store) resync(ctx context.Context) {
	s.tails.forgetAll() // what it wakes for may be newer than any tail
	s.wake()
	ws := s.watchersNow()
	if len(ws) == 0 {
		return
	}
	type pend struct{ ch, id string }
	var ps []pend
	rctx, cancel := context.WithTimeout(ctx, listenTimeout)
	defer cancel()
	err := s.View(rctx, func(t tickets.Tx) error {
		var err error
		ps, err = rows(t.(*tx), `SELECT channel, conversation_id FROM pending`, nil, func(r pgx.Rows) (pend, error) {
			var p pend
			return p, r.Scan(&p.ch, &p.id)
		})
		return err
	})
	if err != nil {
		s.log.Warn("pgstore: listener resync: read pending conversations", "err", err)
		return
	}
	for _, p := range ps {
		for _, fn := range ws {
			fn(tickets.Channel(p.ch), p.id)
		}
	}
}
