package pgstore

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/triagebot/triagebot/tickets"
)

// Schema migrations are the files migrations/NNNN_name.sql, applied in
// order, each in its own transaction with its row in schema_migrations.
// They only go forward: a database migrated by a newer binary is refused,
// never "migrated down". Released files are never edited; a change is a
// new file.

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationLock is the advisory lock key under which migrations run, so
// that replicas starting together apply each migration once.
const migrationLock int64 = 0x7472696167650001 // "triage" and 1

type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations reads and checks migrations/*.sql of fsys: versions must
// run 1, 2, 3... without gaps or repeats.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []migration
	for i, n := range names {
		base := path.Base(n)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v != i+1 {
			return nil, fmt.Errorf("migration file %s: want a name starting %04d_", base, i+1)
		}
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: strings.TrimSuffix(base, ".sql"), sql: string(b)})
	}
	return out, nil
}

// SchemaVersion is the newest schema version this binary knows.
func SchemaVersion() int {
	ms, err := loadMigrations(migrationFiles)
	if err != nil {
		return 0
	}
	return len(ms)
}

// migrate brings the database up to date on a connection of its own,
// holding a session advisory lock, which the server releases if this
// process dies half-way.
func migrate(ctx context.Context, cfg *pgx.ConnConfig, fsys fs.FS) error {
	ms, err := loadMigrations(fsys)
	if err != nil {
		return fmt.Errorf("pgstore: %w", err)
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("pgstore: connect: %w", err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = conn.Close(cctx) // closing the session releases the lock
		cancel()
	}()
	// A migration may build an index over a large table: no statement
	// timeout here (the wait for the lock is bounded by ctx).
	if _, err := conn.Exec(ctx, `SET statement_timeout = 0`); err != nil {
		return fmt.Errorf("pgstore: migrations: %w", err)
	}
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
		return fmt.Errorf("pgstore: wait for the migration lock: %w", err)
	}
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("pgstore: schema_migrations: %w", err)
	}
	var current int
	if err := conn.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("pgstore: read schema version: %w", err)
	}
	if current > len(ms) {
		return fmt.Errorf("pgstore: database schema is version %d, this binary knows up to %d: upgrade triagebot: %w",
			current, len(ms), tickets.ErrSchema)
	}
	for _, m := range ms[current:] {
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.version, m.name)
			return err
		})
		if err != nil && strings.Contains(err.Error(), "pg_trgm") {
			return fmt.Errorf("pgstore: apply migration %s: %w (search needs the pg_trgm extension: install PostgreSQL's contrib modules, part of Debian's postgresql package, and let the database owner create it)", m.name, err)
		}
		if err != nil {
			return fmt.Errorf("pgstore: apply migration %s: %w", m.name, err)
		}
	}
	return backfillText(ctx, conn)
}
