package boltstore

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
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
//
// A panic in the commit itself (bbolt meeting a corrupt page, say) is
// recovered: every call of the batch gets an error, the lead is passed on,
// and the failure is kept for Health until a later commit succeeds. Before,
// such a panic left the leader flag set and every later write waited for ever.
type committer struct {
	db *bolt.DB

	mu      sync.Mutex
	queue   []*call
	leading bool // a caller is committing or about to
	// failure is why the last commit failed (nil after a success): what
	// /healthz reports.
	failure error

	// beforeCommit, when set (tests), runs inside the transaction after
	// the calls and before bbolt commits: a place to inject a panic that
	// safely does not catch.
	beforeCommit func()
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

func (c *committer) update(ctx context.Context, fn func(*bolt.Tx) error) error {
	me := &call{fn: fn, done: make(chan outcome, 1)}
	c.mu.Lock()
	c.queue = append(c.queue, me)
	lead := !c.leading
	c.leading = true
	c.mu.Unlock()

	if !lead {
		var o outcome
		select {
		case o = <-me.done:
		case <-ctx.Done():
			if c.abandon(me) {
				return ctx.Err()
			}
			// Already taken into a batch that is committing: its result
			// is on the way, and saying "not applied" could be a lie.
			o = <-me.done
		}
		if !o.lead {
			return c.finish(me, o)
		}
	}
	c.commitQueued()
	return c.finish(me, <-me.done)
}

// abandon takes a caller that gave up out of the queue. It reports false
// when the call is no longer queued (a batch holds it). A caller that was
// just handed the lead passes it on, so the lead is never lost.
func (c *committer) abandon(me *call) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	i := slices.Index(c.queue, me)
	if i < 0 {
		return false
	}
	c.queue = slices.Delete(c.queue, i, i+1)
	select {
	case o := <-me.done: // only a lead can be waiting here: results go to batch members
		if o.lead {
			c.passLeadLocked()
		}
	default:
	}
	return true
}

// finish turns an outcome into the caller's result. A call that failed in a
// shared transaction runs again alone, so its error (or success) never
// depends on what other calls wrote before it.
func (c *committer) finish(me *call, o outcome) error {
	if o.solo {
		return c.commit(func(tx *bolt.Tx) error { return safely(me.fn, tx) })
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
	defer func() {
		c.mu.Lock()
		c.passLeadLocked()
		c.mu.Unlock()
	}()

	for len(calls) > 0 {
		failed := -1
		err := c.commit(func(tx *bolt.Tx) error {
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
}

// passLeadLocked hands the lead to the oldest queued call, or lowers the
// flag when none waits. c.mu is held.
func (c *committer) passLeadLocked() {
	if len(c.queue) > 0 {
		c.queue[0].done <- outcome{lead: true}
	} else {
		c.leading = false
	}
}

// errCommitPanic marks a commit that panicked.
var errCommitPanic = errors.New("boltstore: the commit panicked (is the database file damaged? run 'triagebot check')")

// commit runs one bbolt write transaction with body, turning a panic or a
// memory fault in bbolt (a corrupt page) into an error, and records the
// outcome for Health.
func (c *committer) commit(body func(*bolt.Tx) error) (err error) {
	var bodyErr error
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %v", errCommitPanic, p)
		}
		// A call's own refusal says nothing about the store; a commit
		// that failed, or any panic (a damaged page read by a call), does.
		if bodyErr == nil || err != bodyErr || errors.Is(err, errCallPanic) {
			c.mu.Lock()
			c.failure = err
			c.mu.Unlock()
		}
	}()
	// A fault reading a damaged mmap'd page becomes a panic (recovered
	// above) instead of killing the process.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	return c.db.Update(func(tx *bolt.Tx) error {
		if bodyErr = body(tx); bodyErr != nil {
			return bodyErr
		}
		if c.beforeCommit != nil {
			c.beforeCommit()
		}
		return nil
	})
}

// health is nil while commits succeed, else why the last one failed.
func (c *committer) health() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.failure
}

// errCallPanic marks a call that panicked inside its transaction.
var errCallPanic = errors.New("boltstore: panic in transaction")

// safely runs fn, turning a panic into an error so one bad call cannot take
// down the leader that runs it on behalf of others.
func safely(fn func(*bolt.Tx) error, tx *bolt.Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %v", errCallPanic, p)
		}
	}()
	return fn(tx)
}
