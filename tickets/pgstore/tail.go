package pgstore

import (
	"hash/fnv"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/triagebot/triagebot/tickets"
)

// The tail is what this Store's last commit enqueued to each
// conversation, kept so that the socket writer it wakes for those messages
// need not read them back (OutboxAfter, tickets.OutboxTail): on the web
// channel that read was a statement per turn.
//
// It must never hide a newer message. One committed by this Store replaces
// the entry (or is not contiguous with it, and the writer reads). One
// committed by another replica is announced by a NOTIFY, and the listener
// drops the entry before it wakes anyone (foreign). What remains is a
// commit of ours whose entry is stored late, after the NOTIFY of another
// replica's later message has dropped it: so every conversation hashes to
// a stripe whose generation foreign bumps, a transaction notes the
// generation when it enqueues (before its COMMIT, so before any later
// commit of another replica), and its entry is stored only if the
// generation has not moved since.
const (
	tailStripes = 256
	// tailMax bounds the entries; past it the map starts afresh.
	tailMax = 10_000
	// tailTTL is how long an entry may answer: a writer that was woken
	// for it asks within milliseconds.
	tailTTL = 30 * time.Second
)

type tails struct {
	gens [tailStripes]atomic.Uint64
	mu   sync.Mutex
	m    map[string]tail
}

type tail struct {
	msgs []tickets.OutMessage // consecutive Seqs, oldest first
	at   time.Time
}

// sentTo is what a transaction enqueued to one conversation (and
// channel), and the conversation's stripe generation when it did.
type sentTo struct {
	to   outboxNote
	gen  uint64
	msgs []tickets.OutMessage
}

// notesOf are the conversations sent enqueued to, for the wake-ups.
func notesOf(sent []sentTo) []outboxNote {
	notes := make([]outboxNote, len(sent))
	for i, s := range sent {
		notes[i] = s.to
	}
	return notes
}

func newTails() *tails { return &tails{m: map[string]tail{}} }

func stripeOf(conv string) int {
	h := fnv.New32a()
	h.Write([]byte(conv))
	return int(h.Sum32() % tailStripes)
}

func (t *tails) gen(conv string) uint64 { return t.gens[stripeOf(conv)].Load() }

// foreign forgets conv's entry: another replica committed to it.
func (t *tails) foreign(conv string) {
	t.gens[stripeOf(conv)].Add(1)
	t.mu.Lock()
	delete(t.m, conv)
	t.mu.Unlock()
}

// forgetAll forgets every entry: a resync wakes conversations whose
// NOTIFY may have been lost.
func (t *tails) forgetAll() {
	for i := range t.gens {
		t.gens[i].Add(1)
	}
	t.mu.Lock()
	clear(t.m)
	t.mu.Unlock()
}

// committed stores what a committed transaction enqueued, each entry only
// if its stripe's generation is still the one noted at Enqueue.
func (t *tails) committed(sent []sentTo, now time.Time) {
	if len(sent) == 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, s := range sent {
		if t.gen(s.to.id) != s.gen {
			delete(t.m, s.to.id)
			continue
		}
		if len(t.m) >= tailMax {
			clear(t.m)
		}
		t.m[s.to.id] = tail{msgs: s.msgs, at: now}
	}
}

// after returns conv's messages after Seq after, when the entry starts
// right there.
func (t *tails) after(conv string, after uint64, now time.Time) ([]tickets.OutMessage, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	tl, ok := t.m[conv]
	if !ok || now.Sub(tl.at) > tailTTL || len(tl.msgs) == 0 || tl.msgs[0].Seq != after+1 {
		return nil, false
	}
	return slices.Clone(tl.msgs), true
}

// OutboxAfter implements tickets.OutboxTail.
func (s *Store) OutboxAfter(conversationID string, after uint64) ([]tickets.OutMessage, bool) {
	msgs, ok := s.tails.after(conversationID, after, time.Now())
	if ok {
		s.metrics.tailReads.WithLabelValues("memory").Inc()
	} else {
		s.metrics.tailReads.WithLabelValues("database").Inc()
	}
	return msgs, ok
}
