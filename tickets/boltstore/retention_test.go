package boltstore_test

import (
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
	"github.com/triagebot/triagebot/tickets/storetest"
)

// TestRetentionIndexesBuiltForOldFiles: a file written before the indexes
// existed gets them at Open, so its old conversations and keys expire too.
func TestRetentionIndexesBuiltForOldFiles(t *testing.T) {
	clock := storetest.NewClock()
	path := filepath.Join(t.TempDir(), "old.db")
	s, err := boltstore.Open(path, boltstore.Options{NoSync: true, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	update(t, s, func(tx tickets.Tx) error {
		// Two conversations with a file each (the owner index is rebuilt too).
		for _, id := range []string{"bare", "escalated"} {
			c := tickets.Conversation{ID: id, Channel: tickets.Web, ResumeHash: tickets.HashToken("key-" + id)}
			if err := tx.PutConversation(&c); err != nil {
				return err
			}
			if err := tx.PutAttachment(&tickets.Attachment{Filename: "a.png", ContentType: "image/png"}, id, []byte("png")); err != nil {
				return err
			}
		}
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
