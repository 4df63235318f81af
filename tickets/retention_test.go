package tickets_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"testing"
	"time"

	"github.com/triagebot/triagebot/tickets"
)

// TestSweep runs a sweep with an injected clock over more conversations
// than one batch holds, and checks each retention does its part only.
func TestSweep(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	now := time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)
	const stale = tickets.SweepBatch*2 + 7 // three transactions
	err := s.Update(ctx, func(tx tickets.Tx) error {
		for i := range stale + 3 {
			at := now.Add(-8 * 24 * time.Hour)
			if i >= stale {
				at = now.Add(-time.Hour) // the last three are recent
			}
			c := tickets.Conversation{ID: fmt.Sprintf("c%03d", i), Channel: tickets.Web, CreatedAt: at, UpdatedAt: at}
			if err := tx.PutConversation(&c); err != nil {
				return err
			}
		}
		tk := tickets.Ticket{Intent: "x", Priority: tickets.Low, Queue: "q",
			Transcript: []tickets.Entry{{From: tickets.FromUser, Text: "hi", At: now}}}
		if err := tx.CreateTicket(&tk); err != nil {
			return err
		}
		_, err := tickets.Resolve(tx, tk.ID, "amy", "ok", now.Add(-30*24*time.Hour))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	r := tickets.Retention{Conversations: 7 * 24 * time.Hour, Seen: time.Hour} // resolved: off
	got, err := r.Sweep(ctx, s, now)
	if err != nil {
		t.Fatal(err)
	}
	if got != (tickets.Swept{Conversations: stale}) {
		t.Errorf("swept %+v, want %d conversations only", got, stale)
	}
	err = s.View(ctx, func(tx tickets.Tx) error {
		for i := range stale + 3 {
			_, err := tx.Conversation(fmt.Sprintf("c%03d", i))
			if kept := err == nil; kept != (i >= stale) {
				t.Errorf("c%03d kept = %v", i, kept)
			}
		}
		tk, err := tx.Ticket("T-000001")
		if err != nil || len(tk.Transcript) != 1 {
			t.Errorf("resolved retention is off, yet the transcript is %v (%v)", tk.Transcript, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r.Resolved = 7 * 24 * time.Hour
	if got, err := r.Sweep(ctx, s, now); err != nil || got != (tickets.Swept{Resolved: 1}) {
		t.Errorf("second sweep: %+v, %v; want the resolved ticket only", got, err)
	}
}

// TestRunStopsWithItsContext: the sweeper serve owns sweeps at once, then
// returns when its context ends.
func TestRunStopsWithItsContext(t *testing.T) {
	s := openStore(t)
	now := time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)
	err := s.Update(context.Background(), func(tx tickets.Tx) error {
		c := tickets.Conversation{ID: "old", Channel: tickets.Web, CreatedAt: now.AddDate(0, 0, -30), UpdatedAt: now.AddDate(0, 0, -30)}
		return tx.PutConversation(&c)
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	r := tickets.Retention{Conversations: 24 * time.Hour}
	go func() {
		done <- r.Run(ctx, s, func() time.Time { return now }, time.Hour, slog.New(slog.DiscardHandler))
	}()
	for gone := false; !gone; runtime.Gosched() {
		_ = s.View(context.Background(), func(tx tickets.Tx) error {
			_, err := tx.Conversation("old")
			gone = errors.Is(err, tickets.ErrNotFound)
			return nil
		})
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run returned %v, want context.Canceled", err)
	}
}
