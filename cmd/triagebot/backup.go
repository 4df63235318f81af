package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/triagebot/triagebot/tickets"
)

func init() {
	commands["backup"] = command{"write a consistent copy of the database: backup FILE", runBackup}
}

// runBackup copies the database to FILE. When no server holds the file it
// reads it directly; when a server does (bbolt allows one process), it asks
// that server's operator API for a hot copy, with an admin agent's token.
func runBackup(ctx context.Context, args []string, sio stdio) error {
	var c Config
	fs := newFlags("backup", "[-db FILE] [-addr HOST:PORT] [-token-file FILE] OUTFILE")
	dbFlags(fs, &c, sio.getenv)
	addr := fs.String("addr", env(sio.getenv, "TRIAGEBOT_ADDR", defaultAddr), "address of the running server, used when it holds the database: HOST:PORT, or https://HOST:PORT when it serves TLS (env TRIAGEBOT_ADDR)")
	// The token is a secret: the environment or a file keep it out of the
	// process list and the shell history; -token stays for old scripts.
	tokenFile := fs.String("token-file", env(sio.getenv, "TRIAGEBOT_TOKEN_FILE", ""), "file holding an admin agent's token, used when the server holds the database (env TRIAGEBOT_TOKEN_FILE)")
	token := fs.String("token", "", "an admin agent's token; prefer env TRIAGEBOT_TOKEN or -token-file, which other users of the machine cannot see")
	if err := parseFlags(fs, args, sio); err != nil {
		return err
	}
	switch {
	case fs.NArg() == 0:
		return badUsage(fs, sio, "OUTFILE is missing")
	case fs.NArg() > 1:
		return badUsage(fs, sio, "unexpected argument %q after OUTFILE", fs.Arg(1))
	case *token != "" && *tokenFile != "":
		return badUsage(fs, sio, "-token and -token-file both given; use one")
	case *tokenFile != "":
		t, err := readTokenFile(*tokenFile)
		if err != nil {
			return fmt.Errorf("backup: -token-file: %w", err)
		}
		*token = t
	case *token == "":
		*token = sio.getenv("TRIAGEBOT_TOKEN")
	}
	out := fs.Arg(0)
	if abs, _ := filepath.Abs(out); abs != "" && !isPostgres(c.DB) {
		if db, _ := filepath.Abs(c.DB); db == abs {
			return errors.New("backup: the output file is the database itself")
		}
	}

	write := func(copyTo func(w io.Writer) error) error {
		// Write beside the target and rename, so a failed backup never
		// leaves a truncated file under the final name.
		tmp, err := os.CreateTemp(filepath.Dir(out), ".triagebot-backup-*")
		if err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		defer os.Remove(tmp.Name())
		if err := copyTo(tmp); err != nil {
			tmp.Close()
			return fmt.Errorf("backup: %w", err)
		}
		if err := tmp.Sync(); err != nil {
			tmp.Close()
			return fmt.Errorf("backup: %w", err)
		}
		if err := tmp.Close(); err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		return os.Rename(tmp.Name(), out)
	}

	store, err := openStore(ctx, c.DB, 500*time.Millisecond, nil)
	switch {
	case err == nil:
		defer store.Close()
		err = write(func(w io.Writer) error { _, err := store.Backup(ctx, w); return err })
		if errors.Is(err, errors.ErrUnsupported) {
			// A shared database is copied by its own tools, consistently,
			// while every replica runs.
			return errors.New(`backup: -db names a PostgreSQL database, which triagebot does not copy: back it up with pg_dump (e.g. pg_dump -Fc -f triagebot.dump "$TRIAGEBOT_DB") or the database's own backups`)
		}
	case errors.Is(err, tickets.ErrDatabaseUse):
		if *token == "" {
			return errors.New("backup: a server holds the database; give an admin agent's token in env TRIAGEBOT_TOKEN or -token-file to copy it through the server")
		}
		err = write(func(w io.Writer) error { return fetchBackup(ctx, *addr, *token, w) })
	default:
		return fmt.Errorf("backup: %w", err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(sio.err, "backup written to %s\n", out)
	return nil
}

// fetchBackup streams GET /api/admin/backup from a running server into w.
func fetchBackup(ctx context.Context, addr, token string, w io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	base := addr
	if !strings.Contains(addr, "://") {
		base = "http://" + addr
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(base, "/")+"/api/admin/backup", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("asking the server at %s: %w", addr, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("server at %s answered %s: %s", addr, resp.Status, msg)
	}
	_, err = io.Copy(w, resp.Body)
	return err
}
