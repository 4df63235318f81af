package pgstore

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// Leases are session advisory locks (pg_try_advisory_lock) on connections
// of their own: the server releases one when its session ends, so a
// replica killed outright loses its leases with its TCP connection. The
// holder pings its connection every LeaseCheck; when a ping fails the held
// context ends, since the server may already have given the lease to
// another replica.

// leaseKey maps a lease name to an advisory lock key, apart from the
// migration lock's.
func leaseKey(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte("triagebot lease\x00" + name))
	return int64(h.Sum64() &^ (1 << 63))
}

type lease struct {
	conn   *pgx.Conn
	key    int64
	cancel context.CancelFunc
	once   sync.Once
	done   chan struct{} // closed when the watch goroutine ended
	s      *Store
}

// Lead blocks until this process holds the lease called name, trying every
// LeasePoll, or until ctx ends. The returned context, derived from ctx,
// ends when release is called, the lease's connection fails, ctx ends (a
// server shutting down gives its leases up) or the Store is closed.
func (s *Store) Lead(ctx context.Context, name string) (context.Context, func(), error) {
	key := leaseKey(name)
	for {
		conn, err := s.tryLead(ctx, key)
		if err != nil && ctx.Err() == nil {
			s.log.Warn("pgstore: lease attempt failed", "lease", name, "err", err)
		}
		if conn != nil {
			if err := fence(ctx, s.opts.LeaseFence); err != nil {
				closeConn(conn)
				return nil, nil, err
			}
			return s.hold(ctx, conn, key)
		}
		t := time.NewTimer(s.opts.LeasePoll)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, nil, ctx.Err()
		case <-t.C:
		}
	}
}

// fence waits d (Options.LeaseFence) or until ctx ends.
func fence(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// hold registers a lease just taken and starts watching its connection.
func (s *Store) hold(ctx context.Context, conn *pgx.Conn, key int64) (context.Context, func(), error) {
	s.leaseMu.Lock()
	defer s.leaseMu.Unlock()
	if s.closed {
		closeConn(conn)
		return nil, nil, errClosed
	}
	held, cancel := context.WithCancel(ctx)
	l := &lease{conn: conn, key: key, cancel: cancel, done: make(chan struct{}), s: s}
	s.leases[l] = struct{}{}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		l.watch(held, s.opts.LeaseCheck)
	}()
	return held, l.release, nil
}

// errClosed refuses a lease, or a wait for numbering, on a closed Store.
var errClosed = errors.New("pgstore: store is closed")

// tryLead makes one attempt: the connection holding the lock, or nil when
// another process holds it.
func (s *Store) tryLead(ctx context.Context, key int64) (*pgx.Conn, error) {
	cctx, cancel := context.WithTimeout(ctx, listenTimeout)
	defer cancel()
	cfg := s.cfg.ConnConfig.Copy()
	// The server must notice a holder whose machine vanished without
	// closing its connection (power loss, a partition), not only one
	// killed outright: keepalives every second after 2 s of silence, 3
	// missed ones end the session and free the lease within ~5 s.
	cfg.RuntimeParams["tcp_keepalives_idle"] = "2"
	cfg.RuntimeParams["tcp_keepalives_interval"] = "1"
	cfg.RuntimeParams["tcp_keepalives_count"] = "3"
	conn, err := pgx.ConnectConfig(cctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	var got bool
	if err := conn.QueryRow(cctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&got); err != nil || !got {
		closeConn(conn)
		return nil, err
	}
	return conn, nil
}

// watch pings the lease's connection until held ends, then gives the lease
// up by closing the connection.
func (l *lease) watch(held context.Context, every time.Duration) {
	defer close(l.done)
	defer l.drop()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-held.Done():
			return
		case <-t.C:
		}
		pctx, cancel := context.WithTimeout(held, min(every, listenTimeout))
		err := l.conn.Ping(pctx)
		cancel()
		if err != nil && held.Err() == nil {
			l.s.log.Warn("pgstore: lease connection lost, giving the lease up", "err", err)
			l.cancel()
			return
		}
	}
}

// release ends the lease and waits until its connection is closed, so a
// caller that releases and exits leaves nothing behind.
func (l *lease) release() {
	l.cancel()
	<-l.done
}

// drop closes the connection (which releases the lock on the server) and
// forgets the lease.
func (l *lease) drop() {
	l.once.Do(func() {
		closeConn(l.conn)
		l.s.leaseMu.Lock()
		delete(l.s.leases, l)
		l.s.leaseMu.Unlock()
	})
}

func closeConn(c *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), listenTimeout)
	_ = c.Close(ctx)
	cancel()
}
