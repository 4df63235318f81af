package boltstore

import (
	"bytes"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/internal/record"
)

// migrate brings a file of an older schema to SchemaVersion in the
// transaction that opens it: all of it or, on any error, none of it.
func migrate(btx *bolt.Tx, from uint64) error {
	for _, name := range allBuckets {
		if _, err := btx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("migrate: create bucket %s: %w", name, err)
		}
	}
	if from < 2 {
		if err := migrateResumeKeys(btx); err != nil {
			return fmt.Errorf("migrate schema 1 to 2: %w", err)
		}
	}
	return btx.Bucket(bucketMeta).Put(keySchema, be64(SchemaVersion))
}

// migrateResumeKeys is schema 2. Up to schema 1 a web conversation's id was
// also its resume key (?session=), and that id was shown to agents as the
// ticket's user.id and conversation_id. Each such conversation gets a new
// public id; its old id becomes its resume key, of which only the hash is
// kept, so the customer's page still resumes while nothing an agent sees
// does. Everything that named the old id follows: the outbox and its
// sequence, the pending index, tickets (conversation_id, and user.id where
// it was the old id, with the by-user index) and attachments' owners.
func migrateResumeKeys(btx *bolt.Tx) error {
	convs := btx.Bucket(bucketConversations)
	renames := map[string]string{}
	err := convs.ForEach(func(k, v []byte) error {
		var rec record.Conversation
		if err := record.Decode(v, &rec); err != nil {
			return fmt.Errorf("conversation %q: %w", k, err)
		}
		if rec.Channel == string(tickets.Web) && len(rec.ResumeHash) == 0 {
			renames[string(k)] = tickets.NewConversationID()
		}
		return nil
	})
	if err != nil {
		return err
	}
	for oldID, newID := range renames {
		if err := renameConversation(btx, oldID, newID); err != nil {
			return fmt.Errorf("conversation %q: %w", oldID, err)
		}
	}
	if len(renames) == 0 {
		return nil
	}
	if err := renameInTickets(btx, renames); err != nil {
		return err
	}
	return renameOwners(btx, renames)
}

// renameConversation moves one web conversation from oldID to newID and
// indexes the hash of oldID, its resume key from now on.
func renameConversation(btx *bolt.Tx, oldID, newID string) error {
	rec, err := getConversation(btx, oldID)
	if err != nil {
		return err
	}
	rec.ID, rec.ResumeHash = newID, tickets.HashToken(oldID)
	v, err := record.Encode(&rec)
	if err != nil {
		return err
	}
	convs := btx.Bucket(bucketConversations)
	if err := convs.Put([]byte(newID), v); err != nil {
		return err
	}
	if err := convs.Delete([]byte(oldID)); err != nil {
		return err
	}
	if err := putResumeHash(btx, newID, nil, rec.ResumeHash); err != nil {
		return err
	}
	// The outbox: same sequence numbers under the new id. Collected first:
	// a bbolt cursor may skip keys when the bucket changes under it.
	outbox := btx.Bucket(bucketOutbox)
	prefix := appendString(nil, oldID)
	var keys, vals [][]byte
	c := outbox.Cursor()
	for k, v := c.Seek(prefix); hasPrefix(k, prefix); k, v = c.Next() {
		keys, vals = append(keys, bytes.Clone(k)), append(vals, bytes.Clone(v))
	}
	for i, k := range keys {
		seq := u64(k[len(k)-8:])
		if err := outbox.Put(outboxKey(newID, seq), vals[i]); err != nil {
			return err
		}
		if err := outbox.Delete(k); err != nil {
			return err
		}
	}
	seqs := btx.Bucket(bucketOutboxSeq)
	if v := seqs.Get([]byte(oldID)); v != nil {
		if err := seqs.Put([]byte(newID), bytes.Clone(v)); err != nil {
			return err
		}
		if err := seqs.Delete([]byte(oldID)); err != nil {
			return err
		}
	}
	pending := btx.Bucket(bucketPending)
	if pending.Get(pendingKey(tickets.Web, oldID)) != nil {
		if err := pending.Put(pendingKey(tickets.Web, newID), nil); err != nil {
			return err
		}
		if err := pending.Delete(pendingKey(tickets.Web, oldID)); err != nil {
			return err
		}
	}
	return nil
}

// renameInTickets points tickets of renamed conversations at the new ids.
func renameInTickets(btx *bolt.Tx, renames map[string]string) error {
	var changed []record.Ticket
	var before []record.Ticket
	err := btx.Bucket(bucketTickets).ForEach(func(k, v []byte) error {
		var rec record.Ticket
		if err := record.Decode(v, &rec); err != nil {
			return fmt.Errorf("ticket %x: %w", k, err)
		}
		newID, ok := renames[rec.ConversationID]
		if !ok {
			return nil
		}
		old := rec
		if rec.User.ID == rec.ConversationID {
			rec.User.ID = newID
		}
		rec.ConversationID = newID
		before, changed = append(before, old), append(changed, rec)
		return nil
	})
	if err != nil {
		return err
	}
	for i := range changed {
		if err := putTicket(btx, &before[i], &changed[i]); err != nil {
			return fmt.Errorf("ticket %s: %w", record.FormatTicketID(changed[i].Seq), err)
		}
	}
	return nil
}

// renameOwners moves attachments owned by a renamed conversation.
func renameOwners(btx *bolt.Tx, renames map[string]string) error {
	atts := btx.Bucket(bucketAttachments)
	type move struct {
		key []byte
		rec record.Attachment
	}
	var moves []move
	err := atts.ForEach(func(k, v []byte) error {
		var rec record.Attachment
		if err := record.Decode(v, &rec); err != nil {
			return fmt.Errorf("attachment %q: %w", k, err)
		}
		if newID, ok := renames[rec.Owner]; ok {
			rec.Owner = newID
			moves = append(moves, move{bytes.Clone(k), rec})
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, m := range moves {
		v, err := record.Encode(&m.rec)
		if err != nil {
			return err
		}
		if err := atts.Put(m.key, v); err != nil {
			return err
		}
	}
	return nil
}
