package tickets

import "context"

// A store shared by several processes (replicas) implements these beside
// Store. The embedded bbolt store belongs to one process and implements
// neither: its process is the only one, so it always leads and its own
// commits are the only ones to hear of.

// OutboxWatcher tells this process of outbox messages committed by any
// process, so that the replica holding a user's connection wakes it when a
// reply was written on another replica.
type OutboxWatcher interface {
	// WatchOutbox registers fn, called (from the store's listener, after
	// commit, in commit order per conversation) with the channel and
	// conversation of every Enqueue. fn must not block. A wake-up may come
	// twice, or for a message already delivered: a channel reads the outbox
	// to see what is new.
	WatchOutbox(fn func(ch Channel, conversationID string))
}

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
