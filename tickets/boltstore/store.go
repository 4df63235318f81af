// Package boltstore keeps triagebot's tickets, conversations, outboxes and
// agents in one bbolt file. It implements tickets.Store.
//
// Every write goes through Store.Update, a group commit (commit.go) so that
// concurrent dialogue turns share one fsync. Secondary indexes (by status,
// queue and priority; by user; counts; conversations with pending messages)
// are changed in the same transaction as the record they describe, so they
// can never disagree with it, even after a crash.
package boltstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/triagebot/triagebot/tickets"
)

// SchemaVersion is the layout of buckets and keys this package writes. A
// file written by a newer program is refused rather than misread; an older
// one is migrated when opened (migrate.go).
const SchemaVersion = 2

// DefaultTimeout is how long Open waits for the file lock held by another
// process before giving up.
const DefaultTimeout = time.Second

// Options configure Open.
type Options struct {
	// Timeout bounds the wait for the file lock; 0 means DefaultTimeout.
	Timeout time.Duration
	// NoSync skips fsync on commit. A crash can then lose or corrupt
	// committed data: only for tests and benchmark fixtures.
	NoSync bool
	// Now is the clock used for timestamps the caller left zero; nil means time.Now.
	Now tickets.Clock
	// BeforeCommit, when set, runs inside every write transaction just
	// before bbolt commits it. It is for fault-injection tests (a panic
	// here stands for bbolt meeting a damaged page); leave it nil.
	BeforeCommit func()
}

// Store is a tickets.Store on a bbolt file.
type Store struct {
	db     *bolt.DB
	now    tickets.Clock
	commit *committer

	notifyMu sync.Mutex
	notify   notifier
}

var _ tickets.Store = (*Store)(nil)

// Open opens (creating if needed, with its parent directory) the database at
// path. It fails with an error wrapping tickets.ErrDatabaseUse when another
// process (or another Open in this process) holds the file, and with one
// wrapping tickets.ErrSchema when the file was written by a newer version.
func Open(path string, opts Options) (*Store, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("boltstore: create directory for %s: %w", path, err)
		}
	}
	if err := checkFile(path); err != nil {
		return nil, fmt.Errorf("boltstore: open %w", err)
	}
	var db *bolt.DB
	// The file passed checkFile, but a scribbled freelist or bucket page
	// can still make bbolt read outside the map: guard turns that into an
	// error. (If bbolt panics after taking the file lock, the lock stays
	// with this process until it exits; it is exiting anyway.)
	err := guard(func() error {
		var err error
		db, err = bolt.Open(path, 0o600, &bolt.Options{
			Timeout: opts.Timeout,
			NoSync:  opts.NoSync,
			// The hashmap freelist stays fast when a long-lived file has many
			// free pages (outboxes are written and trimmed all day).
			FreelistType: bolt.FreelistMapType,
		})
		return err
	})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("boltstore: open %s: %w (lock not obtained within %v): %w",
			path, tickets.ErrDatabaseUse, opts.Timeout, err)
	}
	if errors.Is(err, bolt.ErrInvalid) || errors.Is(err, bolt.ErrChecksum) || errors.Is(err, bolt.ErrVersionMismatch) {
		return nil, fmt.Errorf("boltstore: open %w", damaged(path, "%v", err))
	}
	if err != nil {
		if db == nil && isPanic(err) {
			err = damaged(path, "%v", err)
		}
		return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
	}
	if err := probe(db); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("boltstore: open %w", damaged(path, "%v", err))
	}
	if err := guard(func() error { return db.Update(initSchema) }); err != nil {
		_ = db.Close()
		if isPanic(err) {
			err = damaged(path, "%v", err)
		}
		return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
	}
	clock := opts.Now
	// Round(0) drops the monotonic reading: what a caller gets back from a
	// write is then exactly what a later read of the file returns.
	now := func() time.Time { return clock().Round(0) }
	return &Store{db: db, now: now, commit: &committer{db: db, beforeCommit: opts.BeforeCommit},
		notify: notifier{ch: make(chan struct{})}}, nil
}

// initSchema checks the schema version before touching anything, then makes
// sure every bucket exists, so later code can rely on them.
func initSchema(tx *bolt.Tx) error {
	if meta := tx.Bucket(bucketMeta); meta != nil {
		if v := meta.Get(keySchema); v != nil {
			if len(v) != 8 {
				return fmt.Errorf("schema version record is %d bytes, want 8: %w", len(v), tickets.ErrSchema)
			}
			got := u64(v)
			if got >= 1 && got < SchemaVersion {
				// A migration rewrites tickets, which keeps the quality
				// indexes: they must exist first.
				if err := createBuckets(tx, qualityBuckets); err != nil {
					return err
				}
				if err := migrate(tx, got); err != nil {
					return err
				}
				if err := buildRetentionIndexes(tx); err != nil { // from the migrated records
					return err
				}
				if err := buildSearchIndex(tx); err != nil {
					return err
				}
				return buildQualityIndexes(tx)
			}
			if got != SchemaVersion {
				return fmt.Errorf("file has schema version %d, this program understands version %d: %w",
					got, SchemaVersion, tickets.ErrSchema)
			}
		}
	}
	if err := createBuckets(tx, slices.Concat(allBuckets, qualityBuckets)); err != nil {
		return err
	}
	meta := tx.Bucket(bucketMeta)
	if meta.Get(keySchema) == nil {
		if err := meta.Put(keySchema, be64(SchemaVersion)); err != nil {
			return err
		}
	}
	if err := buildRetentionIndexes(tx); err != nil {
		return err
	}
	if err := buildSearchIndex(tx); err != nil {
		return err
	}
	return buildQualityIndexes(tx)
}

func createBuckets(tx *bolt.Tx, names [][]byte) error {
	for _, name := range names {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	return nil
}

// Update runs fn in a read-write transaction, grouped with concurrent
// Updates into one commit. fn may run more than once (a group is re-run
// without a member that fails), so it must only touch tx.
func (s *Store) Update(ctx context.Context, fn func(tickets.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	// changed is set by a run of fn that wrote events or changed agents; fn
	// may run more than once, so each run starts it afresh.
	var changed bool
	err := s.commit.update(ctx, func(btx *bolt.Tx) error {
		changed = false
		// A turn whose caller gave up while waiting for its group is not
		// applied: its error takes it out of the group without a commit.
		if err := ctx.Err(); err != nil {
			return err
		}
		return fn(&tx{tx: btx, now: s.now, changed: &changed})
	})
	if err == nil && changed {
		s.wake()
	}
	return err
}

// View runs fn in a read-only transaction; writes inside it fail.
func (s *Store) View(ctx context.Context, fn func(tickets.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return guard(func() error {
		return s.db.View(func(btx *bolt.Tx) error {
			return fn(&tx{tx: btx, now: s.now})
		})
	})
}

// Health is nil while writes succeed; after a commit failed or panicked it
// is why, until a later commit succeeds.
func (s *Store) Health() error {
	if err := s.commit.health(); err != nil {
		return fmt.Errorf("writes are failing: %w", err)
	}
	return nil
}

// errReadPanic marks a panic or memory fault inside a transaction.
var errReadPanic = errors.New("boltstore: panic reading the database (is the file damaged? run 'triagebot check')")

// isPanic reports whether err came from a recovered panic.
func isPanic(err error) bool { return errors.Is(err, errReadPanic) || errors.Is(err, errCommitPanic) }

// guard runs f with memory faults turned into panics, and any panic into an
// error: a read of a damaged page must fail the call, not kill the process.
// (A panic in fn itself is the caller's bug, but it must not take a server
// down either; it comes back as an error naming it.)
func guard(f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %v", errReadPanic, p)
		}
	}()
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	return f()
}

// Backup writes a consistent copy of the database to w while the server
// keeps running: a read transaction sees one snapshot and does not block
// writers. The copy is itself a valid bbolt file.
func (s *Store) Backup(ctx context.Context, w io.Writer) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var n int64
	err := guard(func() error {
		return s.db.View(func(btx *bolt.Tx) error {
			var err error
			n, err = btx.WriteTo(ctxWriter{ctx: ctx, w: w})
			return err
		})
	})
	if err != nil {
		return n, fmt.Errorf("boltstore: backup: %w", err)
	}
	return n, nil
}

// ctxWriter stops a long backup when its context ends, so a cancelled
// backup does not hold a read transaction (and file growth) for minutes.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

// Close releases the file and its lock.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("boltstore: close: %w", err)
	}
	return nil
}

// tx implements tickets.Tx over one bbolt transaction.
type tx struct {
	tx  *bolt.Tx
	now tickets.Clock
	// changed, in a read-write transaction, records that the commit must
	// wake the agents' streams.
	changed *bool
	// events are the events this operation wrote, by ticket id.
	events map[string]pendingEvent
}

var _ tickets.Tx = (*tx)(nil)
