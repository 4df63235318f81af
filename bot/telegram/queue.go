package telegram

import (
	"context"
	"sync"
)

// workQueue holds the conversations whose outbox needs delivering. A
// conversation is queued once however often it is notified, and worked by
// one sender at a time (so its messages stay in order); a notice that comes
// while it is being worked queues it again. The queue is bounded: when full,
// it notes an overflow, and the next periodic rescan queues what it turned
// away from the store.
type workQueue struct {
	waker
	order    []string
	pending  map[string]bool
	running  map[string]bool
	again    map[string]bool
	cap      int
	overflow bool
	// paused drops pushes: a replica that does not lead sends nothing, and
	// the leader's rescan finds what is pending in the store.
	paused bool
}

func newWorkQueue(n int) *workQueue {
	return &workQueue{waker: newWaker(), pending: map[string]bool{}, running: map[string]bool{},
		again: map[string]bool{}, cap: n}
}

// waker is the lock, the closed mark and the wake-up channel of the queue. The channel holds one token, "something changed"; a pop
// that finds nothing waits for it, and close wakes every waiter for good.
type waker struct {
	mu     sync.Mutex
	closed bool
	wake   chan struct{}
}

func newWaker() waker { return waker{wake: make(chan struct{}, 1)} }

// signal leaves a token unless one is already there. Call it with mu held
// and the queue open, so it never sends on the closed channel.
func (w *waker) signal() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// wait blocks, without mu, until a signal or close; false when ctx ended.
func (w *waker) wait(ctx context.Context) bool {
	select {
	case <-ctx.Done():
		return false
	case <-w.wake:
		return true
	}
}

// close wakes and ends every pop.
func (w *waker) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.closed {
		w.closed = true
		close(w.wake)
	}
}

// push queues a conversation. It never blocks: the engine calls it after
// its commit.
func (q *workQueue) push(id string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	switch {
	case q.closed || q.paused || q.pending[id]:
		return
	case q.running[id]:
		q.again[id] = true
		return
	case len(q.pending) >= q.cap:
		q.overflow = true
	default:
		q.pending[id] = true
		q.order = append(q.order, id)
	}
	q.signal()
}

// pop waits for a conversation to work on; ok is false once closed.
func (q *workQueue) pop(ctx context.Context) (string, bool) {
	for {
		q.mu.Lock()
		if q.closed {
			q.mu.Unlock()
			return "", false
		}
		if len(q.order) > 0 {
			id := q.order[0]
			q.order[0] = ""
			q.order = q.order[1:]
			delete(q.pending, id)
			q.running[id] = true
			if len(q.order) > 0 { // pass the wake-up on to another worker
				q.signal()
			}
			q.mu.Unlock()
			return id, true
		}
		q.mu.Unlock()
		if !q.wait(ctx) {
			return "", false
		}
	}
}

// done ends the work on id; it is queued again if notified meanwhile.
func (q *workQueue) done(id string) {
	q.mu.Lock()
	delete(q.running, id)
	again := q.again[id]
	delete(q.again, id)
	q.mu.Unlock()
	if again {
		q.push(id)
	}
}

// pause drops what is queued and every push until resumed; resume takes
// pushes again (the caller then rescans the store).
func (q *workQueue) pause(p bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.paused = p
	if p {
		q.order, q.overflow = nil, false
		clear(q.pending)
		clear(q.again)
	}
}

// idle reports whether no conversation is queued or being worked.
func (q *workQueue) idle() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.pending) == 0 && len(q.running) == 0 && !q.overflow
}

// takeOverflow reports and clears the overflow mark.
func (q *workQueue) takeOverflow() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	o := q.overflow
	q.overflow = false
	return o
}
