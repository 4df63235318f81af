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
	store, err := openStore(c.DB, boltstore.Options{Timeout: 500 * time.Millisecond})
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

// openStore opens the bbolt file for a subcommand. A damaged file is
// refused with one sentence that names it and says what to do, instead of
// bbolt's crash.
func openStore(path string, opts boltstore.Options) (*boltstore.Store, error) {
	s, err := boltstore.Open(path, opts)
	if errors.Is(err, tickets.ErrDamaged) {
		return nil, fmt.Errorf("the database file %s is damaged and was not opened; stop triagebot, restore the file from a copy made with 'triagebot backup' and verify it with 'triagebot check -db FILE' (%w)", path, err)
	}
	return s, err
}
