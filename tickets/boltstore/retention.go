package boltstore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/internal/record"
)

// What is kept, and for how long: a ticket record holds the newest
// tickets.TranscriptWindow entries and older ones go to an append-only
// archive; conversations that never led to a ticket, resolved tickets'
// files and transcripts, and Seen keys are dropped by age through indexes
// kept in the same transactions as the records (keys.go lists them).

// archiveOverflow moves the oldest entries beyond the window from rec's
// transcript to the archive. Entries are only ever added there, under the
// next index, so a transaction run twice by the group commit writes the
// same keys.
func archiveOverflow(btx *bolt.Tx, rec *record.Ticket) error {
	over := len(rec.Transcript) - tickets.TranscriptWindow
	if over <= 0 {
		return nil
	}
	arch := btx.Bucket(bucketArchive)
	for i := range over {
		v, err := record.Encode(&rec.Transcript[i])
		if err != nil {
			return err
		}
		if err := arch.Put(archiveKey(rec.Seq, rec.Archived+uint64(i)), v); err != nil {
			return err
		}
	}
	rec.Transcript = append([]record.Entry(nil), rec.Transcript[over:]...)
	rec.Archived += uint64(over)
	return nil
}

// inResolved reports whether a ticket belongs in ix_resolved: resolved and
// not yet purged.
func inResolved(r *record.Ticket) bool {
	return r != nil && r.Status == string(tickets.Resolved) && r.PurgedAt.IsZero()
}

// moveResolved keeps ix_resolved in step with a ticket's change.
func moveResolved(btx *bolt.Tx, old, rec *record.Ticket) error {
	ix := btx.Bucket(bucketIdxResolved)
	if inResolved(old) && (!inResolved(rec) || !bytes.Equal(resolvedKey(old), resolvedKey(rec))) {
		if err := ix.Delete(resolvedKey(old)); err != nil {
			return err
		}
	}
	if inResolved(rec) {
		return ix.Put(resolvedKey(rec), nil)
	}
	return nil
}

// Transcript returns the archived entries, then the ticket's own.
func (x *tx) Transcript(ticketID string) ([]tickets.Entry, error) {
	rec, err := getTicket(x.tx, ticketID)
	if err != nil {
		return nil, fmt.Errorf("transcript: %w", err)
	}
	out := make([]tickets.Entry, 0, int(rec.Archived)+len(rec.Transcript))
	prefix := be64(rec.Seq)
	c := x.tx.Bucket(bucketArchive).Cursor()
	for k, v := c.Seek(prefix); hasPrefix(k, prefix); k, v = c.Next() {
		var e record.Entry
		if err := record.Decode(v, &e); err != nil {
			return nil, fmt.Errorf("transcript of %s: %w", ticketID, err)
		}
		out = append(out, e.Entry())
	}
	if uint64(len(out)) != rec.Archived {
		return nil, fmt.Errorf("transcript of %s: archive holds %d entries, the ticket says %d: index corrupt",
			ticketID, len(out), rec.Archived)
	}
	for _, e := range rec.Transcript {
		out = append(out, e.Entry())
	}
	return out, nil
}

// checkLimit refuses a batch size a sweep cannot use.
func checkLimit(what string, limit int) error {
	if limit <= 0 {
		return fmt.Errorf("%s: limit %d: %w", what, limit, tickets.ErrInvalid)
	}
	return nil
}

// oldest collects up to limit keys of an age index that sort before end
// (collected first: deleting while a cursor walks can skip keys).
func oldest(b *bolt.Bucket, end []byte, limit int) [][]byte {
	var keys [][]byte
	c := b.Cursor()
	for k, _ := c.First(); k != nil && bytes.Compare(k, end) < 0 && len(keys) < limit; k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k))
	}
	return keys
}

// ExpireConversations deletes up to limit conversations idle since before
// idleBefore that never led to a ticket: the record, its outbox and
// sequence, its pending entry and the files it owns.
func (x *tx) ExpireConversations(idleBefore time.Time, limit int) (int, error) {
	if err := checkLimit("expire conversations", limit); err != nil {
		return 0, err
	}
	idle := x.tx.Bucket(bucketIdxIdle)
	keys := oldest(idle, appendTime(nil, idleBefore), limit)
	for _, k := range keys {
		id, _, err := readString(k[12:]) // after the 12-byte time
		if err != nil {
			return 0, fmt.Errorf("expire conversations: index entry %x: %w", k, err)
		}
		if err := idle.Delete(k); err != nil {
			return 0, fmt.Errorf("expire conversations: %w", err)
		}
		rec, err := getConversation(x.tx, id)
		if errors.Is(err, tickets.ErrNotFound) {
			continue // a stale entry; now gone
		}
		if err != nil {
			return 0, fmt.Errorf("expire conversations: %w", err)
		}
		if rec.HadTicket || !rec.UpdatedAt.Before(idleBefore) {
			continue // not ours to delete (the index was stale)
		}
		if err := x.deleteConversation(&rec); err != nil {
			return 0, fmt.Errorf("expire conversation %q: %w", id, err)
		}
	}
	return len(keys), nil
}

// deleteConversation removes a conversation and everything that is only its.
func (x *tx) deleteConversation(rec *record.Conversation) error {
	prefix := appendString(nil, rec.ID)
	if err := deletePrefix(x.tx.Bucket(bucketOutbox), prefix); err != nil {
		return err
	}
	// choicesKey has the same conversation prefix.
	if err := deletePrefix(x.tx.Bucket(bucketChoices), prefix); err != nil {
		return err
	}
	var files [][]byte
	c := x.tx.Bucket(bucketIdxOwner).Cursor()
	for k, _ := c.Seek(prefix); hasPrefix(k, prefix); k, _ = c.Next() {
		files = append(files, bytes.Clone(k[len(prefix):]))
	}
	for _, f := range files {
		id, _, err := readString(f)
		if err != nil {
			return fmt.Errorf("owner index: %w", err)
		}
		if err := deleteAttachment(x.tx, rec.ID, id); err != nil {
			return err
		}
	}
	if len(rec.ResumeHash) > 0 {
		if err := x.tx.Bucket(bucketConvResume).Delete(rec.ResumeHash); err != nil {
			return err
		}
	}
	for _, d := range []struct{ bucket, key []byte }{
		{bucketOutboxSeq, []byte(rec.ID)},
		{bucketPending, pendingKey(tickets.Channel(rec.Channel), rec.ID)},
		{bucketConversations, []byte(rec.ID)},
	} {
		if err := x.tx.Bucket(d.bucket).Delete(d.key); err != nil {
			return err
		}
	}
	return nil
}

// deletePrefix deletes every key of b that starts with prefix.
func deletePrefix(b *bolt.Bucket, prefix []byte) error {
	var doomed [][]byte
	c := b.Cursor()
	for k, _ := c.Seek(prefix); hasPrefix(k, prefix); k, _ = c.Next() {
		doomed = append(doomed, bytes.Clone(k))
	}
	for _, k := range doomed {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// PurgeResolved drops the files and transcript (archive included) of up
// to limit tickets resolved before resolvedBefore, and marks them purged.
func (x *tx) PurgeResolved(resolvedBefore time.Time, limit int) (int, error) {
	if err := checkLimit("purge resolved", limit); err != nil {
		return 0, err
	}
	keys := oldest(x.tx.Bucket(bucketIdxResolved), appendTime(nil, resolvedBefore), limit)
	for _, k := range keys {
		seq := binary.BigEndian.Uint64(k[len(k)-8:])
		old, err := getTicketSeq(x.tx, seq)
		if err != nil {
			return 0, fmt.Errorf("purge resolved: index entry %x: %w", k, err)
		}
		if !inResolved(&old) || !old.ResolvedAt.Before(resolvedBefore) {
			if err := x.tx.Bucket(bucketIdxResolved).Delete(k); err != nil {
				return 0, fmt.Errorf("purge resolved: %w", err)
			}
			continue
		}
		rec := old
		for _, a := range old.Attachments {
			// Files are owned by the conversation that received them.
			if err := deleteAttachment(x.tx, attachmentOwner(x.tx, a.ID, old.ConversationID), a.ID); err != nil {
				return 0, fmt.Errorf("purge %s: %w", record.FormatTicketID(seq), err)
			}
		}
		if err := deletePrefix(x.tx.Bucket(bucketArchive), be64(seq)); err != nil {
			return 0, fmt.Errorf("purge %s: %w", record.FormatTicketID(seq), err)
		}
		rec.Attachments, rec.Transcript, rec.Archived = nil, nil, 0
		rec.PurgedAt = x.now()
		if err := putTicket(x.tx, &old, &rec); err != nil {
			return 0, fmt.Errorf("purge %s: %w", record.FormatTicketID(seq), err)
		}
	}
	return len(keys), nil
}

// attachmentOwner reads the owner stored with a file's metadata, falling
// back to def when the metadata is gone or unreadable.
func attachmentOwner(btx *bolt.Tx, id, def string) string {
	var rec record.Attachment
	if v := btx.Bucket(bucketAttachments).Get([]byte(id)); v != nil && record.Decode(v, &rec) == nil && rec.Owner != "" {
		return rec.Owner
	}
	return def
}

// PruneSeen forgets up to limit Seen keys recorded before before.
func (x *tx) PruneSeen(before time.Time, limit int) (int, error) {
	if err := checkLimit("prune seen", limit); err != nil {
		return 0, err
	}
	ix, seen := x.tx.Bucket(bucketIdxSeen), x.tx.Bucket(bucketSeen)
	end := be64(uint64(max(before.Unix(), 0)))
	keys := oldest(ix, end, limit)
	for _, k := range keys {
		key := k[8:]
		// Only when the record is the one indexed: a key seen again
		// since (it cannot be, Seen never rewrites, but a restore could)
		// keeps its newer entry.
		if v := seen.Get(key); len(v) == 8 && bytes.Equal(v, k[:8]) {
			if err := seen.Delete(key); err != nil {
				return 0, fmt.Errorf("prune seen: %w", err)
			}
		}
		if err := ix.Delete(k); err != nil {
			return 0, fmt.Errorf("prune seen: %w", err)
		}
	}
	return len(keys), nil
}

// buildRetentionIndexes fills the retention indexes of a file written
// before they existed, once: one pass over conversations, attachments,
// Seen keys and tickets. Later writes keep them in step.
func buildRetentionIndexes(btx *bolt.Tx) error {
	meta := btx.Bucket(bucketMeta)
	if meta.Get(keyRetentionIndexes) != nil {
		return nil
	}
	hadTicket := map[string]bool{}
	err := btx.Bucket(bucketTickets).ForEach(func(k, v []byte) error {
		var rec record.Ticket
		if err := record.Decode(v, &rec); err != nil {
			return fmt.Errorf("ticket %x: %w", k, err)
		}
		if rec.ConversationID != "" {
			hadTicket[rec.ConversationID] = true
		}
		if inResolved(&rec) {
			return btx.Bucket(bucketIdxResolved).Put(resolvedKey(&rec), nil)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("index tickets: %w", err)
	}
	var convs []record.Conversation
	err = btx.Bucket(bucketConversations).ForEach(func(k, v []byte) error {
		var rec record.Conversation
		if err := record.Decode(v, &rec); err != nil {
			return fmt.Errorf("conversation %q: %w", k, err)
		}
		convs = append(convs, rec)
		return nil
	})
	if err != nil {
		return fmt.Errorf("index conversations: %w", err)
	}
	for i := range convs {
		rec := &convs[i]
		if !rec.HadTicket && (hadTicket[rec.ID] || rec.TicketID != "") {
			rec.HadTicket = true
			v, err := record.Encode(rec)
			if err != nil {
				return err
			}
			if err := btx.Bucket(bucketConversations).Put([]byte(rec.ID), v); err != nil {
				return err
			}
		}
		if !rec.HadTicket {
			if err := btx.Bucket(bucketIdxIdle).Put(idleKey(rec.UpdatedAt, rec.ID), nil); err != nil {
				return err
			}
		}
	}
	err = btx.Bucket(bucketAttachments).ForEach(func(k, v []byte) error {
		var rec record.Attachment
		if err := record.Decode(v, &rec); err != nil {
			return fmt.Errorf("attachment %q: %w", k, err)
		}
		return btx.Bucket(bucketIdxOwner).Put(ownerKey(rec.Owner, rec.ID), nil)
	})
	if err != nil {
		return fmt.Errorf("index attachments: %w", err)
	}
	err = btx.Bucket(bucketSeen).ForEach(func(k, v []byte) error {
		if len(v) != 8 {
			return nil
		}
		return btx.Bucket(bucketIdxSeen).Put(seenKey(u64(v), string(k)), nil)
	})
	if err != nil {
		return fmt.Errorf("index seen keys: %w", err)
	}
	return meta.Put(keyRetentionIndexes, []byte{1})
}
