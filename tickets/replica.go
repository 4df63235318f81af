package tickets

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// A store shared by several processes (replicas) implements these beside
// Store. The embedded bbolt store belongs to one process and implements
// neither: its process is the only one, so it always leads and its own
// commits are the only ones to hear of.

// OutboxDirect is implemented by a store for which every transaction costs
// round trips to a database server (pgstore). Reading and acknowledging an
// outbox are every channel's hottest path, so such a store does each in
// one statement, where View or Update would take two round trips. The
// semantics are Tx.Outbox's and Tx.Ack's, errors included; a store without
// it is used through View and Update.
type OutboxDirect interface {
	ReadOutbox(ctx context.Context, conversationID string) ([]OutMessage, error)
	AckOutbox(ctx context.Context, conversationID, messageID string) error
}

// OutboxTail is implemented by a store that remembers what its own last
// commit enqueued to a conversation (pgstore), so that the channel it
// wakes need not read those messages back. OutboxAfter returns the
// conversation's messages after Seq after when it knows them all without
// a read, oldest first; ok false means: read the outbox (ReadOutbox). It
// never claims to know while a message after them may exist that was not
// yet announced to this process's watchers.
type OutboxTail interface {
	OutboxAfter(conversationID string, after uint64) (msgs []OutMessage, ok bool)
}

// OutboxWatcher tells this process of outbox messages committed by any
// process, so that the replica holding a user's connection wakes it when a
// reply was written on another replica.
type OutboxWatcher interface {
	// WatchOutbox registers fn, called after commit with the channel and
	// conversation of every Enqueue: this process's own commits included
	// (before Update returns), the others' from the store's listener. fn
	// must not block. A wake-up may come twice, late, or for a message
	// already delivered: a channel reads the outbox to see what is new.
	WatchOutbox(fn func(ch Channel, conversationID string))
}

// GroupUpdater is a store whose transactions cost a round trip to a
// database server each, and that can run the functions of several callers
// in one (a group commit; boltstore's Update always does). UpdateGroup is
// Update for a function that reads and changes the rows of one
// conversation and its ticket, such as a dialogue turn: the store runs it
// alone when another function of the group holds one of those rows, or
// when the group fails, so fn may run more than once.
type GroupUpdater interface {
	UpdateGroup(ctx context.Context, fn func(Tx) error) error
}

// Hinter carries hints that are never stored, such as an agent typing, to
// the other processes sharing the store, so that the replica holding the
// user's connection shows what an agent on another replica does. Hints are
// best effort: one may be dropped under load, or lost with a replica, and
// neither method blocks.
type Hinter interface {
	// Hint sends h to the other processes (this one's watchers are not
	// called: the caller has already acted on it here).
	Hint(h Hint)
	// WatchHints registers fn, called with each hint another process sent.
	// fn must not block.
	WatchHints(fn func(Hint))
}

// Hint is one transient hint about one conversation.
type Hint struct {
	Kind           HintKind `json:"kind"`
	Channel        Channel  `json:"channel"`
	ConversationID string   `json:"conversation_id"`
	Agent          string   `json:"agent,omitempty"` // who, for HintTyping
}

// HintKind says what a Hint means.
type HintKind string

// HintTyping: Agent is typing a reply in the conversation.
const HintTyping HintKind = "typing"

// Leaser elects one process among replicas for a duty only one may do at a
// time (Telegram's long poll, sending a channel's outbox).
type Leaser interface {
	// Lead blocks until this process holds the lease called name, or ctx
	// ends (then it returns ctx's error). The returned context ends when the
	// lease is lost (the store's connection failed) or release is called;
	// the duty must stop then. A process that dies loses its lease with its
	// connection, so another takes over.
	Lead(ctx context.Context, name string) (held context.Context, release func(), err error)
}

// WhileLeading runs duty each time this process holds the lease name, until
// ctx ends: it waits for the lease, runs duty with a context that ends when
// the lease is lost or ctx ends, releases the lease, and waits for it
// again. It returns nil once ctx ends, or duty's error when duty fails
// while the lease still holds. A failed attempt to lead is logged and
// retried with a growing pause.
func WhileLeading(ctx context.Context, l Leaser, name string, log *slog.Logger, duty func(context.Context) error) error {
	log = log.With("lease", name)
	for fails := 0; ctx.Err() == nil; {
		held, release, err := l.Lead(ctx, name)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			fails++
			wait := min(time.Duration(fails)*time.Second, 30*time.Second)
			log.Warn("asking for a lease failed; retrying", "wait", wait, "err", err)
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
			case <-t.C:
			}
			t.Stop()
			continue
		}
		fails = 0
		log.Info("this process holds the lease")
		// A lease outlives the ctx of Lead until released: the term ends
		// with whichever ends first.
		term, end := context.WithCancel(ctx)
		stop := context.AfterFunc(held, end)
		err = duty(term)
		lost := held.Err() != nil
		stop()
		end()
		release()
		switch {
		case ctx.Err() != nil:
			return nil
		case lost:
			log.Warn("lost the lease (the store's connection failed?); another process may hold it now")
		case err != nil && !errors.Is(err, context.Canceled):
			return err
		}
	}
	return nil
}
