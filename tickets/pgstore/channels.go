package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/internal/record"
)

// keptChoiceSets is how many keyboards per conversation stay answerable.
const keptChoiceSets = 8

// maxNotices bounds one Notices call.
const maxNotices = 500

var _ tickets.ChannelStore = (*Store)(nil)

// cursorKey is the kv key of a channel's cursor (boltstore's name).
func cursorKey(ch tickets.Channel) string { return string(ch) + ".offset" }

// Cursor returns the channel's stored position, 0 when none.
func (s *Store) Cursor(ctx context.Context, ch tickets.Channel) (int64, error) {
	var v int64
	err := s.View(ctx, func(t tickets.Tx) error {
		b, err := t.Meta(cursorKey(ch))
		if errors.Is(err, tickets.ErrNotFound) || err == nil && len(b) == 0 {
			return nil
		}
		if err != nil {
			return err
		}
		v, err = strconv.ParseInt(string(b), 10, 64)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("pgstore: cursor of %s: %w", ch, err)
	}
	return v, nil
}

// SetCursor stores the channel's position.
func (s *Store) SetCursor(ctx context.Context, ch tickets.Channel, v int64) error {
	err := s.Update(ctx, func(t tickets.Tx) error {
		return t.SetMeta(cursorKey(ch), []byte(strconv.FormatInt(v, 10)))
	})
	if err != nil {
		return fmt.Errorf("pgstore: set cursor of %s: %w", ch, err)
	}
	return nil
}

// PutChoices keeps a keyboard's labels and drops the conversation's sets
// beyond the newest keptChoiceSets.
func (s *Store) PutChoices(ctx context.Context, convID string, seq uint64, labels []string) error {
	if convID == "" || len(labels) == 0 {
		return fmt.Errorf("pgstore: put choices: conversation %q, %d labels: %w", convID, len(labels), tickets.ErrInvalid)
	}
	v, err := record.Encode(labels)
	if err != nil {
		return err
	}
	err = s.Update(ctx, func(t tickets.Tx) error {
		x := t.(*tx)
		if _, err := x.exec(`INSERT INTO choices (conversation_id, seq, labels) VALUES ($1, $2, $3)
			ON CONFLICT (conversation_id, seq) DO UPDATE SET labels = EXCLUDED.labels`, convID, int64(seq), v); err != nil {
			return err
		}
		_, err := x.exec(`DELETE FROM choices WHERE conversation_id = $1 AND seq < (
			SELECT min(seq) FROM (SELECT seq FROM choices WHERE conversation_id = $1 ORDER BY seq DESC LIMIT $2) newest)`,
			convID, keptChoiceSets)
		return err
	})
	if err != nil {
		return fmt.Errorf("pgstore: put choices of %s: %w", convID, err)
	}
	return nil
}

// Choices returns the labels of a keyboard, nil when they are not kept.
func (s *Store) Choices(ctx context.Context, convID string, seq uint64) ([]string, error) {
	var labels []string
	err := s.View(ctx, func(t tickets.Tx) error {
		var v []byte
		found, err := t.(*tx).row(`SELECT labels FROM choices WHERE conversation_id = $1 AND seq = $2`,
			[]any{convID, int64(min(seq, 1<<63-1))}, &v)
		if err != nil || !found {
			return err
		}
		return record.Decode(v, &labels)
	})
	if err != nil {
		return nil, fmt.Errorf("pgstore: choices of %s: %w", convID, err)
	}
	return labels, nil
}

// AddNotice stores n under the next notice number.
func (x *tx) AddNotice(n *tickets.Notice) error {
	if err := n.ValidateNew(); err != nil {
		return err
	}
	if !x.write {
		return errReadOnly
	}
	if n.CreatedAt.IsZero() {
		n.CreatedAt = x.now()
	}
	v, err := record.Encode(record.FromNotice(n))
	if err != nil {
		return err
	}
	var ticketSeq *int64
	if seq, ok := record.ParseTicketID(n.TicketID); ok {
		v := int64(seq)
		ticketSeq = &v
	}
	var id int64
	if _, err := x.row(`INSERT INTO notices (id, rank, ticket_seq, doc) VALUES (nextval('notice_seq'), $1, $2, $3) RETURNING id`,
		[]any{n.Rank, ticketSeq, v}, &id); err != nil {
		return fmt.Errorf("add notice: %w", err)
	}
	n.ID = record.NoticeID(n.Rank, uint64(id))
	return nil
}

// Notices lists pending notices, most urgent first, then oldest, each with
// its ticket as it is now.
func (s *Store) Notices(ctx context.Context, limit int) ([]tickets.Notice, error) {
	if limit <= 0 || limit > maxNotices {
		limit = maxNotices
	}
	var out []tickets.Notice
	err := s.View(ctx, func(t tickets.Tx) error {
		var err error
		out, err = rows(t.(*tx), `SELECT n.id, n.rank, n.doc, t.doc FROM notices n LEFT JOIN tickets t ON t.seq = n.ticket_seq
			ORDER BY n.rank, n.id LIMIT $1`, []any{limit}, func(r pgx.Rows) (tickets.Notice, error) {
			var id int64
			var rank int
			var doc, tdoc []byte
			if err := r.Scan(&id, &rank, &doc, &tdoc); err != nil {
				return tickets.Notice{}, err
			}
			var rec record.Notice
			if err := record.Decode(doc, &rec); err != nil {
				return tickets.Notice{}, err
			}
			n := rec.Notice(rank, uint64(id))
			if tdoc != nil {
				var tr record.Ticket
				if err := json.Unmarshal(tdoc, &tr); err != nil {
					return n, fmt.Errorf("ticket of notice %s: corrupt record: %w", n.ID, err)
				}
				n.Ticket = tr.Ticket()
			}
			return n, nil
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("pgstore: notices: %w", err)
	}
	return out, nil
}

// DeleteNotice removes a notice; an unknown id is fine, a malformed one is
// ErrInvalid.
func (s *Store) DeleteNotice(ctx context.Context, id string) error {
	rank, seq, ok := record.ParseNoticeID(id)
	if !ok || seq > math.MaxInt64 {
		return fmt.Errorf("pgstore: delete notice %q: %w", id, tickets.ErrInvalid)
	}
	err := s.Update(ctx, func(t tickets.Tx) error {
		_, err := t.(*tx).exec(`DELETE FROM notices WHERE id = $1 AND rank = $2`, int64(seq), rank)
		return err
	})
	if err != nil {
		return fmt.Errorf("pgstore: delete notice %s: %w", id, err)
	}
	return nil
}
