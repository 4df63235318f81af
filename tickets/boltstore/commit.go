package boltstore

import (
	"fmt"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// committer is a group commit: concurrent Updates share transactions, so
// many dialogue turns share one fsync.
//
// The first caller that finds no commit in progress leads: it commits every
// call queued at that moment in one transaction. Calls that arrive while
// that transaction is syncing queue up, and when it is done the leader hands
// the lead to the oldest of them, who commits them all at once. Unlike
// bbolt's Batch, a batch is closed only when it gets the write lock, so under
// a backlog each commit carries everything that waited for it instead of
// timer-sized slices, and a lone call on a quiet server waits for nothing.
// No goroutine of its own: leaders are callers.
type committer struct {
	db *bolt.DB

	mu      sync.Mutex
	queue   []*call
	leading bool // a caller is committing or about to
}

type call struct {
	fn   func(*bolt.Tx) error
	done chan outcome // buffered: a leader never blocks on delivery
}

// outcome is what a queued call learns: its result, that it now leads, or
// that it failed inside a shared transaction and must run alone.
type outcome struct {
	err  error
	lead bool
	solo bool
}

func (c *committer) update(fn func(*bolt.Tx) error) error {
	me := &call{fn: fn, done: make(chan outcome, 1)}
	c.mu.Lock()
	c.queue = append(c.queue, me)
	lead := !c.leading
	c.leading = true
	c.mu.Unlock()

	if !lead {
		o := <-me.done
		if !o.lead {
			return c.finish(me, o)
		}
	}
	c.commitQueued()
	return c.finish(me, <-me.done)
}

// finish turns an outcome into the caller's result. A call that failed in a
// shared transaction runs again alone, so its error (or success) never
// depends on what other calls wrote before it.
func (c *committer) finish(me *call, o outcome) error {
	if o.solo {
		return c.db.Update(func(tx *bolt.Tx) error { return safely(me.fn, tx) })
	}
	return o.err
}

// commitQueued commits every queued call in one transaction, taking out and
// retrying without any call that fails, then passes the lead on.
func (c *committer) commitQueued() {
	c.mu.Lock()
	calls := c.queue
	c.queue = nil
	c.mu.Unlock()

	for len(calls) > 0 {
		failed := -1
		err := c.db.Update(func(tx *bolt.Tx) error {
			for i, cl := range calls {
				if err := safely(cl.fn, tx); err != nil {
					failed = i
					return err
				}
			}
			return nil
		})
		if failed >= 0 {
			calls[failed].done <- outcome{solo: true}
			calls = append(calls[:failed], calls[failed+1:]...)
			continue
		}
		for _, cl := range calls {
			cl.done <- outcome{err: err} // success, or a commit error for all
		}
		break
	}

	c.mu.Lock()
	if len(c.queue) > 0 {
		c.queue[0].done <- outcome{lead: true}
	} else {
		c.leading = false
	}
	c.mu.Unlock()
}

// safely runs fn, turning a panic into an error so one bad call cannot take
// down the leader that runs it on behalf of others.
func safely(fn func(*bolt.Tx) error, tx *bolt.Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("boltstore: panic in transaction: %v", p)
		}
	}()
	return fn(tx)
}
