package boltstore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
	"github.com/triagebot/triagebot/tickets/storetest"
)

// TestConcurrentCreatesLeaveNoGaps: parallel creates, which share group
// commits, still number tickets 1..n with no gap (the suite checks that
// ids are distinct and every ticket is indexed).
func TestConcurrentCreatesLeaveNoGaps(t *testing.T) {
	s, _ := openTest(t, boltstore.Options{})
	const workers, each = 16, 25
	got := storetest.CreateConcurrently(t, s, workers, each)
	want := make([]string, workers*each)
	for i := range want {
		want[i] = fmt.Sprintf("T-%06d", i+1)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("ids not unique and sequential: %d ids, first %v", len(got), got[:min(len(got), 12)])
	}
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
