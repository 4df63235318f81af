package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/triagebot/triagebot/internal/replicatest"
	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
)

func TestIsPostgres(t *testing.T) {
	for _, c := range []struct {
		db   string
		want bool
	}{
		{"postgres://u:p@db/triagebot", true},
		{"postgresql://db/triagebot?sslmode=disable", true},
		{"POSTGRES://db/x", true},
		{"./data/triagebot.db", false},
		{"/var/lib/triagebot/postgres.db", false},
		{"postgres.db", false},
		{"mysql://db/x", false},
		{"", false},
	} {
		if got := isPostgres(c.db); got != c.want {
			t.Errorf("isPostgres(%q) = %v, want %v", c.db, got, c.want)
		}
	}
}

func TestRedactDB(t *testing.T) {
	for _, c := range []struct{ db, want string }{
		{"./data/triagebot.db", "./data/triagebot.db"},
		{"postgres://triage:s3cr%40t@db:5432/triagebot?sslmode=disable", "postgres://triage:xxxxx@db:5432/triagebot?sslmode=disable"},
		{"postgres://db/triagebot?user=triage&password=s3cret", "postgres://db/triagebot?password=xxxxx&user=triage"},
		{"postgresql://db/triagebot", "postgresql://db/triagebot"},
	} {
		got := redactDB(c.db)
		if got != c.want {
			t.Errorf("redactDB(%q) = %q, want %q", c.db, got, c.want)
		}
		if strings.Contains(got, "s3cr") {
			t.Errorf("redactDB(%q) = %q quotes the password", c.db, got)
		}
	}
	err := redactErr(fmt.Errorf("connect: %w", context.DeadlineExceeded), "postgres://u:hunter2@db/x")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("redactErr lost the cause: %v", err)
	}
	err = redactErr(errors.New("failed to connect to postgres://u:hunter2@db/x"), "postgres://u:hunter2@db/x")
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("redactErr kept the password: %v", err)
	}
}

// withPostgres makes -db URLs open open's store for the test.
func withPostgres(t *testing.T, open func(ctx context.Context, url string, log *slog.Logger) (tickets.Store, error)) {
	t.Helper()
	old := openPostgres
	openPostgres = open
	t.Cleanup(func() { openPostgres = old })
}

// noBackupStore is a shared store as far as backup is concerned.
type noBackupStore struct{ tickets.Store }

func (noBackupStore) Backup(context.Context, io.Writer) (int64, error) {
	return 0, fmt.Errorf("pgstore: use pg_dump: %w", errors.ErrUnsupported)
}

// TestCommandsOnAURL: a URL is never a file: check refuses it as a wrong
// command line, backup says to use pg_dump, a failed connection never
// quotes the password, and another scheme is refused.
func TestCommandsOnAURL(t *testing.T) {
	dir := t.TempDir()
	const url = "postgres://triage:hunter2@127.0.0.1:1/triagebot"
	var opened atomic.Int32
	withPostgres(t, func(ctx context.Context, u string, _ *slog.Logger) (tickets.Store, error) {
		opened.Add(1)
		if u != url {
			return nil, fmt.Errorf("opened %q", u)
		}
		s, err := boltstore.Open(filepath.Join(dir, "stand-in.db"), boltstore.Options{NoSync: true})
		if err != nil {
			return nil, err
		}
		return noBackupStore{s}, nil
	})

	out, err := runCmd("check", "-db", url)
	var bad usageError
	if !errors.As(err, &bad) || !strings.Contains(out, "check verifies bbolt files only") || exitCode(err, io.Discard) != 2 {
		t.Errorf("check on a URL: %v (exit %d)\n%s", err, exitCode(err, io.Discard), out)
	}
	if opened.Load() != 0 {
		t.Error("check connected to the database")
	}

	outFile := filepath.Join(dir, "copy.db")
	out, err = runCmd("backup", "-db", url, outFile)
	if err == nil || !strings.Contains(err.Error(), "pg_dump") || exitCode(err, io.Discard) != 1 {
		t.Errorf("backup on a URL: %v\n%s", err, out)
	}
	if err != nil && strings.Contains(err.Error()+out, "hunter2") {
		t.Errorf("backup quoted the password: %v %s", err, out)
	}
	if matches, _ := filepath.Glob(filepath.Join(dir, "*backup*")); len(matches) > 0 || fileExists(outFile) {
		t.Errorf("backup on a URL left files: %v", matches)
	}

	withPostgres(t, func(context.Context, string, *slog.Logger) (tickets.Store, error) {
		return nil, errors.New("failed to connect to `user=triage password=hunter2`: refused")
	})
	_, err = runCmd("agents", "list", "-db", url)
	if err == nil || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "xxxxx") {
		t.Errorf("agents list on an unreachable database: %v", err)
	}

	_, err = runCmd("agents", "list", "-db", "mysql://db/x")
	if err == nil || !strings.Contains(err.Error(), "postgres://") {
		t.Errorf("agents list on mysql://: %v", err)
	}
	if fileExists("mysql:") {
		t.Error("a mysql:// URL was taken for a path")
	}
}

// TestAgentsOnSharedStoreWhileServed: against a shared database the agents
// commands need no stopped server: opening it twice is normal.
func TestAgentsOnSharedStoreWhileServed(t *testing.T) {
	s, err := boltstore.Open(filepath.Join(t.TempDir(), "shared.db"), boltstore.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	// The "server" keeps s open; each command gets a handle that its Close
	// does not close, as each gets a pool of its own.
	withPostgres(t, func(context.Context, string, *slog.Logger) (tickets.Store, error) { return unclosed{s}, nil })
	const url = "postgres://db/triagebot"
	out, err := runCmd("agents", "add", "amy", "-db", url)
	if err != nil {
		t.Fatalf("agents add: %v\n%s", err, out)
	}
	out, err = runCmd("agents", "list", "-db", url)
	if err != nil || !strings.Contains(out, "amy") {
		t.Fatalf("agents list: %v\n%s", err, out)
	}
}

type unclosed struct{ tickets.Store }

func (unclosed) Close() error { return nil }

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// TestLeadingRunsOnlyWhileHeld: a duty wrapped by leading runs while the
// lease is held, stops when it is lost, and runs again once it is back;
// on a store that leases nothing it simply runs.
func TestLeadingRunsOnlyWhileHeld(t *testing.T) {
	s, err := boltstore.Open(filepath.Join(t.TempDir(), "l.db"), boltstore.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	shared := replicatest.New(s)
	srv := &Server{store: shared, log: slog.New(slog.DiscardHandler)}
	terms := make(chan context.Context)
	duty := srv.leading("sweep", func(ctx context.Context) error {
		terms <- ctx
		<-ctx.Done()
		return ctx.Err()
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- duty(ctx) }()

	first := <-terms
	if !shared.Held("sweep") {
		t.Fatal("the duty runs without the lease")
	}
	shared.Revoke("sweep")
	<-first.Done() // the lost lease ends the term
	second := <-terms
	if second.Err() != nil {
		t.Fatal("second term already over")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("duty: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the duty did not stop with its context")
	}
	if shared.Held("sweep") {
		t.Error("the lease is still held after the duty stopped")
	}

	// bbolt: no lease, the duty runs as it is.
	plain := &Server{store: s, log: slog.New(slog.DiscardHandler)}
	ran := false
	if err := plain.leading("sweep", func(context.Context) error { ran = true; return nil })(context.Background()); err != nil || !ran {
		t.Errorf("on bbolt: ran %v, err %v", ran, err)
	}
}
