package boltstore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/internal/record"
)

// Conversation returns one conversation.
func (x *tx) Conversation(id string) (tickets.Conversation, error) {
	rec, err := getConversation(x.tx, id)
	if err != nil {
		return tickets.Conversation{}, err
	}
	return rec.Conversation(), nil
}

func getConversation(btx *bolt.Tx, id string) (record.Conversation, error) {
	var v []byte
	if id != "" {
		v = btx.Bucket(bucketConversations).Get([]byte(id))
	}
	if v == nil {
		return record.Conversation{}, fmt.Errorf("conversation %q: %w", id, tickets.ErrNotFound)
	}
	var rec record.Conversation
	if err := record.Decode(v, &rec); err != nil {
		return record.Conversation{}, fmt.Errorf("conversation %q: %w", id, err)
	}
	return rec, nil
}

// PutConversation creates or replaces a conversation. Zero CreatedAt becomes
// now and zero UpdatedAt becomes CreatedAt.
func (x *tx) PutConversation(c *tickets.Conversation) error {
	if c.ID == "" || c.Channel == "" {
		return fmt.Errorf("put conversation %q: id and channel are required: %w", c.ID, tickets.ErrInvalid)
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = x.now()
	}
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = c.CreatedAt
	}
	old, err := getConversation(x.tx, c.ID)
	exists := err == nil
	if err == nil || errors.Is(err, tickets.ErrNotFound) {
		if err := putResumeHash(x.tx, c.ID, old.ResumeHash, c.ResumeHash); err != nil {
			return fmt.Errorf("put conversation %q: %w", c.ID, err)
		}
	}
	switch {
	case exists && old.Channel != string(c.Channel):
		// Keep the pending index under the conversation's current channel,
		// or its sender would never see the waiting messages.
		pending := x.tx.Bucket(bucketPending)
		oldKey := pendingKey(tickets.Channel(old.Channel), c.ID)
		if pending.Get(oldKey) != nil {
			if err := pending.Delete(oldKey); err != nil {
				return fmt.Errorf("put conversation %q: %w", c.ID, err)
			}
			if err := pending.Put(pendingKey(c.Channel, c.ID), nil); err != nil {
				return fmt.Errorf("put conversation %q: %w", c.ID, err)
			}
		}
	case err != nil && !errors.Is(err, tickets.ErrNotFound):
		return fmt.Errorf("put conversation: %w", err)
	}
	rec := record.FromConversation(c)
	rec.HadTicket = (exists && old.HadTicket) || c.TicketID != ""
	var was *record.Conversation
	if exists {
		was = &old
	}
	if err := putConversation(x.tx, was, &rec); err != nil {
		return fmt.Errorf("put conversation %q: %w", c.ID, err)
	}
	return nil
}

// putResumeHash moves a conversation's entry in the resume index from old
// to h. A hash that names another conversation is a conflict: two pages
// must never resume each other's chat.
func putResumeHash(btx *bolt.Tx, convID string, old, h []byte) error {
	if bytes.Equal(old, h) {
		return nil
	}
	idx := btx.Bucket(bucketConvResume)
	if len(h) > 0 {
		if owner := idx.Get(h); owner != nil && string(owner) != convID {
			return fmt.Errorf("resume hash already in use: %w", tickets.ErrConflict)
		}
		if err := idx.Put(h, []byte(convID)); err != nil {
			return err
		}
	}
	if len(old) > 0 {
		return idx.Delete(old)
	}
	return nil
}

// putConversation writes rec and moves its entry in the idle index (only
// conversations that never had a ticket are in it). old is nil when new.
func putConversation(btx *bolt.Tx, old, rec *record.Conversation) error {
	v, err := record.Encode(rec)
	if err != nil {
		return err
	}
	if err := btx.Bucket(bucketConversations).Put([]byte(rec.ID), v); err != nil {
		return err
	}
	idle := btx.Bucket(bucketIdxIdle)
	if old != nil && !old.HadTicket {
		if err := idle.Delete(idleKey(old.UpdatedAt, old.ID)); err != nil {
			return err
		}
	}
	if !rec.HadTicket {
		return idle.Put(idleKey(rec.UpdatedAt, rec.ID), nil)
	}
	return nil
}

// ConversationByResumeHash finds a conversation by the hash of its resume key.
func (x *tx) ConversationByResumeHash(h []byte) (tickets.Conversation, error) {
	var id []byte
	if len(h) > 0 {
		id = x.tx.Bucket(bucketConvResume).Get(h)
	}
	if id == nil {
		return tickets.Conversation{}, fmt.Errorf("conversation by resume key: %w", tickets.ErrNotFound)
	}
	rec, err := getConversation(x.tx, string(id))
	if err != nil {
		return tickets.Conversation{}, fmt.Errorf("conversation by resume key: %w", err)
	}
	return rec.Conversation(), nil
}

// markHadTicket records that conversation id led to a ticket, taking it
// out of the idle index for good. An unknown id is no error: tickets made
// by tools and tests may name no stored conversation.
func markHadTicket(btx *bolt.Tx, id string) error {
	old, err := getConversation(btx, id)
	if errors.Is(err, tickets.ErrNotFound) || (err == nil && old.HadTicket) {
		return nil
	}
	if err != nil {
		return err
	}
	rec := old
	rec.HadTicket = true
	return putConversation(btx, &old, &rec)
}

// Enqueue appends m to its conversation's outbox with the next sequence
// number, and marks the conversation as having pending messages.
func (x *tx) Enqueue(m *tickets.OutMessage) error {
	if err := m.ValidateKind(); err != nil {
		return err
	}
	conv, err := getConversation(x.tx, m.ConversationID)
	if err != nil {
		return fmt.Errorf("enqueue: %w", err)
	}
	seqs := x.tx.Bucket(bucketOutboxSeq)
	var seq uint64
	if v := seqs.Get([]byte(conv.ID)); len(v) == 8 {
		seq = u64(v)
	}
	seq++
	if err := seqs.Put([]byte(conv.ID), be64(seq)); err != nil {
		return fmt.Errorf("enqueue: %w", err)
	}
	m.Seq, m.ID = seq, tickets.MessageID(conv.ID, seq)
	if m.CreatedAt.IsZero() {
		m.CreatedAt = x.now()
	}
	rec := record.FromMessage(m)
	v, err := record.Encode(&rec)
	if err != nil {
		return fmt.Errorf("enqueue: %w", err)
	}
	if err := x.tx.Bucket(bucketOutbox).Put(outboxKey(conv.ID, seq), v); err != nil {
		return fmt.Errorf("enqueue: %w", err)
	}
	if err := x.tx.Bucket(bucketPending).Put(pendingKey(tickets.Channel(conv.Channel), conv.ID), nil); err != nil {
		return fmt.Errorf("enqueue: %w", err)
	}
	return nil
}

// Outbox lists a conversation's unacknowledged messages, oldest first.
func (x *tx) Outbox(conversationID string) ([]tickets.OutMessage, error) {
	if _, err := getConversation(x.tx, conversationID); err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	prefix := appendString(nil, conversationID)
	var out []tickets.OutMessage
	c := x.tx.Bucket(bucketOutbox).Cursor()
	for k, v := c.Seek(prefix); hasPrefix(k, prefix); k, v = c.Next() {
		var rec record.Message
		if err := record.Decode(v, &rec); err != nil {
			return nil, fmt.Errorf("outbox %q: %w", conversationID, err)
		}
		out = append(out, rec.Message(conversationID))
	}
	return out, nil
}

// Ack removes message id and every earlier one. An id already trimmed is
// fine (acks are redelivered); an id that was never issued, or belongs to
// another conversation, is ErrInvalid — trimming on it could drop messages
// the user never saw.
func (x *tx) Ack(conversationID, id string) error {
	conv, err := getConversation(x.tx, conversationID)
	if err != nil {
		return fmt.Errorf("ack: %w", err)
	}
	upTo, ok := tickets.MessageSeq(conversationID, id)
	var last uint64
	if v := x.tx.Bucket(bucketOutboxSeq).Get([]byte(conversationID)); len(v) == 8 {
		last = u64(v)
	}
	if !ok || upTo > last {
		return tickets.NeverSent(id)
	}
	prefix := appendString(nil, conversationID)
	// Collect first: deleting while a bbolt cursor walks can skip keys.
	var doomed [][]byte
	c := x.tx.Bucket(bucketOutbox).Cursor()
	k, _ := c.Seek(prefix)
	for ; hasPrefix(k, prefix) && binary.BigEndian.Uint64(k[len(k)-8:]) <= upTo; k, _ = c.Next() {
		doomed = append(doomed, bytes.Clone(k))
	}
	rest := hasPrefix(k, prefix)
	ob := x.tx.Bucket(bucketOutbox)
	for _, k := range doomed {
		if err := ob.Delete(k); err != nil {
			return fmt.Errorf("ack in conversation %s: %w", conversationID, err)
		}
	}
	if !rest {
		if err := x.tx.Bucket(bucketPending).Delete(pendingKey(tickets.Channel(conv.Channel), conversationID)); err != nil {
			return fmt.Errorf("ack in conversation %s: %w", conversationID, err)
		}
	}
	return nil
}

// PendingConversations lists the conversations of ch with messages waiting,
// from the pending index (no scan of outboxes).
func (x *tx) PendingConversations(ch tickets.Channel) ([]string, error) {
	prefix := appendString(nil, string(ch))
	var out []string
	c := x.tx.Bucket(bucketPending).Cursor()
	for k, _ := c.Seek(prefix); hasPrefix(k, prefix); k, _ = c.Next() {
		id, _, err := readString(k[len(prefix):])
		if err != nil {
			return nil, fmt.Errorf("pending conversations: %w", err)
		}
		out = append(out, id)
	}
	return out, nil
}
