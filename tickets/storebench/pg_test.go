package storebench_test

import (
	"context"
	"crypto/rand"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/pgstore"
	"github.com/triagebot/triagebot/tickets/storetest"
)

// BenchmarkCreatesPostgres: the same creates on PostgreSQL, each run on a
// database of its own on the server TRIAGEBOT_TEST_POSTGRES names (skipped
// without it). The figure means something only with the server's
// durability on: the run logs fsync and synchronous_commit.
func BenchmarkCreatesPostgres(b *testing.B) {
	storetest.BenchCreates(b, func(b *testing.B) tickets.Store {
		u := freshDatabase(b)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		s, err := pgstore.Open(ctx, u, pgstore.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = s.Close() })
		return s
	})
}

// freshDatabase creates a database with a random name on the server of
// TRIAGEBOT_TEST_POSTGRES, drops it when b ends, logs the server's
// durability settings and returns the database's URL.
func freshDatabase(b *testing.B) string {
	b.Helper()
	base := os.Getenv("TRIAGEBOT_TEST_POSTGRES")
	if base == "" {
		b.Skip("TRIAGEBOT_TEST_POSTGRES is not set: PostgreSQL benchmarks skipped (set it to a postgres:// URL of a server where they may create databases)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		b.Fatalf("connecting to TRIAGEBOT_TEST_POSTGRES: %v", err)
	}
	defer admin.Close(ctx)
	var fsync, syncCommit string
	if err := admin.QueryRow(ctx, "SELECT current_setting('fsync'), current_setting('synchronous_commit')").Scan(&fsync, &syncCommit); err != nil {
		b.Fatalf("reading the server's settings: %v", err)
	}
	b.Logf("PostgreSQL fsync=%s synchronous_commit=%s", fsync, syncCommit)
	name := "triagebot_bench_" + strings.ToLower(rand.Text()[:12])
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		b.Fatalf("creating a database: %v", err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			b.Errorf("dropping database %s: %v", name, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			b.Errorf("dropping database %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		b.Fatalf("TRIAGEBOT_TEST_POSTGRES: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}
