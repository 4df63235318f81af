package boltstore

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/internal/record"
)

// Retention of the events bucket: the agents' stream needs only what a
// console that lost its connection has missed, so the bucket is kept to the
// newest MaxEvents and to MaxEventAge. A client further behind is told to
// reload (see EventRange).
const (
	MaxEvents   = 100_000
	MaxEventAge = 7 * 24 * time.Hour
	// pruneBatch bounds the events one write removes, so a write after a
	// long quiet week does not do a week's pruning at once; each write
	// removes more than it adds, so the bucket converges.
	pruneBatch = 16
)

// record.Event is how an event is stored: the stream's JSON as is, with the
// time it was written for age-based pruning.
type storedEvent struct {
	At    time.Time       `json:"at"`
	Event json.RawMessage `json:"event"`
}

// appendEvent writes the event of a ticket write in the same transaction as
// the write, so the stream can never miss or invent a change, and prunes
// what retention no longer keeps.
//
// One operation that writes a ticket twice (a claim, then the line telling
// the user) makes one event: the second write replaces the first's event,
// keeping the first's kind unless that was only a message or an update.
func (x *tx) appendEvent(kind tickets.EventKind, before, after *tickets.Ticket) error {
	b := x.tx.Bucket(bucketEvents)
	var seq uint64
	if p, ok := x.events[after.ID]; ok {
		seq, before = p.seq, p.before
		if p.kind != tickets.EventMessage && p.kind != tickets.EventUpdated || kind == tickets.EventUpdated {
			kind = p.kind
		}
	} else {
		var err error
		if seq, err = b.NextSequence(); err != nil {
			return fmt.Errorf("append event: %w", err)
		}
	}
	if x.events == nil {
		x.events = make(map[string]pendingEvent)
	}
	x.events[after.ID] = pendingEvent{seq: seq, kind: kind, before: before}
	ev, err := json.Marshal(tickets.NewEvent(kind, before, after))
	if err != nil {
		return fmt.Errorf("append event: %w", err)
	}
	now := x.now()
	v, err := record.Encode(&storedEvent{At: now, Event: ev})
	if err != nil {
		return fmt.Errorf("append event: %w", err)
	}
	if err := b.Put(be64(seq), v); err != nil {
		return fmt.Errorf("append event: %w", err)
	}
	x.markChanged()
	return pruneEvents(b, seq, now)
}

// pendingEvent is an event written earlier in the same operation.
type pendingEvent struct {
	seq    uint64
	kind   tickets.EventKind
	before *tickets.Ticket
}

// pruneEvents deletes up to pruneBatch of the oldest events that are over
// MaxEvents behind last or older than MaxEventAge.
func pruneEvents(b *bolt.Bucket, last uint64, now time.Time) error {
	c := b.Cursor()
	for i := 0; i < pruneBatch; i++ {
		k, v := c.First()
		if k == nil || u64(k) == last {
			return nil
		}
		if last-u64(k) < MaxEvents {
			var se storedEvent
			if err := record.Decode(v, &se); err == nil && now.Sub(se.At) <= MaxEventAge {
				return nil
			}
		}
		if err := c.Delete(); err != nil {
			return fmt.Errorf("prune events: %w", err)
		}
	}
	return nil
}

// Events lists the events after seq, oldest first.
func (x *tx) Events(after uint64, limit int) ([]tickets.Event, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("events: limit %d: %w", limit, tickets.ErrInvalid)
	}
	var out []tickets.Event
	c := x.tx.Bucket(bucketEvents).Cursor()
	for k, v := c.Seek(be64(after + 1)); k != nil && len(out) < limit; k, v = c.Next() {
		var se storedEvent
		if err := record.Decode(v, &se); err != nil {
			return nil, fmt.Errorf("event %d: %w", u64(k), err)
		}
		var e tickets.Event
		if err := json.Unmarshal(se.Event, &e); err != nil {
			return nil, fmt.Errorf("event %d: %w", u64(k), err)
		}
		e.Seq = u64(k)
		out = append(out, e)
	}
	return out, nil
}

// EventRange returns the oldest and newest event kept. The bucket's
// sequence is the newest ever assigned, so when everything was pruned the
// range is (newest+1, newest).
func (x *tx) EventRange() (oldest, newest uint64, err error) {
	b := x.tx.Bucket(bucketEvents)
	newest = b.Sequence()
	if k, _ := b.Cursor().First(); k != nil {
		return u64(k), newest, nil
	}
	if newest == 0 {
		return 0, 0, nil
	}
	return newest + 1, newest, nil
}

// notifier wakes the agents' streams after a commit that wrote events: a
// channel closed and replaced per such commit, so waiting costs nothing and
// every waiter wakes once however many streams there are.
type notifier struct {
	ch chan struct{}
}

// Changed returns the channel the next notifying commit closes.
func (s *Store) Changed() <-chan struct{} {
	s.notifyMu.Lock()
	defer s.notifyMu.Unlock()
	return s.notify.ch
}

func (s *Store) wake() {
	s.notifyMu.Lock()
	close(s.notify.ch)
	s.notify.ch = make(chan struct{})
	s.notifyMu.Unlock()
}
