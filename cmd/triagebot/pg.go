package main

import (
	"context"
	"log/slog"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/pgstore"
)

// The PostgreSQL store behind -db postgres://… (store.go).
func init() {
	openPostgres = func(ctx context.Context, url string, log *slog.Logger) (tickets.Store, error) {
		return pgstore.Open(ctx, url, pgstore.Options{Logger: log})
	}
}
