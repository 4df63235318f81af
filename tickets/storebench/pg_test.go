package storebench_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/pgstore"
	"github.com/triagebot/triagebot/tickets/pgstore/pgtest"
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
	u := pgtest.URL(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		b.Fatalf("connecting to the benchmark's database: %v", err)
	}
	defer conn.Close(ctx)
	var fsync, syncCommit string
	if err := conn.QueryRow(ctx, "SELECT current_setting('fsync'), current_setting('synchronous_commit')").Scan(&fsync, &syncCommit); err != nil {
		b.Fatalf("reading the server's settings: %v", err)
	}
	b.Logf("PostgreSQL fsync=%s synchronous_commit=%s", fsync, syncCommit)
	return u
}
