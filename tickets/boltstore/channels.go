package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/internal/record"
)

// keptChoiceSets is how many keyboards per conversation stay answerable:
// older ones have been answered or overtaken.
const keptChoiceSets = 8

// maxNotices bounds one Notices call.
const maxNotices = 500

var _ tickets.ChannelStore = (*Store)(nil)

// cursorKey is the kv key of a channel's cursor; "telegram.offset" is the
// key older versions wrote, so an upgrade keeps its place.
func cursorKey(ch tickets.Channel) []byte { return []byte(string(ch) + ".offset") }

// Cursor returns the channel's stored position, 0 when none.
func (s *Store) Cursor(ctx context.Context, ch tickets.Channel) (int64, error) {
	var v int64
	err := s.View(ctx, func(t tickets.Tx) error {
		b := t.(*tx).tx.Bucket(bucketKV).Get(cursorKey(ch))
		if len(b) == 0 {
			return nil
		}
		var err error
		v, err = strconv.ParseInt(string(b), 10, 64)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("boltstore: cursor of %s: %w", ch, err)
	}
	return v, nil
}

// SetCursor stores the channel's position.
func (s *Store) SetCursor(ctx context.Context, ch tickets.Channel, v int64) error {
	err := s.Update(ctx, func(t tickets.Tx) error {
		return t.(*tx).tx.Bucket(bucketKV).Put(cursorKey(ch), []byte(strconv.FormatInt(v, 10)))
	})
	if err != nil {
		return fmt.Errorf("boltstore: set cursor of %s: %w", ch, err)
	}
	return nil
}

// choicesKey is a keyboard's key: conversation, then message seq, so that
// one conversation's sets are adjacent and oldest first.
func choicesKey(convID string, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(appendString(nil, convID), seq)
}

// PutChoices keeps a keyboard's labels and drops the conversation's sets
// beyond the newest keptChoiceSets.
func (s *Store) PutChoices(ctx context.Context, convID string, seq uint64, labels []string) error {
	if convID == "" || len(labels) == 0 {
		return fmt.Errorf("boltstore: put choices: conversation %q, %d labels: %w", convID, len(labels), tickets.ErrInvalid)
	}
	v, err := record.Encode(labels)
	if err != nil {
		return err
	}
	err = s.Update(ctx, func(t tickets.Tx) error {
		b := t.(*tx).tx.Bucket(bucketChoices)
		if err := b.Put(choicesKey(convID, seq), v); err != nil {
			return err
		}
		prefix := appendString(nil, convID)
		var keys [][]byte
		c := b.Cursor()
		for k, _ := c.Seek(prefix); hasPrefix(k, prefix); k, _ = c.Next() {
			keys = append(keys, bytes.Clone(k))
		}
		for _, k := range keys[:max(0, len(keys)-keptChoiceSets)] {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("boltstore: put choices of %s: %w", convID, err)
	}
	return nil
}

// Choices returns the labels of a keyboard, nil when they are not kept.
func (s *Store) Choices(ctx context.Context, convID string, seq uint64) ([]string, error) {
	var labels []string
	err := s.View(ctx, func(t tickets.Tx) error {
		v := t.(*tx).tx.Bucket(bucketChoices).Get(choicesKey(convID, seq))
		if v == nil {
			return nil
		}
		return record.Decode(v, &labels)
	})
	if err != nil {
		return nil, fmt.Errorf("boltstore: choices of %s: %w", convID, err)
	}
	return labels, nil
}

func noticeKey(rank byte, seq uint64) []byte { return binary.BigEndian.AppendUint64([]byte{rank}, seq) }

// AddNotice stores n under the next notice sequence; keys sort by rank,
// then order of creation.
func (x *tx) AddNotice(n *tickets.Notice) error {
	if err := n.ValidateNew(); err != nil {
		return err
	}
	if n.CreatedAt.IsZero() {
		n.CreatedAt = x.now()
	}
	b := x.tx.Bucket(bucketNotices)
	seq, err := b.NextSequence()
	if err != nil {
		return fmt.Errorf("add notice: %w", err)
	}
	v, err := record.Encode(record.FromNotice(n))
	if err != nil {
		return err
	}
	k := noticeKey(byte(n.Rank), seq)
	if err := b.Put(k, v); err != nil {
		return fmt.Errorf("add notice: %w", err)
	}
	n.ID = record.NoticeID(n.Rank, seq)
	return nil
}

// Notices lists pending notices in key order: most urgent, then oldest.
func (s *Store) Notices(ctx context.Context, limit int) ([]tickets.Notice, error) {
	if limit <= 0 || limit > maxNotices {
		limit = maxNotices
	}
	var out []tickets.Notice
	err := s.View(ctx, func(t tickets.Tx) error {
		btx := t.(*tx).tx
		c := btx.Bucket(bucketNotices).Cursor()
		for k, v := c.First(); k != nil && len(out) < limit; k, v = c.Next() {
			if len(k) != 9 {
				return fmt.Errorf("notice key %x: corrupt", k)
			}
			var rec record.Notice
			if err := record.Decode(v, &rec); err != nil {
				return err
			}
			n := rec.Notice(int(k[0]), u64(k[1:]))
			tr, err := getTicket(btx, rec.TicketID)
			switch {
			case err == nil:
				n.Ticket = tr.Ticket()
			case !errors.Is(err, tickets.ErrNotFound):
				return err
			}
			out = append(out, n)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("boltstore: notices: %w", err)
	}
	return out, nil
}

// DeleteNotice removes a notice; an unknown id is fine, a malformed one is
// ErrInvalid.
func (s *Store) DeleteNotice(ctx context.Context, id string) error {
	rank, seq, ok := record.ParseNoticeID(id)
	if !ok {
		return fmt.Errorf("boltstore: delete notice %q: %w", id, tickets.ErrInvalid)
	}
	err := s.Update(ctx, func(t tickets.Tx) error {
		return t.(*tx).tx.Bucket(bucketNotices).Delete(noticeKey(byte(rank), seq))
	})
	if err != nil {
		return fmt.Errorf("boltstore: delete notice %s: %w", id, err)
	}
	return nil
}

// SetProgress stores how many parts of a message were delivered.
func (x *tx) SetProgress(convID, id string, parts int) error {
	seq, ok := tickets.MessageSeq(convID, id)
	if !ok || parts < 0 {
		return fmt.Errorf("set progress %q in %q: %w", id, convID, tickets.ErrInvalid)
	}
	b := x.tx.Bucket(bucketOutbox)
	k := outboxKey(convID, seq)
	v := b.Get(k)
	if v == nil {
		return nil // acknowledged meanwhile
	}
	var rec record.Message
	if err := record.Decode(v, &rec); err != nil {
		return fmt.Errorf("set progress %q in %q: %w", id, convID, err)
	}
	rec.Parts = parts
	nv, err := record.Encode(&rec)
	if err != nil {
		return err
	}
	if err := b.Put(k, nv); err != nil {
		return fmt.Errorf("set progress %q in %q: %w", id, convID, err)
	}
	return nil
}
