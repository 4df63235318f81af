package telegram

import (
	"math/rand/v2"
	"testing"
	"time"
)

// gcra is the hand-written limiter the rate.Limiter one replaced, kept as
// the reference: a token bucket in its GCRA form, exact for bookings in
// the future. The new limiter must decide as it did.
type gcra struct {
	interval, tolerance time.Duration
	tat                 time.Time
}

func newGCRA(rate float64, burst int) *gcra {
	iv := time.Duration(float64(time.Second) / rate)
	return &gcra{interval: iv, tolerance: time.Duration(max(burst, 1)-1) * iv}
}

func (b *gcra) earliest(now time.Time) time.Time {
	if t := b.tat.Add(-b.tolerance); t.After(now) {
		return t
	}
	return now
}

func (b *gcra) book(t time.Time) {
	if b.tat.Before(t) {
		b.tat = t
	}
	b.tat = b.tat.Add(b.interval)
}

type gcraLimiter struct {
	lim    Limits
	global *gcra
	chats  map[int64]*gcra
}

func (l *gcraLimiter) chat(id int64) *gcra {
	if b := l.chats[id]; b != nil {
		return b
	}
	rate, burst := l.lim.PerChat, l.lim.PerChatBurst
	if id < 0 {
		rate, burst = l.lim.Group, min(burst, 3)
	}
	b := newGCRA(rate, burst)
	l.chats[id] = b
	return b
}

func (l *gcraLimiter) schedule(id int64, now time.Time) (time.Time, bool) {
	cb := l.chat(id)
	if t := cb.earliest(now); t.After(now) {
		return t, false
	}
	at := l.global.earliest(now)
	l.global.book(at)
	cb.book(at)
	return at, true
}

func (l *gcraLimiter) pause(id int64, now time.Time, d time.Duration) {
	b := l.chat(id)
	if t := now.Add(d + b.tolerance); t.After(b.tat) {
		b.tat = t
	}
}

// TestLimiterMatchesGCRA replays random traffic (several chats, a busy
// global bucket, 429 pauses) through both limiters on a made-up clock and
// compares every decision.
func TestLimiterMatchesGCRA(t *testing.T) {
	for _, lim := range []Limits{
		{}, // the defaults: 1/s bursts of 3 per chat, 30/s overall
		{PerChat: 2, PerChatBurst: 1, Global: 5, GlobalBurst: 2},
		{PerChat: 100, PerChatBurst: 10, Global: 1000, GlobalBurst: 100},
	} {
		lim = lim.withDefaults()
		rng := rand.New(rand.NewPCG(1, uint64(lim.Global)))
		got := newLimiter(lim)
		want := &gcraLimiter{lim: lim, global: newGCRA(lim.Global, lim.GlobalBurst), chats: map[int64]*gcra{}}
		now := time.Unix(1_700_000_000, 0)
		chats := []int64{1, 2, 3, 4, 5, -100}
		for step := range 5000 {
			now = now.Add(time.Duration(rng.ExpFloat64() * float64(20*time.Millisecond)))
			chat := chats[rng.IntN(len(chats))]
			if rng.IntN(50) == 0 {
				d := time.Duration(rng.IntN(3000)) * time.Millisecond
				got.pauseAt(chat, now, d)
				want.pause(chat, now, d)
				continue
			}
			gAt, gOK := got.schedule(chat, now)
			wAt, wOK := want.schedule(chat, now)
			if gOK != wOK || gAt.Sub(wAt).Abs() > time.Microsecond {
				t.Fatalf("limits %+v, step %d, chat %d at %s: got (%s, %v), want (%s, %v)",
					lim, step, chat, now.Format("15:04:05.000000"), gAt.Format("15:04:05.000000"), gOK, wAt.Format("15:04:05.000000"), wOK)
			}
		}
	}
}

// TestLimiterFutureBookingKeepsChatSpacing is the case that needs exact
// future bookings: the global bucket pushes a chat's message into the
// future, and the chat's next message must still keep its distance from it.
func TestLimiterFutureBookingKeepsChatSpacing(t *testing.T) {
	l := newLimiter(Limits{PerChat: 1, PerChatBurst: 1, Global: 1, GlobalBurst: 1}.withDefaults())
	now := time.Unix(1_700_000_000, 0)
	l.schedule(9, now) // takes the global slot now
	first, ok := l.schedule(1, now)
	if !ok || first.Sub(now) != time.Second {
		t.Fatalf("chat 1's first message at +%s (%v), want +1s", first.Sub(now), ok)
	}
	soon := now.Add(100 * time.Millisecond)
	ready, ok := l.schedule(1, soon)
	if ok || ready.Sub(first) < time.Second {
		t.Fatalf("chat 1's next message may go at +%s, %s after the first; want at least 1s", ready.Sub(now), ready.Sub(first))
	}
}

func TestLimiterEvictsOnlyIdleChats(t *testing.T) {
	l := newLimiter(Limits{}.withDefaults())
	now := time.Unix(1_700_000_000, 0)
	l.schedule(1, now)
	l.pauseAt(2, now, time.Minute)
	l.chatBucket(3, now)
	l.evict(now.Add(10 * time.Second))
	if _, ok := l.chats[2]; !ok {
		t.Error("a paused chat was forgotten")
	}
	if _, ok := l.chats[1]; ok {
		t.Error("a refilled chat was kept")
	}
	if _, ok := l.chats[3]; ok {
		t.Error("an unused chat was kept")
	}
}
