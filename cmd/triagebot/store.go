package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
)

// The two stores -db chooses between: a path (or nothing) is the embedded
// bbolt file, one process's own; a postgres:// or postgresql:// URL is a
// PostgreSQL database that any number of replicas share.

// isPostgres reports whether db names a PostgreSQL database. Such a value
// is never taken for a file path.
func isPostgres(db string) bool {
	scheme, _, ok := strings.Cut(db, "://")
	return ok && (strings.EqualFold(scheme, "postgres") || strings.EqualFold(scheme, "postgresql"))
}

// storeKind names the store db selects, for messages and logs.
func storeKind(db string) string {
	if isPostgres(db) {
		return "PostgreSQL"
	}
	return "bbolt"
}

// openPostgres opens a PostgreSQL store: pg.go sets it to pgstore's
// opener; tests replace it.
var openPostgres func(ctx context.Context, url string, log *slog.Logger) (tickets.Store, error)

// openStore opens the store -db names for a subcommand. wait bounds how
// long a bbolt file held by another process is waited for (then
// tickets.ErrDatabaseUse); PostgreSQL is shared, so it never waits for that.
// A damaged file is refused with one sentence that names it and says what
// to do, instead of bbolt's crash. Errors never quote a URL's password.
// log (nil: none) gets a shared store's reconnects.
func openStore(ctx context.Context, db string, wait time.Duration, log *slog.Logger) (tickets.Store, error) {
	if isPostgres(db) {
		if openPostgres == nil {
			return nil, errors.New("-db: this triagebot was built without PostgreSQL support")
		}
		if log == nil {
			log = slog.New(slog.DiscardHandler)
		}
		s, err := openPostgres(ctx, db, log)
		if err != nil {
			return nil, fmt.Errorf("PostgreSQL at %s: %w", redactDB(db), redactErr(err, db))
		}
		return s, nil
	}
	if scheme, _, ok := strings.Cut(db, "://"); ok && !strings.ContainsAny(scheme, `/\.`) {
		// "mysql://…", "postgress://…": a typo or another engine, never a file.
		return nil, fmt.Errorf("-db %s: a URL must start with postgres:// or postgresql://; a bbolt file is named by its path", redactDB(db))
	}
	return openBolt(db, wait)
}

// openBolt opens the bbolt file at path (check needs its own type).
func openBolt(path string, wait time.Duration) (*boltstore.Store, error) {
	s, err := boltstore.Open(path, boltstore.Options{Timeout: wait})
	if errors.Is(err, tickets.ErrDamaged) {
		return nil, fmt.Errorf("the database file %s is damaged and was not opened; stop triagebot, restore the file from a copy made with 'triagebot backup' and verify it with 'triagebot check -db FILE' (%w)", path, err)
	}
	return s, err
}

// redactDB is db fit for a log line: a URL's password (in the user info or
// a password= parameter) becomes "xxxxx"; a path is itself.
func redactDB(db string) string {
	if !strings.Contains(db, "://") {
		return db
	}
	u, err := url.Parse(db)
	if err != nil {
		// Unparsable: say only what kind of URL it is.
		scheme, _, _ := strings.Cut(db, "://")
		return scheme + "://(unparsable URL)"
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// dbPasswords are the secrets of db a message must not quote.
func dbPasswords(db string) []string {
	u, err := url.Parse(db)
	if err != nil || !strings.Contains(db, "://") {
		return nil
	}
	var ps []string
	if p, ok := u.User.Password(); ok && p != "" {
		ps = append(ps, p, url.PathEscape(p), url.QueryEscape(p))
	}
	if p := u.Query().Get("password"); p != "" {
		ps = append(ps, p, url.QueryEscape(p))
	}
	return ps
}

// redactErr hides db's password in err's text (a driver may quote the
// connection string), keeping err for errors.Is.
func redactErr(err error, db string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	for _, p := range dbPasswords(db) {
		msg = strings.ReplaceAll(msg, p, "xxxxx")
	}
	if msg == err.Error() {
		return err
	}
	return redactedError{msg: msg, err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e redactedError) Error() string { return e.msg }
func (e redactedError) Unwrap() error { return e.err }
