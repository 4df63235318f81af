package pgstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/internal/record"
)

// Conversation returns one conversation. In a read-write transaction its
// row stays locked until commit: the turns of one conversation, on any
// replica, run one after the other.
func (x *tx) Conversation(id string) (tickets.Conversation, error) {
	if !x.write {
		return x.getConversation(id, "SELECT doc, resume_hash FROM conversations WHERE id = $1", []any{id})
	}
	if err := x.claim("c:" + id); err != nil {
		return tickets.Conversation{}, fmt.Errorf("conversation %q: %w", id, err)
	}
	var row convRow
	c, err := x.getConversation(id, "SELECT doc, resume_hash, channel, outbox_seq FROM conversations WHERE id = $1 FOR UPDATE",
		[]any{id}, &row.channel, &row.outboxSeq)
	if err == nil {
		row.resumeHash = c.ResumeHash
		if x.locked == nil {
			x.locked = make(map[string]*convRow)
		}
		x.locked[id] = &row
	}
	return c, err
}

// convRow is what a write transaction knows of a conversation row it
// locked: with it, Enqueue numbers messages and PutConversation keeps the
// resume hash without a round trip.
type convRow struct {
	channel    string
	outboxSeq  int64
	resumeHash []byte // nil when unknown (Ack reads no hash)
	// seqDirty: outboxSeq moved past the stored outbox_seq; the next
	// flush writes it, with the conversation's upsert when one is queued
	// (prelude), so a turn rewrites the row once, not once per message.
	seqDirty bool
	// pendingQueued: this transaction queued the conversation's pending
	// entry; its later messages need not again.
	pendingQueued bool
}

// getConversation reads one conversation with q, which selects doc and
// resume_hash and then the columns extra scans into.
func (x *tx) getConversation(what, q string, args []any, extra ...any) (tickets.Conversation, error) {
	var doc, hash []byte
	found, err := x.row(q, args, append([]any{&doc, &hash}, extra...)...)
	if err != nil {
		return tickets.Conversation{}, fmt.Errorf("conversation %q: %w", what, err)
	}
	if !found {
		return tickets.Conversation{}, fmt.Errorf("conversation %q: %w", what, tickets.ErrNotFound)
	}
	var rec record.Conversation
	if err := record.Decode(doc, &rec); err != nil {
		return tickets.Conversation{}, fmt.Errorf("conversation %q: %w", what, err)
	}
	rec.ResumeHash = hash
	return rec.Conversation(), nil
}

// putConversation upserts a conversation. had_ticket only ever becomes
// true; idle_ns (the expiry index) is kept only while it is false;
// outbox_seq is $7 when the transaction holds the row (convRow), kept
// when $7 is NULL. The pending entry follows a change of channel, so the
// conversation's sender still sees its waiting messages.
const putConversation = `
WITH up AS (
    INSERT INTO conversations AS c (id, channel, resume_hash, had_ticket, idle_ns, doc, outbox_seq)
    VALUES ($1, $2, $3, $4, CASE WHEN $4 THEN NULL ELSE $5::bigint END, $6, COALESCE($7::bigint, 0))
    ON CONFLICT (id) DO UPDATE SET channel = EXCLUDED.channel, resume_hash = EXCLUDED.resume_hash,
        had_ticket = c.had_ticket OR EXCLUDED.had_ticket,
        idle_ns = CASE WHEN c.had_ticket OR EXCLUDED.had_ticket THEN NULL ELSE $5::bigint END,
        doc = EXCLUDED.doc, outbox_seq = COALESCE($7::bigint, c.outbox_seq)
    RETURNING id, channel)
UPDATE pending SET channel = up.channel FROM up
WHERE pending.conversation_id = up.id AND pending.channel <> up.channel`

// PutConversation creates or replaces a conversation. Zero CreatedAt becomes
// now and zero UpdatedAt becomes CreatedAt.
func (x *tx) PutConversation(c *tickets.Conversation) error {
	if c.ID == "" || c.Channel == "" {
		return fmt.Errorf("put conversation %q: id and channel are required: %w", c.ID, tickets.ErrInvalid)
	}
	if !x.write {
		return errReadOnly
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = x.now()
	}
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = c.CreatedAt
	}
	var hash []byte
	if len(c.ResumeHash) > 0 {
		hash = c.ResumeHash
	}
	// The row this transaction holds, if it read it: a hash it already
	// has needs no check.
	row := x.locked[c.ID]
	if hash != nil && (row == nil || !bytes.Equal(row.resumeHash, hash)) {
		// Checked first: a unique violation would abort the transaction,
		// and a caller may want to go on after ErrConflict.
		var owner string
		found, err := x.row(`SELECT id FROM conversations WHERE resume_hash = $1`, []any{hash}, &owner)
		if err != nil {
			return fmt.Errorf("put conversation %q: %w", c.ID, err)
		}
		if found && owner != c.ID {
			return fmt.Errorf("put conversation %q: resume hash already in use: %w", c.ID, tickets.ErrConflict)
		}
	}
	rec := record.FromConversation(c)
	rec.ResumeHash = nil // in its column, not in the document
	doc, err := record.Encode(&rec)
	if err != nil {
		return fmt.Errorf("put conversation %q: %w", c.ID, err)
	}
	// $7 is filled in when the write is sent (prelude): messages
	// enqueued after this call, before the flush, still count.
	if err := x.laterFor(row, putConversation, c.ID, string(c.Channel), hash, c.TicketID != "", ns(c.UpdatedAt), doc, nil); err != nil {
		return fmt.Errorf("put conversation %q: %w", c.ID, err)
	}
	if row != nil {
		row.channel, row.resumeHash = string(c.Channel), hash
	}
	return nil
}

// ConversationByResumeHash finds a conversation by the hash of its resume key.
func (x *tx) ConversationByResumeHash(h []byte) (tickets.Conversation, error) {
	if len(h) == 0 {
		return tickets.Conversation{}, fmt.Errorf("conversation by resume key: %w", tickets.ErrNotFound)
	}
	c, err := x.getConversation("by resume key", "SELECT doc, resume_hash FROM conversations WHERE resume_hash = $1", []any{h})
	if err != nil {
		return tickets.Conversation{}, err
	}
	return c, nil
}

// enqueue takes the conversation's next Seq (locking its row, so one
// conversation's messages are numbered in commit order), stores the
// message and marks the conversation pending, in one statement.
const enqueue = `
WITH c AS (UPDATE conversations SET outbox_seq = outbox_seq + 1 WHERE id = $1 RETURNING id, channel, outbox_seq),
     o AS (INSERT INTO outbox (conversation_id, seq, parts, doc) SELECT id, outbox_seq, $3, $2 FROM c),
     p AS (INSERT INTO pending (channel, conversation_id) SELECT channel, id FROM c ON CONFLICT DO NOTHING)
SELECT channel, outbox_seq FROM c`

// enqueueLocked is enqueue for a conversation whose row this transaction
// holds, the Seq chosen by the caller; the row's outbox_seq is written
// once per flush (prelude). enqueueLockedMore is the same for a
// conversation whose pending entry this transaction queued already.
const (
	enqueueLocked = `
WITH p AS (INSERT INTO pending (channel, conversation_id) VALUES ($5, $1) ON CONFLICT DO NOTHING)
INSERT INTO outbox (conversation_id, seq, parts, doc) VALUES ($1, $2, $3, $4)`
	enqueueLockedMore = `INSERT INTO outbox (conversation_id, seq, parts, doc) VALUES ($1, $2, $3, $4)`
)

// setOutboxSeq writes a held row's outbox_seq when no upsert of the
// conversation carries it (prelude).
const setOutboxSeq = `UPDATE conversations SET outbox_seq = $2 WHERE id = $1`

// Enqueue appends m to its conversation's outbox; the commit notifies
// every replica's outbox watchers.
func (x *tx) Enqueue(m *tickets.OutMessage) error {
	if err := m.ValidateKind(); err != nil {
		return err
	}
	if !x.write {
		return errReadOnly
	}
	created := m.CreatedAt
	if m.CreatedAt.IsZero() {
		m.CreatedAt = x.now()
	}
	rec := record.FromMessage(m)
	rec.Seq = 0 // the seq column is the truth
	doc, err := record.Encode(&rec)
	if err != nil {
		return fmt.Errorf("enqueue: %w", err)
	}
	var ch string
	var seq int64
	if row := x.locked[m.ConversationID]; row != nil {
		// The row is locked by this transaction: its next Seq is known.
		ch, seq = row.channel, row.outboxSeq+1
		var err error
		if row.pendingQueued {
			err = x.later(enqueueLockedMore, m.ConversationID, seq, max(m.Parts, 0), doc)
		} else {
			err = x.later(enqueueLocked, m.ConversationID, seq, max(m.Parts, 0), doc, ch)
		}
		if err != nil {
			return fmt.Errorf("enqueue: %w", err)
		}
		row.outboxSeq, row.seqDirty, row.pendingQueued = seq, true, true
	} else {
		if err := x.claim("c:" + m.ConversationID); err != nil {
			return fmt.Errorf("enqueue: %w", err)
		}
		found, err := x.row(enqueue, []any{m.ConversationID, doc, max(m.Parts, 0)}, &ch, &seq)
		if err != nil {
			return fmt.Errorf("enqueue: %w", err)
		}
		if !found {
			m.CreatedAt = created // as it was: nothing was written
			return fmt.Errorf("enqueue: conversation %q: %w", m.ConversationID, tickets.ErrNotFound)
		}
	}
	m.Seq, m.ID = uint64(seq), tickets.MessageID(m.ConversationID, uint64(seq))
	// As ReadOutbox will give it: from the record, Seq and Parts from
	// their columns.
	rec.Seq, rec.Parts = m.Seq, max(m.Parts, 0)
	x.noteSent(outboxNote{ch: tickets.Channel(ch), id: m.ConversationID}, rec.Message(m.ConversationID))
	return nil
}

// noteSent adds m to what this transaction enqueued to its conversation
// on channel to.ch, noting the conversation's tail generation with the
// first (tail.go).
func (x *tx) noteSent(to outboxNote, m tickets.OutMessage) {
	for i := range x.sent {
		if x.sent[i].to == to {
			x.sent[i].msgs = append(x.sent[i].msgs, m)
			return
		}
	}
	x.sent = append(x.sent, sentTo{to: to, gen: x.s.tails.gen(to.id), msgs: []tickets.OutMessage{m}})
}

// Outbox lists a conversation's unacknowledged messages, oldest first.
func (x *tx) Outbox(conversationID string) ([]tickets.OutMessage, error) {
	// One statement: no row means no conversation, one row of NULLs an
	// empty outbox.
	found := false
	out, err := rows(x, `SELECT o.seq, o.parts, o.doc FROM conversations c
		LEFT JOIN outbox o ON o.conversation_id = c.id WHERE c.id = $1 ORDER BY o.seq`, []any{conversationID},
		func(r pgx.Rows) (*tickets.OutMessage, error) {
			found = true
			var seq *int64
			var parts *int
			var doc []byte
			if err := r.Scan(&seq, &parts, &doc); err != nil || seq == nil {
				return nil, err
			}
			var rec record.Message
			if err := record.Decode(doc, &rec); err != nil {
				return nil, err
			}
			rec.Seq, rec.Parts = uint64(*seq), *parts
			m := rec.Message(conversationID)
			return &m, nil
		})
	if err != nil {
		return nil, fmt.Errorf("outbox %q: %w", conversationID, err)
	}
	if !found {
		return nil, fmt.Errorf("outbox: conversation %q: %w", conversationID, tickets.ErrNotFound)
	}
	var msgs []tickets.OutMessage
	for _, m := range out {
		if m != nil {
			msgs = append(msgs, *m)
		}
	}
	return msgs, nil
}

// Ack removes message id and every earlier one. An id already trimmed is
// fine; one never issued, or of another conversation, is ErrInvalid.
func (x *tx) Ack(conversationID, id string) error {
	if !x.write {
		return errReadOnly
	}
	row := x.locked[conversationID]
	if row == nil {
		if err := x.claim("c:" + conversationID); err != nil {
			return fmt.Errorf("ack: %w", err)
		}
		row = &convRow{}
		found, err := x.row(`SELECT channel, outbox_seq FROM conversations WHERE id = $1 FOR UPDATE`,
			[]any{conversationID}, &row.channel, &row.outboxSeq)
		if err != nil {
			return fmt.Errorf("ack: %w", err)
		}
		if !found {
			return fmt.Errorf("ack: conversation %q: %w", conversationID, tickets.ErrNotFound)
		}
		if x.locked == nil {
			x.locked = make(map[string]*convRow)
		}
		x.locked[conversationID] = row
	}
	last := row.outboxSeq
	upTo, ok := tickets.MessageSeq(conversationID, id)
	if !ok || upTo > uint64(last) {
		return tickets.NeverSent(id)
	}
	if err := x.later(`DELETE FROM outbox WHERE conversation_id = $1 AND seq <= $2`, conversationID, int64(upTo)); err != nil {
		return fmt.Errorf("ack: %w", err)
	}
	if err := x.later(`DELETE FROM pending WHERE conversation_id = $1
		AND NOT EXISTS (SELECT 1 FROM outbox WHERE conversation_id = $1)`, conversationID); err != nil {
		return fmt.Errorf("ack: %w", err)
	}
	row.pendingQueued = false // the entry may be gone: a later message queues it again
	return nil
}

// PendingConversations lists the conversations of ch with messages waiting.
func (x *tx) PendingConversations(ch tickets.Channel) ([]string, error) {
	out, err := rows(x, `SELECT conversation_id FROM pending WHERE channel = $1 ORDER BY conversation_id`,
		[]any{string(ch)}, func(r pgx.Rows) (string, error) {
			var id string
			return id, r.Scan(&id)
		})
	if err != nil {
		return nil, fmt.Errorf("pending conversations: %w", err)
	}
	return out, nil
}

// SetProgress stores how many parts of a message were delivered.
func (x *tx) SetProgress(convID, id string, parts int) error {
	seq, ok := tickets.MessageSeq(convID, id)
	if !ok || parts < 0 {
		return fmt.Errorf("set progress %q in %q: %w", id, convID, tickets.ErrInvalid)
	}
	// A message acknowledged meanwhile updates nothing: not an error.
	if err := x.later(`UPDATE outbox SET parts = $3 WHERE conversation_id = $1 AND seq = $2`, convID, int64(seq), parts); err != nil {
		return fmt.Errorf("set progress: %w", err)
	}
	return nil
}

// PutAttachment stores a file's metadata and bytes in this transaction.
// owner must be an existing ticket id or conversation id. A zero a.ID gets
// a random one; a.Size is set from data; files over
// tickets.MaxAttachmentSize are refused with ErrInvalid. Quotas are the
// caller's (Conversation.Uploads and the ticket's list), as with boltstore.
func (x *tx) PutAttachment(a *tickets.Attachment, owner string, data []byte) error {
	if len(data) > tickets.MaxAttachmentSize {
		return fmt.Errorf("put attachment: %d bytes, limit %d: %w", len(data), tickets.MaxAttachmentSize, tickets.ErrInvalid)
	}
	if owner == "" {
		return fmt.Errorf("put attachment: no owner: %w", tickets.ErrInvalid)
	}
	if !x.write {
		return errReadOnly
	}
	var seq int64
	if s, ok := record.ParseTicketID(owner); ok {
		seq = int64(s)
	}
	var exists bool
	if _, err := x.row(`SELECT EXISTS (SELECT 1 FROM tickets WHERE seq = $1) OR EXISTS (SELECT 1 FROM conversations WHERE id = $2)`,
		[]any{seq, owner}, &exists); err != nil {
		return fmt.Errorf("put attachment: %w", err)
	}
	if !exists {
		return fmt.Errorf("put attachment: owner %q is neither a ticket nor a conversation: %w", owner, tickets.ErrNotFound)
	}
	if a.ID == "" {
		a.ID = tickets.NewAttachmentID()
	}
	size, created := a.Size, a.CreatedAt
	a.Size = int64(len(data))
	if a.CreatedAt.IsZero() {
		a.CreatedAt = x.now()
	}
	rec := record.FromAttachment(a, "")
	meta, err := record.Encode(&rec)
	if err != nil {
		return fmt.Errorf("put attachment %s: %w", a.ID, err)
	}
	if data == nil {
		data = []byte{}
	}
	tag, err := x.exec(`INSERT INTO attachments (id, owner, meta, data) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING`,
		a.ID, owner, meta, data)
	if err != nil {
		return fmt.Errorf("put attachment %s: %w", a.ID, err)
	}
	if tag.RowsAffected() == 0 {
		a.Size, a.CreatedAt = size, created // as they were: nothing was written
		return fmt.Errorf("put attachment %s: id taken: %w", a.ID, tickets.ErrConflict)
	}
	return nil
}

// AttachmentData returns a file's metadata and its bytes.
func (x *tx) AttachmentData(id string) (tickets.Attachment, []byte, error) {
	var meta, data []byte
	found, err := x.row(`SELECT meta, data FROM attachments WHERE id = $1`, []any{id}, &meta, &data)
	if err != nil {
		return tickets.Attachment{}, nil, fmt.Errorf("attachment %q: %w", id, err)
	}
	if !found {
		return tickets.Attachment{}, nil, fmt.Errorf("attachment %q: %w", id, tickets.ErrNotFound)
	}
	var rec record.Attachment
	if err := record.Decode(meta, &rec); err != nil {
		return tickets.Attachment{}, nil, fmt.Errorf("attachment %q: %w", id, err)
	}
	return rec.Attachment(), data, nil
}

// tokenSize is the length of an agent token hash (tickets.HashToken).
const tokenSize = sha256.Size

var _ tickets.OutboxDirect = (*Store)(nil)

// direct runs fn, which runs one statement and queues nothing, outside a
// transaction: the statement is a transaction of its own, one round trip
// where BEGIN … COMMIT takes two.
func (s *Store) direct(ctx context.Context, write bool, fn func(*tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		s.recordFailure(err)
		return fmt.Errorf("pgstore: acquire a connection: %w", err)
	}
	defer conn.Release()
	// begun: no BEGIN is sent, each statement commits by itself.
	x := &tx{s: s, ctx: ctx, conn: conn, write: write, now: s.now, begun: true}
	err = fn(x)
	if len(x.queued) > 0 {
		return errors.New("pgstore: a direct statement queued a write") // a bug: nothing would send it
	}
	if write {
		s.recordFailure(x.failed)
	}
	return err
}

// ReadOutbox is Tx.Outbox in one statement.
func (s *Store) ReadOutbox(ctx context.Context, conversationID string) ([]tickets.OutMessage, error) {
	var msgs []tickets.OutMessage
	err := s.direct(ctx, false, func(x *tx) error {
		var err error
		msgs, err = x.Outbox(conversationID)
		return err
	})
	return msgs, err
}

// ackDirect is Ack in one statement: the conversation's row is locked, the
// messages up to $2 and the pending entry (when nothing is left) deleted
// only if $2 was issued; it returns the last Seq issued, no row when the
// conversation does not exist.
const ackDirect = `
WITH c AS (SELECT outbox_seq FROM conversations WHERE id = $1 FOR UPDATE),
     d AS (DELETE FROM outbox WHERE conversation_id = $1 AND seq <= $2 AND $2 <= (SELECT outbox_seq FROM c)),
     p AS (DELETE FROM pending WHERE conversation_id = $1 AND $2 <= (SELECT outbox_seq FROM c)
           AND NOT EXISTS (SELECT 1 FROM outbox WHERE conversation_id = $1 AND seq > $2))
SELECT outbox_seq FROM c`

// AckOutbox is Tx.Ack in one statement.
func (s *Store) AckOutbox(ctx context.Context, conversationID, id string) error {
	upTo, ok := tickets.MessageSeq(conversationID, id)
	return s.direct(ctx, true, func(x *tx) error {
		if !ok {
			// As Tx.Ack: an unknown conversation first, then the id.
			var one int
			found, err := x.row(`SELECT 1 FROM conversations WHERE id = $1`, []any{conversationID}, &one)
			switch {
			case err != nil:
				return fmt.Errorf("ack: %w", err)
			case !found:
				return fmt.Errorf("ack: conversation %q: %w", conversationID, tickets.ErrNotFound)
			}
			return tickets.NeverSent(id)
		}
		var last int64
		found, err := x.row(ackDirect, []any{conversationID, int64(upTo)}, &last)
		switch {
		case err != nil:
			return fmt.Errorf("ack: %w", err)
		case !found:
			return fmt.Errorf("ack: conversation %q: %w", conversationID, tickets.ErrNotFound)
		case upTo > uint64(last):
			return tickets.NeverSent(id)
		}
		return nil
	})
}
