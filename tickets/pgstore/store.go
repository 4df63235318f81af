// Package pgstore keeps triagebot's tickets, conversations, outboxes and
// agents in PostgreSQL, so that any number of replicas share them. It
// implements tickets.Store with the semantics of tickets/boltstore, and
// tickets.OutboxWatcher and tickets.Leaser, which a store shared by
// processes needs (see docs/postgres.md).
//
// Every Update is one READ COMMITTED transaction in which Ticket and
// Conversation read their row FOR UPDATE: two transactions over the same
// ticket or conversation run one after the other, and the second sees what
// the first wrote (so of two claims one wins). Events are numbered from a
// single-row counter after their transactions commit, many at a time, so
// they commit in number order and a reader of the stream never skips one
// (sequencer.go). After a commit that matters to other replicas a notifier
// sends a NOTIFY (notify.go); each Store LISTENs on a dedicated connection.
package pgstore

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"runtime"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/triagebot/triagebot/internal/logs"
	"github.com/triagebot/triagebot/tickets"
)

// Defaults of Options.
const (
	DefaultStatementTimeout = 30 * time.Second
	DefaultConnectTimeout   = 10 * time.Second
	// DefaultLeasePoll is how often Lead retries a lease another process holds.
	DefaultLeasePoll = time.Second
	// DefaultLeaseCheck is how often a held lease's connection is pinged.
	DefaultLeaseCheck = 2 * time.Second
	// maxAttempts bounds the runs of one Update's fn when PostgreSQL
	// aborts it for a deadlock or serialization failure.
	maxAttempts = 8
)

// DefaultMaxConns is the pool size when Options.MaxConns is 0: four per
// core. More connections than the server has cores to run them only add
// context switches and lock contention (measured: 64 writers commit twice
// the work per ticket on 64 connections as on 8, see docs/postgres.md);
// callers beyond it wait in the pool, which costs nothing.
func DefaultMaxConns() int32 { return int32(max(4, 4*runtime.GOMAXPROCS(0))) }

// Options configure Open.
type Options struct {
	// Logger receives the listener's and leases' reconnects; nil means
	// slog.Default() (logs.Or).
	Logger *slog.Logger
	// MaxConns bounds the pool; 0 means DefaultMaxConns(). The listener
	// and each held lease use a connection of their own besides.
	MaxConns int32
	// StatementTimeout bounds every statement (server-side
	// statement_timeout, lock waits included); 0 means the default.
	StatementTimeout time.Duration
	// ConnectTimeout bounds each connection attempt; 0 means the default.
	ConnectTimeout time.Duration
	// LeasePoll and LeaseCheck tune Lead; 0 means the defaults.
	LeasePoll, LeaseCheck time.Duration
	// LeaseFence is how long Lead waits after taking a lease before it
	// returns it: time for a previous holder whose session the server ended
	// (a restart, a failover) while its process lives to notice at its next
	// check and stop, so two never do the duty at once. 0 means twice
	// LeaseCheck (a check's interval plus its ping's deadline).
	LeaseFence time.Duration
	// Now is the clock for timestamps the caller left zero; nil means time.Now.
	Now tickets.Clock
}

// Store is a tickets.Store on a PostgreSQL database.
type Store struct {
	pool *pgxpool.Pool
	cfg  *pgxpool.Config
	log  *slog.Logger
	now  tickets.Clock
	opts Options
	// id names this Store in NOTIFY payloads, so that the listener skips
	// the Changed wake-ups of its own commits (already given at commit).
	id string

	notifyMu sync.Mutex
	notify   chan struct{}

	watchMu  sync.Mutex
	watchers []func(tickets.Channel, string)
	// hintWatchers hear the other replicas' hints (WatchHints).
	hintWatchers []func(tickets.Hint)

	healthMu sync.Mutex
	failure  error
	pingAt   time.Time
	pingErr  error

	metrics *metrics

	// notes wait for the notifier (notify.go); seq numbers events
	// (sequencer.go).
	notes *notes
	seq   *sequencer
	// group queues the calls of UpdateGroup (group.go).
	group *grouper
	// tails are what this Store's last commits enqueued (tail.go).
	tails *tails

	// beforeCommit, set by tests, runs after the events are queued and
	// before COMMIT (which then goes in a round trip of its own).
	beforeCommit func(context.Context)

	stop    context.CancelFunc
	wg      sync.WaitGroup
	leaseMu sync.Mutex
	leases  map[*lease]struct{}
	closed  bool
}

var (
	_ tickets.Store         = (*Store)(nil)
	_ tickets.OutboxWatcher = (*Store)(nil)
	_ tickets.Leaser        = (*Store)(nil)
)

// Open connects to the database at url (postgres:// or postgresql://),
// brings its schema up to date under an advisory lock, and starts the
// listener. It fails with an error wrapping tickets.ErrSchema when the
// database was migrated by a newer triagebot.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	if opts.MaxConns <= 0 {
		opts.MaxConns = DefaultMaxConns()
	}
	if opts.StatementTimeout <= 0 {
		opts.StatementTimeout = DefaultStatementTimeout
	}
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = DefaultConnectTimeout
	}
	if opts.LeasePoll <= 0 {
		opts.LeasePoll = DefaultLeasePoll
	}
	if opts.LeaseCheck <= 0 {
		opts.LeaseCheck = DefaultLeaseCheck
	}
	if opts.LeaseFence <= 0 {
		opts.LeaseFence = 2 * opts.LeaseCheck
	}
	opts.Logger = logs.Or(opts.Logger)
	if opts.Now == nil {
		opts.Now = time.Now
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// The URL may hold a password: say what is wrong, not the URL.
		return nil, fmt.Errorf("pgstore: parse database URL: %w", err)
	}
	cfg.MaxConns = opts.MaxConns
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = opts.ConnectTimeout
	}
	rp := cfg.ConnConfig.RuntimeParams
	if rp["application_name"] == "" {
		rp["application_name"] = "triagebot"
	}
	rp["statement_timeout"] = fmt.Sprint(opts.StatementTimeout.Milliseconds())
	// A transaction left open by a stuck process must not hold its row
	// locks (a ticket, a conversation) for ever.
	rp["idle_in_transaction_session_timeout"] = fmt.Sprint((2 * opts.StatementTimeout).Milliseconds())
	rp["timezone"] = "UTC"

	if err := migrate(ctx, cfg.ConnConfig, migrationFiles); err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("pgstore: open pool: %w", err)
	}
	clock := opts.Now
	s := &Store{
		pool: pool, cfg: cfg, log: opts.Logger, opts: opts,
		// Round(0) drops the monotonic reading, as boltstore does.
		now:    func() time.Time { return clock().Round(0) },
		id:     rand.Text()[:12],
		notify: make(chan struct{}),
		leases: map[*lease]struct{}{},
	}
	s.metrics = newMetrics(pool)
	lctx, stop := context.WithCancel(context.Background())
	s.stop = stop
	s.notes = newNotes()
	s.seq = newSequencer(lctx.Done())
	s.group = newGrouper()
	s.tails = newTails()
	ready := make(chan struct{})
	s.wg.Add(4)
	go func() {
		defer s.wg.Done()
		s.runGroups(lctx)
	}()
	go func() {
		defer s.wg.Done()
		s.listen(lctx, ready)
	}()
	go func() {
		defer s.wg.Done()
		s.runNotifier(lctx)
	}()
	go func() {
		defer s.wg.Done()
		s.runSequencer(lctx)
	}()
	// Return only once LISTEN is in place: a commit made after Open
	// returns is then always heard.
	select {
	case <-ready:
	case <-ctx.Done():
		_ = s.Close()
		return nil, fmt.Errorf("pgstore: start listener: %w", ctx.Err())
	}
	return s, nil
}

// Update runs fn in one read-write transaction. PostgreSQL may abort it for
// a deadlock or a serialization failure; fn then runs again (the contract
// allows it), up to maxAttempts times.
func (s *Store) Update(ctx context.Context, fn func(tickets.Tx) error) error {
	var err error
	for attempt := 0; attempt < maxAttempts; attempt++ {
		if err = ctx.Err(); err != nil {
			return err
		}
		var done committed
		done, err = s.run(ctx, true, fn)
		if err == nil {
			s.announce(ctx, done)
			return nil
		}
		if !retryable(err) {
			return err
		}
		// A short random pause so that two transactions that deadlocked
		// do not meet again at once.
		t := time.NewTimer(time.Duration(attempt+1) * time.Duration(1+mrand.IntN(5)) * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
	return err
}

// View runs fn in a read-only REPEATABLE READ transaction: every read sees
// the same snapshot.
func (s *Store) View(ctx context.Context, fn func(tickets.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	_, err := s.run(ctx, false, fn)
	return err
}

// announce tells everyone of a commit (this process's watchers at once,
// the other replicas through the notifier) and waits for its events to be
// numbered. The commit stands whatever happens here: a round that fails
// leaves the events queued for the next one.
func (s *Store) announce(ctx context.Context, done committed) {
	s.tails.committed(done.sent, time.Now()) // before the wake-ups, which may ask for them
	s.published(done.changed && !done.events, notesOf(done.sent))
	if done.events {
		if err := s.numbered(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("pgstore: number events", "err", err)
		}
	}
}

// rollback ends conn's transaction. One that fails (a lost connection)
// changes nothing for the caller: the transaction is over either way.
func rollback(ctx context.Context, conn *pgxpool.Conn) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	_, _ = conn.Exec(rctx, "ROLLBACK")
	cancel()
}

// committed is what a committed transaction must tell others about.
type committed struct {
	changed bool     // wake the agents' streams
	events  bool     // events were queued: number them
	sent    []sentTo // the messages enqueued, by conversation
}

// run is one attempt of a transaction. It reports what the commit must
// announce.
//
// Round trips are what a transaction costs most (on a busy machine each is
// a pair of context switches), so BEGIN travels with fn's first statement,
// and the queued writes, the events and COMMIT travel together (tx.go).
func (s *Store) run(ctx context.Context, write bool, fn func(tickets.Tx) error) (done committed, err error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		s.recordFailure(err)
		return done, fmt.Errorf("pgstore: acquire a connection: %w", err)
	}
	defer conn.Release() // a connection left inside a transaction is closed, not reused
	x := &tx{s: s, ctx: ctx, conn: conn, write: write, now: s.now}
	defer func() {
		// Not begun: nothing reached the server (queued writes die with x).
		if err != nil && x.begun {
			rollback(ctx, conn)
		}
	}()
	if err = safely(fn, x); err != nil {
		if x.failed != nil {
			s.recordFailure(x.failed)
		}
		if x.failed != nil && !errors.Is(err, x.failed) {
			// fn hid a database error behind its own; the database's
			// decides whether to retry.
			err = fmt.Errorf("%w (after %w)", err, x.failed)
		}
		return done, err
	}
	if x.failed != nil {
		// fn went on after a statement failed: the transaction is aborted
		// and cannot commit what fn believes it wrote.
		return done, fmt.Errorf("pgstore: a statement failed inside the transaction: %w", x.failed)
	}
	if !x.pendingWork() {
		return done, nil // fn ran no statement
	}
	if err = x.commit(); err != nil {
		if write {
			s.recordFailure(err)
		}
		return done, err
	}
	if write {
		s.recordFailure(nil)
	}
	return committed{changed: x.changed, events: len(x.events) > 0, sent: x.sent}, nil
}

// errCallPanic marks a panic in a transaction's function.
var errCallPanic = errors.New("pgstore: panic in transaction")

func safely(fn func(tickets.Tx) error, x *tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %v", errCallPanic, p)
		}
	}()
	return fn(x)
}

// retryable reports whether PostgreSQL aborted a transaction that may
// succeed when run again.
func retryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "40001", "40P01": // serialization_failure, deadlock_detected
			return true
		}
	}
	return false
}

// recordFailure keeps why the last commit failed for Health, when the
// reason is the database's (not a constraint a transaction ran into or a
// caller that gave up); nil records a success.
func (s *Store) recordFailure(err error) {
	if err != nil {
		var pe *pgconn.PgError
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
			errors.As(err, &pe) && (pe.Code[:2] == "23" || pe.Code[:2] == "40") {
			return
		}
	}
	s.healthMu.Lock()
	s.failure = err
	s.healthMu.Unlock()
}

// Health is nil while commits succeed and the pool answers a ping; the
// ping is made at most once a second. After a failed commit it is a small
// write instead (healthProbe), and its success clears the failure: a
// replica a proxy took out of rotation for its 503 gets no user's write
// that would, so it must find out by itself that the database is back.
func (s *Store) Health() error {
	s.healthMu.Lock()
	failure := s.failure
	stale := time.Since(s.pingAt) > time.Second
	s.healthMu.Unlock()
	if stale {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		var err error
		if failure != nil {
			_, err = s.pool.Exec(ctx, healthProbe)
		} else {
			err = s.pool.Ping(ctx)
		}
		cancel()
		s.healthMu.Lock()
		s.pingAt, s.pingErr = time.Now(), err
		if failure != nil && err == nil && s.failure == failure {
			s.failure = nil
		}
		s.healthMu.Unlock()
	}
	s.healthMu.Lock()
	defer s.healthMu.Unlock()
	if s.failure != nil {
		return fmt.Errorf("pgstore: writes are failing: %w", s.failure)
	}
	if s.pingErr != nil {
		return fmt.Errorf("pgstore: database does not answer: %w", s.pingErr)
	}
	return nil
}

// healthProbe is the write Health makes while commits are failing: one
// committed row, so it needs what a turn's commit needs.
const healthProbe = `INSERT INTO kv (key, value) VALUES ('pgstore.health_probe', '\x01')
	ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`

// Backup refuses: a PostgreSQL database is backed up with its own tools.
func (s *Store) Backup(ctx context.Context, w io.Writer) (int64, error) {
	return 0, fmt.Errorf("pgstore: backup: use pg_dump (e.g. pg_dump -Fc \"$TRIAGEBOT_DB\" > triagebot.dump) or the database's own backups: %w",
		errors.ErrUnsupported)
}

// Close stops the listener, the notifier (after a last send), the sequencer
// and the leases, and closes the pool.
func (s *Store) Close() error {
	s.leaseMu.Lock()
	if s.closed {
		s.leaseMu.Unlock()
		return nil
	}
	s.closed = true
	leases := make([]*lease, 0, len(s.leases))
	for l := range s.leases {
		leases = append(leases, l)
	}
	s.leaseMu.Unlock()
	for _, l := range leases {
		l.release()
	}
	s.stop()
	s.wg.Wait()
	s.pool.Close()
	return nil
}

// Changed returns the channel the next commit that wrote events or changed
// agents closes, in this process or (through NOTIFY) in any other.
func (s *Store) Changed() <-chan struct{} {
	s.notifyMu.Lock()
	defer s.notifyMu.Unlock()
	return s.notify
}

func (s *Store) wake() {
	s.notifyMu.Lock()
	close(s.notify)
	s.notify = make(chan struct{})
	s.notifyMu.Unlock()
}

// Times are stored as Unix nanoseconds: exact, and ordered as the Go values.

// ns is t in Unix nanoseconds, 0 for the zero time; times outside the
// int64 range (before 1678, after 2262) are clamped, keeping their order.
func ns(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	switch {
	case t.Before(minTime):
		return math.MinInt64
	case t.After(maxTime):
		return math.MaxInt64
	}
	return t.UnixNano()
}

var (
	minTime = time.Unix(0, math.MinInt64)
	maxTime = time.Unix(0, math.MaxInt64)
)

// fromNS is the inverse of ns, in UTC as boltstore's index times are.
func fromNS(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}
