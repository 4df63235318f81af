package telegram

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// chatLimit is one chat's token bucket. A message whose global slot is in
// the future is booked in the chat's bucket at that future instant, so the
// chat's next message keeps its distance from when this one really goes.
// rate.Limiter books a future instant exactly only if it is never asked
// about an earlier one afterwards (it would credit the refill up to the
// booking a second time), so every call goes through clock, which never
// runs backwards.
type chatLimit struct {
	lim *rate.Limiter
	at  time.Time // the latest instant lim was asked about
}

// clock is the instant to ask lim about: now, or the latest booking if that
// is later.
func (c *chatLimit) clock(now time.Time) time.Time {
	if now.After(c.at) {
		c.at = now
	}
	return c.at
}

// ready is the earliest instant at or after t when the chat has a token.
func (c *chatLimit) ready(t time.Time) time.Time {
	tok := c.lim.TokensAt(t)
	if tok >= 1 {
		return t
	}
	return t.Add(time.Duration((1 - tok) / float64(c.lim.Limit()) * float64(time.Second)))
}

// book records a message sent at t (t ≥ c.at).
func (c *chatLimit) book(t time.Time) {
	c.lim.ReserveN(c.clock(t), 1)
}

// idle reports whether the bucket is full again and holds no future
// booking, so forgetting it changes nothing.
func (c *chatLimit) idle(now time.Time) bool {
	return !c.at.After(now) && c.lim.TokensAt(now) >= float64(c.lim.Burst())
}

// limiter keeps Telegram's limits: one bucket per chat and one for the bot.
type limiter struct {
	lim    Limits
	mu     sync.Mutex
	global *rate.Limiter // asked about time.Now() only, under mu: never backwards
	chats  map[int64]*chatLimit
}

// maxChatBuckets bounds the per-chat map; idle buckets are dropped beyond it.
const maxChatBuckets = 10000

func newLimiter(l Limits) *limiter {
	return &limiter{lim: l, global: rate.NewLimiter(rate.Limit(l.Global), max(l.GlobalBurst, 1)), chats: map[int64]*chatLimit{}}
}

// wait blocks until a message may go to chat, and books it in both the
// chat's bucket and the global one at the same instant. The global slot is
// only taken once the chat's own bucket allows the message, so a chat
// waiting on its own limit holds no global capacity from the others.
func (l *limiter) wait(ctx context.Context, chat int64) error {
	for {
		l.mu.Lock()
		now := time.Now()
		at, ok := l.schedule(chat, now)
		l.mu.Unlock()
		if !ok {
			if !sleep(ctx, at.Sub(now)) {
				return ctx.Err()
			}
			continue // another sender to this chat may have booked meanwhile
		}
		if !sleep(ctx, at.Sub(now)) {
			return ctx.Err()
		}
		return nil
	}
}

// schedule is wait's decision at now; l.mu is held. ok: the message is
// booked to go at at. Not ok: the chat's own bucket is empty until at.
func (l *limiter) schedule(chat int64, now time.Time) (at time.Time, ok bool) {
	cl := l.chatBucket(chat, now)
	if t := cl.ready(cl.clock(now)); t.After(now) {
		return t, false
	}
	r := l.global.ReserveN(now, 1)
	at = now.Add(r.DelayFrom(now))
	cl.book(at)
	return at, true
}

// chatBucket returns the chat's bucket, making it on first use; l.mu is held.
func (l *limiter) chatBucket(chat int64, now time.Time) *chatLimit {
	if b := l.chats[chat]; b != nil {
		return b
	}
	if len(l.chats) >= maxChatBuckets {
		l.evict(now)
	}
	rt, burst := l.lim.PerChat, l.lim.PerChatBurst
	if chat < 0 { // groups and channels have a per-minute limit
		rt, burst = l.lim.Group, min(burst, 3)
	}
	b := &chatLimit{lim: rate.NewLimiter(rate.Limit(rt), max(burst, 1))}
	l.chats[chat] = b
	return b
}

// pause makes the chat's next message wait at least d (Telegram's
// retry_after), whichever sender sends it: at now+d the chat holds one
// token, unless its bucket already holds fewer then.
func (l *limiter) pause(chat int64, d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	l.pauseAt(chat, now, d)
}

// pauseAt is pause at now; l.mu is held.
func (l *limiter) pauseAt(chat int64, now time.Time, d time.Duration) {
	cl := l.chatBucket(chat, now)
	resume := now.Add(d)
	// Compare the two buckets where both are defined: at the later of the
	// chat's clock and resume. They refill at the same rate, so the lower
	// one there stays lower.
	t := cl.clock(resume)
	limit, burst := cl.lim.Limit(), cl.lim.Burst()
	paused := min(float64(burst), 1+t.Sub(resume).Seconds()*float64(limit))
	if paused >= cl.lim.TokensAt(t) {
		return
	}
	// A fresh bucket holding one token at resume; asked about t ≥ resume
	// from now on, as clock guarantees.
	nl := rate.NewLimiter(limit, burst)
	nl.ReserveN(resume, burst-1)
	cl.lim = nl
}

func (l *limiter) evict(now time.Time) {
	for id, b := range l.chats {
		if b.idle(now) {
			delete(l.chats, id)
		}
	}
}
