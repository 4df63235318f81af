package boltstore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/internal/record"
)

// CreateTicket assigns the next id and stores t with its index entries.
// Zero Status becomes open; zero CreatedAt becomes now; zero UpdatedAt
// becomes CreatedAt.
func (x *tx) CreateTicket(t *tickets.Ticket) error {
	if err := t.PrepareNew(x.now()); err != nil {
		return err
	}
	b := x.tx.Bucket(bucketTickets)
	// NextSequence is rolled back with the transaction, so a call the group
	// commit takes out and runs again alone does not leave a gap in the ids.
	seq, err := b.NextSequence()
	if err != nil {
		return fmt.Errorf("create ticket: %w", err)
	}
	rec := record.FromTicket(t, seq)
	if err := putTicket(x.tx, nil, &rec); err != nil {
		return fmt.Errorf("create ticket: %w", err)
	}
	if t.ConversationID != "" {
		if err := markHadTicket(x.tx, t.ConversationID); err != nil {
			return fmt.Errorf("create ticket: conversation %q: %w", t.ConversationID, err)
		}
	}
	t.ID = record.FormatTicketID(seq)
	if err := x.recordChange(seq, nil, t); err != nil {
		return fmt.Errorf("create ticket %s: %w", t.ID, err)
	}
	windowed(t, &rec)
	return nil
}

// recordChange keeps the search index in step with a ticket write and
// records its event, in the write's transaction. after is the ticket as
// the caller wrote it, before the window moved entries to the archive.
func (x *tx) recordChange(seq uint64, before, after *tickets.Ticket) error {
	kind := tickets.ChangeKind(before, after, after.TakeChange())
	if err := indexTicket(x.tx, seq, before, after); err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	return x.appendEvent(kind, before, after)
}

// windowed makes the caller's ticket match what was stored: the entries
// moved to the archive leave its Transcript, so a second PutTicket of the
// same value in one transaction starts where the stored ticket does.
func windowed(t *tickets.Ticket, rec *record.Ticket) {
	if int(rec.Archived) == t.TranscriptFrom {
		return
	}
	t.Transcript = t.Transcript[len(t.Transcript)-len(rec.Transcript):]
	t.TranscriptFrom = int(rec.Archived)
}

// Ticket returns one ticket; a malformed id is simply not found.
func (x *tx) Ticket(id string) (tickets.Ticket, error) {
	rec, err := getTicket(x.tx, id)
	if err != nil {
		return tickets.Ticket{}, err
	}
	return rec.Ticket(), nil
}

// PutTicket replaces an existing ticket and moves its index entries.
func (x *tx) PutTicket(t *tickets.Ticket) error {
	if err := t.Validate(); err != nil {
		return fmt.Errorf("put ticket: %w", err)
	}
	old, err := getTicket(x.tx, t.ID)
	if err != nil {
		return fmt.Errorf("put ticket: %w", err)
	}
	if uint64(t.TranscriptFrom) != old.Archived {
		// The caller's transcript does not start where the stored one
		// does (it was read whole, or edited): storing it would duplicate
		// or lose archived entries.
		return fmt.Errorf("put ticket %s: transcript starts at entry %d, the stored one at %d: %w",
			t.ID, t.TranscriptFrom, old.Archived, tickets.ErrInvalid)
	}
	rec := record.FromTicket(t, old.Seq)
	rec.PurgedAt = old.PurgedAt
	if err := putTicket(x.tx, &old, &rec); err != nil {
		return fmt.Errorf("put ticket %s: %w", t.ID, err)
	}
	before := old.Ticket()
	if err := x.recordChange(old.Seq, &before, t); err != nil {
		return fmt.Errorf("put ticket %s: %w", t.ID, err)
	}
	windowed(t, &rec)
	return nil
}

// getTicket loads a ticket record by public id.
func getTicket(btx *bolt.Tx, id string) (record.Ticket, error) {
	seq, ok := record.ParseTicketID(id)
	if !ok {
		return record.Ticket{}, fmt.Errorf("ticket %q: %w", id, tickets.ErrNotFound)
	}
	return getTicketSeq(btx, seq)
}

// badCursor refuses an after= that names no ticket of the list.
func badCursor(after string) error {
	return tickets.Refuse(tickets.ErrInvalid, "after=%.20q names no ticket.", after)
}

func getTicketSeq(btx *bolt.Tx, seq uint64) (record.Ticket, error) {
	v := btx.Bucket(bucketTickets).Get(be64(seq))
	if v == nil {
		return record.Ticket{}, fmt.Errorf("ticket %s: %w", record.FormatTicketID(seq), tickets.ErrNotFound)
	}
	var rec record.Ticket
	if err := record.Decode(v, &rec); err != nil {
		return record.Ticket{}, fmt.Errorf("ticket %s: %w", record.FormatTicketID(seq), err)
	}
	return rec, nil
}

// indexKeys lists every queue-view index entry of a ticket, by bucket. Adding
// an index means adding it here; putTicket then keeps it in step.
func indexKeys(r *record.Ticket) [][2][]byte {
	suffix := indexSuffix(nil, r)
	status := appendString(nil, r.Status)
	queue := appendString(nil, r.Queue)
	return [][2][]byte{
		{bucketIdxAll, suffix},
		{bucketIdxStatus, slices.Concat(status, suffix)},
		{bucketIdxQueue, slices.Concat(queue, suffix)},
		{bucketIdxQueueState, slices.Concat(queue, status, suffix)},
		{bucketIdxUser, userKey(r)},
	}
}

// putTicket writes rec and, in the same transaction, replaces old's index
// entries and count with rec's. old is nil for a new ticket.
func putTicket(btx *bolt.Tx, old, rec *record.Ticket) error {
	if err := archiveOverflow(btx, rec); err != nil {
		return err
	}
	if err := moveResolved(btx, old, rec); err != nil {
		return err
	}
	v, err := record.Encode(rec)
	if err != nil {
		return err
	}
	if err := btx.Bucket(bucketTickets).Put(be64(rec.Seq), v); err != nil {
		return err
	}
	newKeys := indexKeys(rec)
	if old != nil {
		for i, ok := range indexKeys(old) {
			if bytes.Equal(ok[1], newKeys[i][1]) {
				continue
			}
			if err := btx.Bucket(ok[0]).Delete(ok[1]); err != nil {
				return err
			}
		}
		if err := addCount(btx, countKey(old), -1); err != nil {
			return err
		}
	}
	for _, nk := range newKeys {
		if err := btx.Bucket(nk[0]).Put(nk[1], nil); err != nil {
			return err
		}
	}
	if err := putQualityIndexes(btx, old, rec); err != nil {
		return err
	}
	return addCount(btx, countKey(rec), 1)
}

// addCount adjusts one group's count, deleting groups that reach zero so
// CountTickets only walks groups that exist.
func addCount(btx *bolt.Tx, key []byte, delta int64) error {
	b := btx.Bucket(bucketCounts)
	var n int64
	if v := b.Get(key); len(v) == 8 {
		n = int64(u64(v))
	}
	n += delta
	if n < 0 {
		return fmt.Errorf("count for %x went negative: index corrupt", key)
	}
	if n == 0 {
		return b.Delete(key)
	}
	return b.Put(key, be64(uint64(n)))
}

// Tickets walks the one index whose leading fields are the filter's, so a
// page costs a seek plus Limit reads whatever the number of tickets.
func (x *tx) Tickets(f tickets.Filter) ([]tickets.Ticket, error) {
	if f.Status != "" && !f.Status.Valid() {
		return nil, fmt.Errorf("list tickets: status %q: %w", f.Status, tickets.ErrInvalid)
	}
	if f.Priority != "" && !f.Priority.Valid() {
		return nil, fmt.Errorf("list tickets: priority %q: %w", f.Priority, tickets.ErrInvalid)
	}
	limit := f.Limit
	switch {
	case limit < 0:
		return nil, fmt.Errorf("list tickets: limit %d: %w", limit, tickets.ErrInvalid)
	case limit == 0:
		limit = tickets.DefaultLimit
	case limit > tickets.MaxLimit:
		limit = tickets.MaxLimit
	}

	if f.Q != "" {
		return x.search(f, limit)
	}
	if len(f.Queues) > 0 {
		return x.ticketsInQueues(f, limit)
	}

	var bucket, fixed []byte // fixed: the filter's fields before the ordering suffix
	switch {
	case f.Status == "" && f.Queue == "":
		bucket = bucketIdxAll
	case f.Queue == "":
		bucket, fixed = bucketIdxStatus, appendString(nil, string(f.Status))
	case f.Status == "":
		bucket, fixed = bucketIdxQueue, appendString(nil, f.Queue)
	default:
		bucket, fixed = bucketIdxQueueState, appendString(appendString(nil, f.Queue), string(f.Status))
	}
	prefix := fixed
	if f.Priority != "" {
		prefix = append(slices.Clip(fixed), byte(f.Priority.Rank()))
	}

	start := prefix
	if f.After != "" {
		seq, ok := record.ParseTicketID(f.After)
		if !ok {
			return nil, badCursor(f.After)
		}
		after, err := getTicketSeq(x.tx, seq)
		if errors.Is(err, tickets.ErrNotFound) {
			return nil, badCursor(f.After)
		} else if err != nil {
			return nil, fmt.Errorf("list tickets: cursor: %w", err)
		}
		// Where the cursor ticket sits (or would sit, if it has since
		// changed) in this filter's order; the page starts just after it.
		start = indexSuffix(slices.Clip(fixed), &after)
		start = append(start, 0) // the smallest key after start itself
		if bytes.Compare(start, prefix) < 0 {
			start = prefix
		}
	}

	out := make([]tickets.Ticket, 0, min(limit, 64))
	c := x.tx.Bucket(bucket).Cursor()
	for k, _ := c.Seek(start); hasPrefix(k, prefix) && len(out) < limit; k, _ = c.Next() {
		rec, err := getTicketSeq(x.tx, binary.BigEndian.Uint64(k[len(k)-8:]))
		if err != nil {
			return nil, fmt.Errorf("list tickets: index entry %x: %w", k, err)
		}
		out = append(out, rec.Ticket())
	}
	return out, nil
}

// TicketsOfUser lists a user's tickets on a channel, newest first.
func (x *tx) TicketsOfUser(ch tickets.Channel, userID string) ([]tickets.Ticket, error) {
	prefix := appendString(appendString(nil, string(ch)), userID)
	var out []tickets.Ticket
	c := x.tx.Bucket(bucketIdxUser).Cursor()
	for k, _ := c.Seek(prefix); hasPrefix(k, prefix); k, _ = c.Next() {
		rec, err := getTicketSeq(x.tx, binary.BigEndian.Uint64(k[len(k)-8:]))
		if err != nil {
			return nil, fmt.Errorf("tickets of user: index entry %x: %w", k, err)
		}
		out = append(out, rec.Ticket())
	}
	slices.Reverse(out) // keys ascend by sequence; newest is last
	return out, nil
}

// CountTickets reads the counts bucket: one entry per (status, queue,
// priority) group that has tickets, kept in step by putTicket.
func (x *tx) CountTickets() (map[tickets.TicketKey]int, error) {
	out := make(map[tickets.TicketKey]int)
	err := x.tx.Bucket(bucketCounts).ForEach(func(k, v []byte) error {
		status, rest, err := readString(k)
		if err != nil {
			return err
		}
		queue, rest, err := readString(rest)
		if err != nil {
			return err
		}
		prio, _, err := readString(rest)
		if err != nil {
			return err
		}
		if len(v) != 8 {
			return fmt.Errorf("count for %x is %d bytes", k, len(v))
		}
		out[tickets.TicketKey{Status: tickets.Status(status), Queue: queue, Priority: tickets.Priority(prio)}] = int(u64(v))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("count tickets: %w", err)
	}
	return out, nil
}

// ticketsInQueues lists the tickets of several queues in the one global
// order by merging one cursor per queue, so a page costs Limit reads plus a
// seek per queue, however many tickets the other queues hold.
func (x *tx) ticketsInQueues(f tickets.Filter, limit int) ([]tickets.Ticket, error) {
	queues := f.Queues
	if f.Queue != "" {
		if !slices.Contains(queues, f.Queue) {
			return []tickets.Ticket{}, nil
		}
		queues = []string{f.Queue}
	}
	var after *record.Ticket
	if f.After != "" {
		seq, ok := record.ParseTicketID(f.After)
		if !ok {
			return nil, badCursor(f.After)
		}
		rec, err := getTicketSeq(x.tx, seq)
		if errors.Is(err, tickets.ErrNotFound) {
			return nil, badCursor(f.After)
		} else if err != nil {
			return nil, fmt.Errorf("list tickets: cursor: %w", err)
		}
		after = &rec
	}
	type walk struct {
		c      *bolt.Cursor
		prefix []byte
		fixed  int // length of the queue (and status) part of a key
		k      []byte
	}
	var walks []*walk
	for i, q := range queues {
		if slices.Contains(queues[:i], q) {
			continue
		}
		bucket, fixed := bucketIdxQueue, appendString(nil, q)
		if f.Status != "" {
			bucket, fixed = bucketIdxQueueState, appendString(fixed, string(f.Status))
		}
		prefix := fixed
		if f.Priority != "" {
			prefix = append(slices.Clip(fixed), byte(f.Priority.Rank()))
		}
		start := prefix
		if after != nil {
			start = append(indexSuffix(slices.Clip(fixed), after), 0)
			if bytes.Compare(start, prefix) < 0 {
				start = prefix
			}
		}
		w := &walk{c: x.tx.Bucket(bucket).Cursor(), prefix: prefix, fixed: len(fixed)}
		if w.k, _ = w.c.Seek(start); hasPrefix(w.k, prefix) {
			walks = append(walks, w)
		}
	}
	out := make([]tickets.Ticket, 0, min(limit, 64))
	for len(out) < limit && len(walks) > 0 {
		best := 0
		for i, w := range walks[1:] {
			if bytes.Compare(w.k[w.fixed:], walks[best].k[walks[best].fixed:]) < 0 {
				best = i + 1
			}
		}
		w := walks[best]
		rec, err := getTicketSeq(x.tx, binary.BigEndian.Uint64(w.k[len(w.k)-8:]))
		if err != nil {
			return nil, fmt.Errorf("list tickets: index entry %x: %w", w.k, err)
		}
		out = append(out, rec.Ticket())
		if w.k, _ = w.c.Next(); !hasPrefix(w.k, w.prefix) {
			walks = slices.Delete(walks, best, best+1)
		}
	}
	return out, nil
}
