package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
)

func init() {
	commands["check"] = command{"verify the database file page by page (exit 0 healthy, 1 with the problems listed)", runCheck}
}

// runCheck reads the whole file and runs bbolt's consistency check. Like
// agents add, it needs the file to itself: check a backup copy of a
// running server's file, or stop the server first.
func runCheck(ctx context.Context, args []string, sio stdio) error {
	var c Config
	fs := newFlags("check", "[-db FILE]")
	dbFlags(fs, &c, sio.getenv)
	if err := parseFlags(fs, args, sio); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return badUsage(fs, sio, "unexpected argument %q (name the file with -db)", fs.Arg(0))
	}
	if isPostgres(c.DB) {
		// PostgreSQL checks its own pages (data checksums, pg_amcheck).
		return badUsage(fs, sio, "-db names a PostgreSQL database; check verifies bbolt files only (for PostgreSQL use its own tools, e.g. pg_amcheck)")
	}
	store, err := openBolt(c.DB, 500*time.Millisecond)
	if errors.Is(err, tickets.ErrDatabaseUse) {
		return fmt.Errorf("check: %s is held by a running server; stop it, or check a copy made with 'triagebot backup'", c.DB)
	}
	if err != nil {
		return fmt.Errorf("check: %w", err)
	}
	defer store.Close()
	problems, err := store.Check(ctx)
	if err != nil {
		return fmt.Errorf("check: %w", err)
	}
	if len(problems) == 0 {
		fmt.Fprintf(sio.out, "%s: ok\n", c.DB)
		return nil
	}
	for _, p := range problems {
		fmt.Fprintf(sio.out, "%s: %v\n", c.DB, p)
	}
	return fmt.Errorf("check: %s has %d problem(s) (listed above; at most %d are shown); restore it from a copy made with 'triagebot backup'",
		c.DB, len(problems), boltstore.MaxProblems)
}
