// Package replicatest makes one process's store look like a store shared by
// replicas, for tests of what replicas do with one (wake-ups from other
// replicas' commits, leases) without a database server: several engines in
// one test use one Shared as replicas use one PostgreSQL database.
package replicatest

import (
	"context"
	"sync"

	"github.com/triagebot/triagebot/tickets"
)

// Shared wraps a store with tickets.OutboxWatcher (every watcher hears of
// every Enqueue, after commit, as every replica hears a NOTIFY) and
// tickets.Leaser (one holder per lease name in the whole test).
type Shared struct {
	tickets.Store

	mu       sync.Mutex
	watchers []func(tickets.Channel, string)
	leases   map[string]*lease
	freed    chan struct{} // closed and replaced whenever a lease is freed
}

type lease struct {
	cancel context.CancelFunc
}

// New wraps s.
func New(s tickets.Store) *Shared {
	return &Shared{Store: s, leases: map[string]*lease{}, freed: make(chan struct{})}
}

var (
	_ tickets.OutboxWatcher = (*Shared)(nil)
	_ tickets.Leaser        = (*Shared)(nil)
)

// WatchOutbox implements tickets.OutboxWatcher.
func (s *Shared) WatchOutbox(fn func(ch tickets.Channel, conversationID string)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.watchers = append(s.watchers, fn)
}

// Wake calls every watcher as a commit to conversation id would: a test
// sends a duplicate wake-up with it.
func (s *Shared) Wake(ch tickets.Channel, id string) {
	s.mu.Lock()
	ws := append([]func(tickets.Channel, string){}, s.watchers...)
	s.mu.Unlock()
	for _, fn := range ws {
		fn(ch, id)
	}
}

type enqueued struct {
	ch tickets.Channel
	id string
}

// Update runs fn, noting the conversations it enqueued to, and wakes the
// watchers after the commit.
func (s *Shared) Update(ctx context.Context, fn func(tickets.Tx) error) error {
	var got []enqueued
	err := s.Store.Update(ctx, func(tx tickets.Tx) error {
		got = got[:0] // fn may run more than once; only the committed run counts
		return fn(&watchedTx{Tx: tx, got: &got})
	})
	if err != nil {
		return err
	}
	for _, e := range got {
		s.Wake(e.ch, e.id)
	}
	return nil
}

type watchedTx struct {
	tickets.Tx
	got *[]enqueued
}

func (x *watchedTx) Enqueue(m *tickets.OutMessage) error {
	if err := x.Tx.Enqueue(m); err != nil {
		return err
	}
	c, err := x.Tx.Conversation(m.ConversationID)
	if err != nil {
		return err
	}
	*x.got = append(*x.got, enqueued{ch: c.Channel, id: c.ID})
	return nil
}

// Lead implements tickets.Leaser: it waits until no one holds name.
func (s *Shared) Lead(ctx context.Context, name string) (context.Context, func(), error) {
	for {
		s.mu.Lock()
		if s.leases[name] == nil {
			// As pgstore's: the lease outlives ctx (which only bounds the
			// wait); it ends with release or Revoke.
			held, cancel := context.WithCancel(context.WithoutCancel(ctx))
			l := &lease{cancel: cancel}
			s.leases[name] = l
			s.mu.Unlock()
			return held, func() { s.free(name, l) }, nil
		}
		freed := s.freed
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		case <-freed:
		}
	}
}

// Revoke ends the lease name as a lost connection would; the holder's held
// context ends and another may lead.
func (s *Shared) Revoke(name string) {
	s.mu.Lock()
	l := s.leases[name]
	s.mu.Unlock()
	if l != nil {
		s.free(name, l)
	}
}

// Held reports whether someone holds name.
func (s *Shared) Held(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.leases[name] != nil
}

func (s *Shared) free(name string, l *lease) {
	l.cancel()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.leases[name] == l {
		delete(s.leases, name)
		close(s.freed)
		s.freed = make(chan struct{})
	}
}
