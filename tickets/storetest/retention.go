package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/triagebot/triagebot/tickets"
)

// seedConversation stores a conversation last active at at, with an
// outbox message and an attachment.
func seedConversation(t *testing.T, s tickets.Store, id string, at time.Time) tickets.Attachment {
	t.Helper()
	var a tickets.Attachment
	Update(t, s, func(tx tickets.Tx) error {
		c := tickets.Conversation{ID: id, Channel: tickets.Web, ResumeHash: tickets.HashToken("key-" + id), CreatedAt: at, UpdatedAt: at}
		if err := tx.PutConversation(&c); err != nil {
			return err
		}
		if err := tx.Enqueue(&tickets.OutMessage{ConversationID: id, Kind: tickets.KindMessage, Text: "hi"}); err != nil {
			return err
		}
		a = tickets.Attachment{Filename: "a.png", ContentType: "image/png"}
		return tx.PutAttachment(&a, id, []byte("png bytes"))
	})
	return a
}

// Only conversations that never led to a ticket
// and are idle past the cut-off go, oldest first, with everything theirs.
func testExpireConversations(t *testing.T, open Opener) {
	s, _ := fresh(t, open)
	now := time.Date(2025, 11, 20, 0, 0, 0, 0, time.UTC)
	cut := now.Add(-7 * 24 * time.Hour)
	oldest := seedConversation(t, s, "oldest", cut.Add(-3*time.Hour))
	seedConversation(t, s, "old", cut.Add(-time.Hour))
	seedConversation(t, s, "recent", cut.Add(time.Hour))
	seedConversation(t, s, "escalated", cut.Add(-5*time.Hour))
	seedConversation(t, s, "touched", cut.Add(-4*time.Hour))
	Update(t, s, func(tx tickets.Tx) error {
		tk := newTicket("payments", tickets.Normal)
		tk.ConversationID = "escalated"
		return tx.CreateTicket(&tk)
	})
	Update(t, s, func(tx tickets.Tx) error { // activity moves it out of reach
		c, err := tx.Conversation("touched")
		if err != nil {
			return err
		}
		c.UpdatedAt = now
		return tx.PutConversation(&c)
	})

	for _, id := range []string{"oldest", "recent"} {
		if err := s.PutChoices(context.Background(), id, 1, []string{"yes"}); err != nil {
			t.Fatal(err)
		}
	}
	expire := func(limit int) int {
		var n int
		Update(t, s, func(tx tickets.Tx) error {
			var err error
			n, err = tx.ExpireConversations(cut, limit)
			return err
		})
		return n
	}
	if n := expire(1); n != 1 {
		t.Fatalf("first batch took %d, want 1", n)
	}
	if l, _ := s.Choices(context.Background(), "oldest", 1); l != nil {
		t.Errorf("an expired conversation's keyboard is kept: %q", l)
	}
	if l, _ := s.Choices(context.Background(), "recent", 1); l == nil {
		t.Error("a live conversation's keyboard went with another's expiry")
	}
	View(t, s, func(tx tickets.Tx) error {
		if _, err := tx.Conversation("oldest"); !errors.Is(err, tickets.ErrNotFound) {
			t.Errorf("oldest conversation: err = %v, want it gone first", err)
		}
		if _, _, err := tx.AttachmentData(oldest.ID); !errors.Is(err, tickets.ErrNotFound) {
			t.Errorf("its attachment: err = %v, want gone", err)
		}
		if _, err := tx.ConversationByResumeHash(tickets.HashToken("key-oldest")); !errors.Is(err, tickets.ErrNotFound) {
			t.Errorf("its resume key still resumes: err = %v", err)
		}
		if p, _ := tx.PendingConversations(tickets.Web); len(p) != 4 {
			t.Errorf("pending = %v, want the four others", p)
		}
		if _, err := tx.Conversation("old"); err != nil {
			t.Errorf("old conversation went in the first batch of one: %v", err)
		}
		return nil
	})
	if n := expire(10); n != 1 {
		t.Errorf("second batch took %d, want 1 (only 'old' is left to expire)", n)
	}
	if n := expire(10); n != 0 {
		t.Errorf("third batch took %d, want 0", n)
	}
	View(t, s, func(tx tickets.Tx) error {
		for id, want := range map[string]bool{"old": false, "recent": true, "escalated": true, "touched": true} {
			_, err := tx.Conversation(id)
			if got := err == nil; got != want {
				t.Errorf("%s kept = %v, want %v (%v)", id, got, want, err)
			}
		}
		if _, err := tx.Outbox("old"); !errors.Is(err, tickets.ErrNotFound) {
			t.Errorf("outbox of an expired conversation: %v", err)
		}
		return nil
	})
	// A new conversation under an expired id starts afresh (sequence too).
	seedConversation(t, s, "old", now)
	View(t, s, func(tx tickets.Tx) error {
		msgs, err := tx.Outbox("old")
		if err != nil || len(msgs) != 1 || msgs[0].Seq != 1 {
			t.Errorf("outbox after reuse = %+v, %v", msgs, err)
		}
		return nil
	})
}

// PurgeResolved drops a resolved ticket's files and transcript after
// the retention, and nothing of tickets resolved later or still open.
func testPurgeResolved(t *testing.T, open Opener) {
	s, clock := fresh(t, open)
	a := seedConversation(t, s, "c1", clock.Now())
	mk := func(resolved bool) tickets.Ticket {
		tk := newTicket("payments", tickets.Normal)
		tk.ConversationID, tk.Attachments = "c1", []tickets.Attachment{a}
		tk.Details.Amount = "12.00"
		for i := range tickets.TranscriptWindow + 5 {
			tk.Transcript = append(tk.Transcript, tickets.Entry{From: tickets.FromUser, Text: fmt.Sprint(i), At: clock.Now()})
		}
		tk = mustCreate(t, s, tk)
		if resolved {
			Update(t, s, func(tx tickets.Tx) error {
				_, err := tickets.Resolve(tx, tk.ID, "amy", "done", clock.Now())
				return err
			})
		}
		return tk
	}
	done, waiting := mk(true), mk(false)
	clock.Advance(time.Hour)
	done2, done3 := mk(true), mk(true)
	clock.Advance(10 * 24 * time.Hour)
	later := mk(true)

	purge := func(before time.Time, limit int) int {
		var n int
		Update(t, s, func(tx tickets.Tx) error {
			var err error
			n, err = tx.PurgeResolved(before, limit)
			return err
		})
		return n
	}
	cut := clock.Now().Add(-9 * 24 * time.Hour)
	for i, want := range []int{2, 1, 0} {
		if n := purge(cut, 2); n != want {
			t.Fatalf("batch %d of 2 purged %d, want %d", i, n, want)
		}
	}
	View(t, s, func(tx tickets.Tx) error {
		got, err := tx.Ticket(done.ID)
		if err != nil {
			return err
		}
		if len(got.Transcript) != 0 || len(got.Attachments) != 0 || got.TranscriptFrom != 0 {
			t.Errorf("purged ticket keeps %d entries (from %d) and %d files", len(got.Transcript), got.TranscriptFrom, len(got.Attachments))
		}
		if got.Details.Amount != "12.00" || got.Note != "done" || got.Status != tickets.Resolved {
			t.Errorf("purge lost the ticket itself: %+v", got)
		}
		if all, err := tx.Transcript(done.ID); err != nil || len(all) != 0 {
			t.Errorf("archive after purge: %d entries, %v", len(all), err)
		}
		if _, _, err := tx.AttachmentData(a.ID); !errors.Is(err, tickets.ErrNotFound) {
			t.Errorf("file after purge: %v", err)
		}
		for _, id := range []string{done2.ID, done3.ID} {
			if all, err := tx.Transcript(id); err != nil || len(all) != 0 {
				t.Errorf("%s after purge: %d entries, %v", id, len(all), err)
			}
		}
		for _, id := range []string{waiting.ID, later.ID} {
			if all, err := tx.Transcript(id); err != nil || len(all) != tickets.TranscriptWindow+5 {
				t.Errorf("%s: %d entries, %v; want it untouched", id, len(all), err)
			}
		}
		return nil
	})
}

// PruneSeen forgets dedup keys older than the cut-off only, at most
// limit a call.
func testPruneSeen(t *testing.T, open Opener) {
	s, clock := fresh(t, open)
	seen := func(key string) bool {
		var ok bool
		Update(t, s, func(tx tickets.Tx) error {
			var err error
			ok, err = tx.Seen(key)
			return err
		})
		return ok
	}
	for _, k := range []string{"tg:1", "tg:2", "tg:4"} {
		seen(k)
		clock.Advance(time.Minute)
	}
	clock.Advance(48 * time.Hour)
	seen("tg:3")
	prune := func(limit int) int {
		var n int
		Update(t, s, func(tx tickets.Tx) error {
			var err error
			n, err = tx.PruneSeen(clock.Now().Add(-24*time.Hour), limit)
			return err
		})
		return n
	}
	for i, want := range []int{2, 1, 0} {
		if n := prune(2); n != want {
			t.Errorf("batch %d of 2 pruned %d, want %d", i, n, want)
		}
	}
	for _, k := range []string{"tg:1", "tg:2", "tg:4"} {
		if seen(k) {
			t.Errorf("pruned key %s is still seen", k)
		}
	}
	if !seen("tg:3") {
		t.Error("a recent key was pruned")
	}
}

// A batch call with no room (limit 0 or less) is refused, not taken for
// "everything": sweepers and streams always say how much they take.
func testBatchLimits(t *testing.T, open Opener) {
	s, clock := fresh(t, open)
	now := clock.Now()
	calls := map[string]func(tx tickets.Tx, limit int) error{
		"Events":              func(tx tickets.Tx, n int) error { _, err := tx.Events(0, n); return err },
		"DueTickets":          func(tx tickets.Tx, n int) error { _, err := tx.DueTickets(now, n); return err },
		"ExpireConversations": func(tx tickets.Tx, n int) error { _, err := tx.ExpireConversations(now, n); return err },
		"PurgeResolved":       func(tx tickets.Tx, n int) error { _, err := tx.PurgeResolved(now, n); return err },
		"PruneSeen":           func(tx tickets.Tx, n int) error { _, err := tx.PruneSeen(now, n); return err },
	}
	for name, call := range calls {
		for _, limit := range []int{0, -1} {
			err := s.Update(t.Context(), func(tx tickets.Tx) error { return call(tx, limit) })
			if !errors.Is(err, tickets.ErrInvalid) {
				t.Errorf("%s with limit %d: %v, want ErrInvalid", name, limit, err)
			}
		}
	}
}
