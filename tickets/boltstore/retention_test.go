package boltstore_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
)

// TestTranscriptWindow: a ticket record keeps the newest entries; older
// ones move to the archive, and Transcript returns them all in order.
func TestTranscriptWindow(t *testing.T) {
	s, _ := openTest(t, boltstore.Options{NoSync: true})
	tk := mustCreate(t, s, newTicket("payments", tickets.Normal))
	at := time.Date(2025, 11, 2, 7, 0, 0, 0, time.UTC)
	const n = 450
	for i := range n {
		update(t, s, func(tx tickets.Tx) error {
			_, err := tickets.AppendEntry(tx, tk.ID, tickets.Entry{From: tickets.FromUser, Text: fmt.Sprint(i), At: at})
			return err
		})
	}
	view(t, s, func(tx tickets.Tx) error {
		got, err := tx.Ticket(tk.ID)
		if err != nil {
			return err
		}
		if len(got.Transcript) != tickets.TranscriptWindow || got.TranscriptFrom != n-tickets.TranscriptWindow {
			t.Errorf("record holds %d entries from %d, want %d from %d",
				len(got.Transcript), got.TranscriptFrom, tickets.TranscriptWindow, n-tickets.TranscriptWindow)
		}
		if got.Transcript[0].Text != fmt.Sprint(n-tickets.TranscriptWindow) {
			t.Errorf("first kept entry %q", got.Transcript[0].Text)
		}
		all, err := tx.Transcript(tk.ID)
		if err != nil {
			return err
		}
		if len(all) != n {
			t.Fatalf("whole transcript has %d entries, want %d", len(all), n)
		}
		for i, e := range all {
			if e.Text != fmt.Sprint(i) {
				t.Fatalf("entry %d is %q", i, e.Text)
			}
		}
		return nil
	})
	// A ticket whose transcript does not start where the stored one does
	// (read whole, then put back) is refused: it would duplicate entries.
	err := s.Update(t.Context(), func(tx tickets.Tx) error {
		got, err := tx.Ticket(tk.ID)
		if err != nil {
			return err
		}
		if got.Transcript, err = tx.Transcript(tk.ID); err != nil {
			return err
		}
		got.TranscriptFrom = 0
		return tx.PutTicket(&got)
	})
	if !errors.Is(err, tickets.ErrInvalid) {
		t.Errorf("putting a whole transcript back: err = %v, want ErrInvalid", err)
	}
}

// seedConversation stores a conversation last active at at, with an
// outbox message and an attachment.
func seedConversation(t *testing.T, s tickets.Store, id string, at time.Time) tickets.Attachment {
	t.Helper()
	var a tickets.Attachment
	update(t, s, func(tx tickets.Tx) error {
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

// TestExpireConversations: only conversations that never led to a ticket
// and are idle past the cut-off go, oldest first, with everything theirs.
func TestExpireConversations(t *testing.T) {
	s, _ := openTest(t, boltstore.Options{NoSync: true})
	now := time.Date(2025, 11, 20, 0, 0, 0, 0, time.UTC)
	cut := now.Add(-7 * 24 * time.Hour)
	oldest := seedConversation(t, s, "oldest", cut.Add(-3*time.Hour))
	seedConversation(t, s, "old", cut.Add(-time.Hour))
	seedConversation(t, s, "recent", cut.Add(time.Hour))
	seedConversation(t, s, "escalated", cut.Add(-5*time.Hour))
	seedConversation(t, s, "touched", cut.Add(-4*time.Hour))
	update(t, s, func(tx tickets.Tx) error {
		tk := newTicket("payments", tickets.Normal)
		tk.ConversationID = "escalated"
		return tx.CreateTicket(&tk)
	})
	update(t, s, func(tx tickets.Tx) error { // activity moves it out of reach
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
		update(t, s, func(tx tickets.Tx) error {
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
	view(t, s, func(tx tickets.Tx) error {
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
	view(t, s, func(tx tickets.Tx) error {
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
	view(t, s, func(tx tickets.Tx) error {
		msgs, err := tx.Outbox("old")
		if err != nil || len(msgs) != 1 || msgs[0].Seq != 1 {
			t.Errorf("outbox after reuse = %+v, %v", msgs, err)
		}
		return nil
	})
}

// TestPurgeResolved drops a resolved ticket's files and transcript after
// the retention, and nothing of tickets resolved later or still open.
func TestPurgeResolved(t *testing.T) {
	clock := newClock()
	s, _ := openTest(t, boltstore.Options{NoSync: true, Now: clock.Now})
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
			update(t, s, func(tx tickets.Tx) error {
				_, err := tickets.Resolve(tx, tk.ID, "amy", "done", clock.Now())
				return err
			})
		}
		return tk
	}
	done, open := mk(true), mk(false)
	clock.Advance(10 * 24 * time.Hour)
	later := mk(true)

	purge := func(before time.Time) int {
		var n int
		update(t, s, func(tx tickets.Tx) error {
			var err error
			n, err = tx.PurgeResolved(before, 10)
			return err
		})
		return n
	}
	if n := purge(clock.Now().Add(-9 * 24 * time.Hour)); n != 1 {
		t.Fatalf("purged %d, want 1", n)
	}
	if n := purge(clock.Now().Add(-9 * 24 * time.Hour)); n != 0 {
		t.Errorf("purging again took %d, want 0", n)
	}
	view(t, s, func(tx tickets.Tx) error {
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
		for _, id := range []string{open.ID, later.ID} {
			if all, err := tx.Transcript(id); err != nil || len(all) != tickets.TranscriptWindow+5 {
				t.Errorf("%s: %d entries, %v; want it untouched", id, len(all), err)
			}
		}
		return nil
	})
}

// TestPruneSeen forgets dedup keys older than the cut-off only.
func TestPruneSeen(t *testing.T) {
	clock := newClock()
	s, _ := openTest(t, boltstore.Options{NoSync: true, Now: clock.Now})
	seen := func(key string) bool {
		var ok bool
		update(t, s, func(tx tickets.Tx) error {
			var err error
			ok, err = tx.Seen(key)
			return err
		})
		return ok
	}
	seen("tg:1")
	seen("tg:2")
	clock.Advance(48 * time.Hour)
	seen("tg:3")
	var n int
	update(t, s, func(tx tickets.Tx) error {
		var err error
		n, err = tx.PruneSeen(clock.Now().Add(-24*time.Hour), 100)
		return err
	})
	if n != 2 {
		t.Errorf("pruned %d, want 2", n)
	}
	if seen("tg:1") || seen("tg:2") {
		t.Error("a pruned key is still seen")
	}
	if !seen("tg:3") {
		t.Error("a recent key was pruned")
	}
}

// TestRetentionIndexesBuiltForOldFiles: a file written before the indexes
// existed gets them at Open, so its old conversations and keys expire too.
func TestRetentionIndexesBuiltForOldFiles(t *testing.T) {
	clock := newClock()
	path := filepath.Join(t.TempDir(), "old.db")
	s, err := boltstore.Open(path, boltstore.Options{NoSync: true, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	seedConversation(t, s, "bare", clock.Now())
	seedConversation(t, s, "escalated", clock.Now())
	update(t, s, func(tx tickets.Tx) error {
		tk := newTicket("q", tickets.Low)
		tk.ConversationID = "escalated"
		_, err := tx.Seen("tg:9")
		if err != nil {
			return err
		}
		return tx.CreateTicket(&tk)
	})
	s.Close()
	// Make it look like a file from before: no indexes, no marker, and no
	// had_ticket flags on conversations.
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range []string{"ix_conv_idle", "ix_attach_owner", "ix_seen_at", "ix_resolved"} {
			if err := tx.DeleteBucket([]byte(b)); err != nil {
				return err
			}
		}
		c := tx.Bucket([]byte("conversations"))
		v := c.Get([]byte("escalated"))
		v = []byte(string(v[:len(v)-1]) + `,"had_ticket":false}`)
		if err := c.Put([]byte("escalated"), v); err != nil {
			return err
		}
		return tx.Bucket([]byte("meta")).Delete([]byte("retention_indexes"))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	s, err = boltstore.Open(path, boltstore.Options{NoSync: true, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	clock.Advance(30 * 24 * time.Hour)
	update(t, s, func(tx tickets.Tx) error {
		if n, err := tx.ExpireConversations(clock.Now(), 10); err != nil || n != 1 {
			t.Errorf("expired %d (%v), want only the bare conversation", n, err)
		}
		if n, err := tx.PruneSeen(clock.Now(), 10); err != nil || n != 1 {
			t.Errorf("pruned %d (%v), want 1", n, err)
		}
		return nil
	})
	view(t, s, func(tx tickets.Tx) error {
		if _, err := tx.Conversation("escalated"); err != nil {
			t.Errorf("the conversation with a ticket was expired: %v", err)
		}
		return nil
	})
}
