package telegram

import (
	"container/heap"
	"context"
	"sync"
)

// workQueue holds the conversations whose outbox needs delivering. A
// conversation is queued once however often it is notified, and worked by
// one sender at a time (so its messages stay in order); a notice that comes
// while it is being worked queues it again. The queue is bounded: when full,
// it notes an overflow and the rescan loop rebuilds it from the store.
type workQueue struct {
	mu       sync.Mutex
	order    []string
	pending  map[string]bool
	running  map[string]bool
	again    map[string]bool
	cap      int
	overflow bool
	closed   bool
	wake     chan struct{} // one token: "something changed"
}

func newWorkQueue(n int) *workQueue {
	return &workQueue{pending: map[string]bool{}, running: map[string]bool{}, again: map[string]bool{},
		cap: n, wake: make(chan struct{}, 1)}
}

// push queues a conversation. It never blocks: the engine calls it after
// its commit.
func (q *workQueue) push(id string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	switch {
	case q.closed || q.pending[id]:
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

func (q *workQueue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
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
		select {
		case <-ctx.Done():
			return "", false
		case <-q.wake:
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

// takeOverflow reports and clears the overflow mark.
func (q *workQueue) takeOverflow() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	o := q.overflow
	q.overflow = false
	return o
}

// close wakes and ends every pop. Signals are sent only under q.mu with
// closed false, so none can hit the closed channel.
func (q *workQueue) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.closed {
		q.closed = true
		close(q.wake)
	}
}

// job is one message that does not come from an outbox: an agent-chat
// notice, or the channel's own answer (a refusal, /help, /status).
type job struct {
	rank   int // lower first: answers to users, then notices by ticket priority
	seq    uint64
	chat   int64
	text   string
	onSent func(ctx context.Context) // after Telegram accepted it
}

type jobHeap []*job

func (h jobHeap) Len() int { return len(h) }
func (h jobHeap) Less(i, j int) bool {
	if h[i].rank != h[j].rank {
		return h[i].rank < h[j].rank
	}
	return h[i].seq < h[j].seq
}
func (h jobHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *jobHeap) Push(x any)   { *h = append(*h, x.(*job)) }
func (h *jobHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return x
}

// jobQueue is a bounded priority queue of jobs, most urgent first.
type jobQueue struct {
	mu     sync.Mutex
	h      jobHeap
	seq    uint64
	cap    int
	closed bool
	wake   chan struct{}
}

func newJobQueue(n int) *jobQueue { return &jobQueue{cap: n, wake: make(chan struct{}, 1)} }

// push adds j; it reports false (and drops j) when the queue is full.
func (q *jobQueue) push(j *job) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed || len(q.h) >= q.cap {
		return false
	}
	q.seq++
	j.seq = q.seq
	heap.Push(&q.h, j)
	q.signal()
	return true
}

// pop waits for the most urgent job; ok is false once closed.
func (q *jobQueue) pop(ctx context.Context) (*job, bool) {
	for {
		q.mu.Lock()
		if q.closed {
			q.mu.Unlock()
			return nil, false
		}
		if len(q.h) > 0 {
			j := heap.Pop(&q.h).(*job)
			if len(q.h) > 0 {
				q.signal()
			}
			q.mu.Unlock()
			return j, true
		}
		q.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, false
		case <-q.wake:
		}
	}
}

// signal is called with q.mu held and the queue open.
func (q *jobQueue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *jobQueue) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.closed {
		q.closed = true
		close(q.wake)
	}
}
