package boltstore_test

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
)

// TestMigrateSchema1ResumeKeys: in a schema-1 file a web conversation's id
// was its resume key and agents saw it as user.id. Opening the file gives
// the conversation a new public id everywhere (outbox, pending index,
// tickets and their by-user index, attachments), and the old id still
// resumes it, through its hash only. Other channels are left alone.
func TestMigrateSchema1ResumeKeys(t *testing.T) {
	const oldID = "c-LEGACYSESSIONKEY0000000000"
	s, path := openTest(t, boltstore.Options{})
	var tk tickets.Ticket
	update(t, s, func(tx tickets.Tx) error {
		for _, c := range []tickets.Conversation{
			{ID: oldID, Channel: tickets.Web},
			{ID: "tg-42", Channel: tickets.Telegram, User: tickets.User{ID: "42"}},
		} {
			if err := tx.PutConversation(&c); err != nil {
				return err
			}
		}
		for _, text := range []string{"hello", "your ticket"} {
			if err := tx.Enqueue(&tickets.OutMessage{ConversationID: oldID, Kind: tickets.KindMessage, Text: text}); err != nil {
				return err
			}
		}
		if err := tx.PutAttachment(&tickets.Attachment{Filename: "a.png", ContentType: "image/png"}, oldID, []byte("png")); err != nil {
			return err
		}
		tk = newTicket("q", tickets.High)
		tk.User, tk.ConversationID = tickets.User{ID: oldID}, oldID
		return tx.CreateTicket(&tk)
	})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	makeSchema1(t, path)

	s2, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		t.Fatalf("opening a schema-1 file: %v", err)
	}
	t.Cleanup(func() { _ = s2.Close() })
	var newID string
	view(t, s2, func(tx tickets.Tx) error {
		conv, err := tx.ConversationByResumeHash(tickets.HashToken(oldID))
		if err != nil {
			t.Fatalf("the old session id no longer resumes: %v", err)
		}
		newID = conv.ID
		if newID == oldID || newID == "" {
			t.Fatalf("the conversation kept the id %q that agents saw", newID)
		}
		if _, err := tx.Conversation(oldID); !errors.Is(err, tickets.ErrNotFound) {
			t.Errorf("the conversation is still stored under its old id: %v", err)
		}
		out, err := tx.Outbox(newID)
		if err != nil || len(out) != 2 || out[0].Text != "hello" || out[1].ID != newID+"-2" {
			t.Errorf("outbox after migration = %+v, %v", out, err)
		}
		pending, _ := tx.PendingConversations(tickets.Web)
		if !slices.Equal(pending, []string{newID}) {
			t.Errorf("pending = %v, want [%s]", pending, newID)
		}
		got, err := tx.Ticket(tk.ID)
		if err != nil || got.ConversationID != newID || got.User.ID != newID {
			t.Errorf("ticket after migration: conversation %q user %q (%v), want %s", got.ConversationID, got.User.ID, err, newID)
		}
		if byUser, _ := tx.TicketsOfUser(tickets.Web, newID); len(byUser) != 1 {
			t.Errorf("tickets of the new id: %d, want 1", len(byUser))
		}
		if byOld, _ := tx.TicketsOfUser(tickets.Web, oldID); len(byOld) != 0 {
			t.Errorf("tickets still indexed under the old id: %d", len(byOld))
		}
		if tg, err := tx.Conversation("tg-42"); err != nil || len(tg.ResumeHash) != 0 {
			t.Errorf("telegram conversation = %+v, %v; want it untouched", tg, err)
		}
		return nil
	})
	if err := s2.Close(); err != nil {
		t.Fatal(err)
	}
	// The attachment's owner moved with the conversation.
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	err = db.View(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("attachments")).ForEach(func(k, v []byte) error {
			var rec struct{ Owner string }
			if err := json.Unmarshal(v, &rec); err != nil {
				return err
			}
			if rec.Owner != newID {
				t.Errorf("attachment %s owned by %q, want %s", k, rec.Owner, newID)
			}
			return nil
		})
	})
	if cerr := db.Close(); err != nil || cerr != nil {
		t.Fatal(err, cerr)
	}
	// Opening again changes nothing more.
	s3, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s3.Close()
	view(t, s3, func(tx tickets.Tx) error {
		conv, err := tx.ConversationByResumeHash(tickets.HashToken(oldID))
		if err != nil || conv.ID != newID {
			t.Errorf("after a second open: %q, %v; want %s", conv.ID, err, newID)
		}
		return nil
	})
}

// makeSchema1 turns a closed file into what schema 1 wrote: version 1 and
// no resume index.
func makeSchema1(t *testing.T, path string) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket([]byte("conv_resume")); err != nil {
			return err
		}
		return tx.Bucket([]byte("meta")).Put([]byte("schema_version"), []byte{0, 0, 0, 0, 0, 0, 0, 1})
	})
	if err != nil {
		t.Fatal(err)
	}
}
