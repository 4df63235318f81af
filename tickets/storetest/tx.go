package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/triagebot/triagebot/tickets"
)

// An Update whose function fails leaves nothing of what it wrote: no
// half-written ticket, conversation, outbox message, notice, agent, file,
// Seen key, meta value, outcome or event, and wakes nobody.
func testRolledBackUpdateChangesNothing(t *testing.T, open Opener) {
	s, clock := fresh(t, open)
	ctx := t.Context()
	ch := s.Changed()
	boom := errors.New("boom")
	err := s.Update(ctx, func(tx tickets.Tx) error {
		if err := tx.PutConversation(&tickets.Conversation{ID: "c1", Channel: tickets.Web, ResumeHash: tickets.HashToken("k")}); err != nil {
			return err
		}
		tk := newTicket("q", tickets.Low)
		tk.ConversationID = "c1"
		if err := tx.CreateTicket(&tk); err != nil {
			return err
		}
		if _, err := tickets.AppendEntry(tx, tk.ID, tickets.Entry{From: tickets.FromUser, Text: "hi", At: clock.Now()}); err != nil {
			return err
		}
		if err := tx.Enqueue(&tickets.OutMessage{ConversationID: "c1", Kind: tickets.KindMessage, Text: "hi"}); err != nil {
			return err
		}
		if err := tx.PutAttachment(&tickets.Attachment{ID: "f1", Filename: "a.png", ContentType: "image/png"}, tk.ID, []byte("png")); err != nil {
			return err
		}
		if err := tx.AddNotice(&tickets.Notice{Kind: tickets.NoticeNewTicket, TicketID: tk.ID}); err != nil {
			return err
		}
		if err := tx.CreateAgent(&tickets.Agent{Name: "amy", TokenHash: tickets.HashToken("t")}); err != nil {
			return err
		}
		if _, err := tx.Seen("tg:1"); err != nil {
			return err
		}
		if err := tx.SetMeta("k", []byte("v")); err != nil {
			return err
		}
		if err := tx.CountOutcome(clock.Now(), tickets.OutcomeProblem); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the function's own", err)
	}
	if err := s.Health(); err != nil {
		t.Errorf("Health after a transaction its function refused: %v", err)
	}
	select {
	case <-ch:
		t.Error("a rolled-back transaction woke a waiter")
	default:
	}
	View(t, s, func(tx tickets.Tx) error {
		if all, err := tx.Tickets(tickets.Filter{}); err != nil || len(all) != 0 {
			t.Errorf("tickets: %v, %v", ids(all), err)
		}
		if _, err := tx.Ticket("T-000001"); !errors.Is(err, tickets.ErrNotFound) {
			t.Errorf("ticket: %v", err)
		}
		if counts, err := tx.CountTickets(); err != nil || len(counts) != 0 {
			t.Errorf("counts: %v, %v", counts, err)
		}
		if _, err := tx.Conversation("c1"); !errors.Is(err, tickets.ErrNotFound) {
			t.Errorf("conversation: %v", err)
		}
		if _, err := tx.ConversationByResumeHash(tickets.HashToken("k")); !errors.Is(err, tickets.ErrNotFound) {
			t.Errorf("resume hash: %v", err)
		}
		if p, err := tx.PendingConversations(tickets.Web); err != nil || len(p) != 0 {
			t.Errorf("pending: %v, %v", p, err)
		}
		if _, _, err := tx.AttachmentData("f1"); !errors.Is(err, tickets.ErrNotFound) {
			t.Errorf("attachment: %v", err)
		}
		if as, err := tx.Agents(); err != nil || len(as) != 0 {
			t.Errorf("agents: %v, %v", as, err)
		}
		if _, err := tx.Meta("k"); !errors.Is(err, tickets.ErrNotFound) {
			t.Errorf("meta: %v", err)
		}
		if o, err := tx.Outcomes(clock.Now().Add(-time.Hour), clock.Now().Add(time.Hour)); err != nil || len(o) != 0 {
			t.Errorf("outcomes: %v, %v", o, err)
		}
		if evs, err := tx.Events(0, 10); err != nil || len(evs) != 0 {
			t.Errorf("events: %v, %v", kinds(evs), err)
		}
		return nil
	})
	if ns, err := s.Notices(ctx, 0); err != nil || len(ns) != 0 {
		t.Errorf("notices: %+v, %v", ns, err)
	}
	Update(t, s, func(tx tickets.Tx) error {
		if seen, err := tx.Seen("tg:1"); err != nil || seen {
			t.Errorf("Seen of a rolled-back key = %v, %v", seen, err)
		}
		return nil
	})
	// The store is usable after the rollback.
	tk := mustCreate(t, s, newTicket("q", tickets.Low))
	if !ticketID.MatchString(tk.ID) {
		t.Errorf("id after a rollback: %q", tk.ID)
	}
}

// A done context runs nothing.
func testDoneContext(t *testing.T, open Opener) {
	s, _ := fresh(t, open)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	ran := false
	err := s.Update(ctx, func(tx tickets.Tx) error { ran = true; return nil })
	if !errors.Is(err, context.Canceled) || ran {
		t.Errorf("Update on a done context: err=%v ran=%v", err, ran)
	}
	err = s.View(ctx, func(tx tickets.Tx) error { ran = true; return nil })
	if !errors.Is(err, context.Canceled) || ran {
		t.Errorf("View on a done context: err=%v ran=%v", err, ran)
	}
}

func testViewIsReadOnly(t *testing.T, open Opener) {
	s, _ := fresh(t, open)
	err := s.View(t.Context(), func(tx tickets.Tx) error {
		tk := newTicket("q", tickets.Low)
		return tx.CreateTicket(&tk)
	})
	if err == nil {
		t.Fatal("CreateTicket inside View succeeded")
	}
	View(t, s, func(tx tickets.Tx) error {
		if all, err := tx.Tickets(tickets.Filter{}); err != nil || len(all) != 0 {
			t.Errorf("tickets after a write in View: %v, %v", ids(all), err)
		}
		return nil
	})
}

// Many agents claim one ticket at once; exactly one wins, the others get
// ErrConflict.
func testClaimRace(t *testing.T, open Opener) {
	s, _ := fresh(t, open)
	for round := range 5 {
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
		View(t, s, func(tx tickets.Tx) error {
			got, err := tx.Ticket(tk.ID)
			if err != nil || got.Status != tickets.Claimed || got.Assignee != winners[0] {
				t.Errorf("stored %s/%s, winner %s, %v", got.Status, got.Assignee, winners[0], err)
			}
			return nil
		})
	}
}

// CreateConcurrently creates workers×each tickets in queue "q" from
// workers goroutines, one transaction a ticket, and returns their ids
// sorted. A store checks with it what it promises beyond the suite (e.g.
// boltstore: no gaps).
func CreateConcurrently(t *testing.T, s tickets.Store, workers, each int) []string {
	t.Helper()
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
	return got
}

// Parallel creates get distinct, well-formed ids, and every ticket is in
// the indexes. (Whether ids may have gaps is the store's own business.)
func testConcurrentCreates(t *testing.T, open Opener) {
	s, _ := fresh(t, open)
	const workers, each = 16, 25
	got := CreateConcurrently(t, s, workers, each)
	if len(slices.Compact(slices.Clone(got))) != workers*each {
		t.Fatalf("%d distinct ids of %d creates: %v", len(slices.Compact(slices.Clone(got))), workers*each, head(got))
	}
	for _, id := range got {
		if !ticketID.MatchString(id) {
			t.Fatalf("id %q", id)
		}
	}
	View(t, s, func(tx tickets.Tx) error {
		counts, err := tx.CountTickets()
		if err != nil || counts[tickets.TicketKey{Status: tickets.Open, Queue: "q", Priority: tickets.Normal}] != workers*each {
			t.Errorf("counts = %v, %v", counts, err)
		}
		var listed []string
		f := tickets.Filter{Limit: tickets.MaxLimit}
		for {
			page, err := tx.Tickets(f)
			if err != nil {
				return err
			}
			listed = append(listed, ids(page)...)
			if len(page) < f.Limit {
				break
			}
			f.After = page[len(page)-1].ID
		}
		slices.Sort(listed)
		if !slices.Equal(listed, got) {
			t.Errorf("listed %d tickets, created %d", len(listed), len(got))
		}
		return nil
	})
}

// One key recorded by many transactions at once is new to exactly one.
func testConcurrentSeen(t *testing.T, open Opener) {
	s, _ := fresh(t, open)
	const n = 16
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		news int
		errs []error
	)
	start := make(chan struct{})
	for range n {
		wg.Go(func() {
			<-start
			var seen bool
			err := s.Update(t.Context(), func(tx tickets.Tx) error {
				var err error
				seen, err = tx.Seen("tg:update:77") // the last run is the one committed
				return err
			})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				errs = append(errs, err)
			case !seen:
				news++
			}
		})
	}
	close(start)
	wg.Wait()
	if len(errs) > 0 || news != 1 {
		t.Fatalf("%d of %d saw the key as new (want 1); errors %v", news, n, errs)
	}
}
