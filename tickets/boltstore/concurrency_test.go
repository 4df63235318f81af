package boltstore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
)

// TestClaimRace: many agents claim one ticket at once (their Updates share
// group commits, and each loser's conflict takes it out of its group to run
// again alone); exactly one wins.
func TestClaimRace(t *testing.T) {
	for round := range 5 {
		s, _ := openTest(t, boltstore.Options{})
		tk := mustCreate(t, s, newTicket("q", tickets.Urgent))
		const n = 40
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			winners []string
			errs    []error
		)
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				agent := fmt.Sprint("agent", i)
				<-start
				err := s.Update(t.Context(), func(tx tickets.Tx) error {
					_, err := tickets.Claim(tx, tk.ID, agent, time.Now())
					return err
				})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					winners = append(winners, agent)
				case errors.Is(err, tickets.ErrConflict):
				default:
					errs = append(errs, err)
				}
			})
		}
		close(start)
		wg.Wait()
		if len(errs) > 0 || len(winners) != 1 {
			t.Fatalf("round %d: winners %v, unexpected errors %v", round, winners, errs)
		}
		view(t, s, func(tx tickets.Tx) error {
			got, err := tx.Ticket(tk.ID)
			if err != nil || got.Status != tickets.Claimed || got.Assignee != winners[0] {
				t.Errorf("stored %s/%s, winner %s, %v", got.Status, got.Assignee, winners[0], err)
			}
			return nil
		})
	}
}

// TestConcurrentCreates: parallel creates get unique ids with no gaps, and
// every one is in the indexes.
func TestConcurrentCreates(t *testing.T) {
	s, _ := openTest(t, boltstore.Options{})
	const workers, each = 16, 25
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		got []string
	)
	for range workers {
		wg.Go(func() {
			for range each {
				tk := newTicket("q", tickets.Normal)
				if err := s.Update(t.Context(), func(tx tickets.Tx) error { return tx.CreateTicket(&tk) }); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				got = append(got, tk.ID)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	slices.Sort(got)
	want := make([]string, workers*each)
	for i := range want {
		want[i] = fmt.Sprintf("T-%06d", i+1)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("ids not unique and sequential: %d ids, first %v", len(got), head(got))
	}
	view(t, s, func(tx tickets.Tx) error {
		counts, err := tx.CountTickets()
		if err != nil || counts[tickets.TicketKey{Status: tickets.Open, Queue: "q", Priority: tickets.Normal}] != workers*each {
			t.Errorf("counts = %v, %v", counts, err)
		}
		return nil
	})
}

// TestUpdateCancelledWhileWaiting: a turn whose context ends before its group
// commit runs is not applied, and does not disturb the others in the group.
func TestUpdateCancelledWhileWaiting(t *testing.T) {
	s, _ := openTest(t, boltstore.Options{})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range 3 {
		wg.Go(func() {
			c := t.Context()
			if i == 1 {
				c = ctx
			}
			errs[i] = s.Update(c, func(tx tickets.Tx) error {
				if i == 1 {
					cancel() // the caller gives up while its turn is running
				}
				tk := newTicket(fmt.Sprint("q", i), tickets.Low)
				if err := tx.CreateTicket(&tk); err != nil {
					return err
				}
				if i == 1 {
					return ctx.Err()
				}
				return nil
			})
		})
	}
	wg.Wait()
	if errs[0] != nil || errs[2] != nil || !errors.Is(errs[1], context.Canceled) {
		t.Fatalf("errs = %v", errs)
	}
	view(t, s, func(tx tickets.Tx) error {
		for i, want := range []int{1, 0, 1} {
			got, err := tx.Tickets(tickets.Filter{Queue: fmt.Sprint("q", i)})
			if err != nil || len(got) != want {
				t.Errorf("queue q%d: %d tickets, want %d (%v)", i, len(got), want, err)
			}
		}
		return nil
	})
}
