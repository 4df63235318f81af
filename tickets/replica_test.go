package tickets_test

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/triagebot/triagebot/internal/replicatest"
	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
)

// TestWhileLeadingEnds: a duty that fails while its lease holds ends
// WhileLeading with its error, and the lease is released; one that ends
// with ctx ends it with nil.
func TestWhileLeadingEnds(t *testing.T) {
	s, err := boltstore.Open(filepath.Join(t.TempDir(), "l.db"), boltstore.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	shared := replicatest.New(s)
	log := slog.New(slog.DiscardHandler)
	broken := errors.New("sweep failed")
	for _, c := range []struct {
		name string
		duty func(ctx context.Context, cancel context.CancelFunc) error
		want error
	}{
		{"duty fails", func(context.Context, context.CancelFunc) error { return broken }, broken},
		{"ctx ends", func(ctx context.Context, cancel context.CancelFunc) error { cancel(); <-ctx.Done(); return ctx.Err() }, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			err := tickets.WhileLeading(ctx, shared, "x", log, func(term context.Context) error {
				if !shared.Held("x") {
					t.Error("the duty runs without the lease")
				}
				return c.duty(term, cancel)
			})
			if !errors.Is(err, c.want) || (c.want == nil && err != nil) {
				t.Errorf("WhileLeading = %v, want %v", err, c.want)
			}
			if shared.Held("x") {
				t.Error("the lease is still held")
			}
		})
	}
}
