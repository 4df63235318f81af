package telegram

import (
	"context"
	"sync"
	"time"
)

// bucket is a token bucket in its GCRA form: it keeps the theoretical
// arrival time (tat) of the next message; a message may go at
// tat - tolerance, where tolerance lets burst messages go back to back.
// Bookings in the future are exact, so two buckets can be booked together.
type bucket struct {
	interval  time.Duration // 1/rate
	tolerance time.Duration // (burst-1)·interval
	tat       time.Time
}

func newBucket(rate float64, burst int) *bucket {
	iv := time.Duration(float64(time.Second) / rate)
	return &bucket{interval: iv, tolerance: time.Duration(max(burst, 1)-1) * iv}
}

// earliest is when the next message may go, at the soonest now.
func (b *bucket) earliest(now time.Time) time.Time {
	if t := b.tat.Add(-b.tolerance); t.After(now) {
		return t
	}
	return now
}

// book records a message sent at t (t ≥ earliest).
func (b *bucket) book(t time.Time) {
	if b.tat.Before(t) {
		b.tat = t
	}
	b.tat = b.tat.Add(b.interval)
}

// idle reports whether the bucket is full again, so forgetting it changes nothing.
func (b *bucket) idle(now time.Time) bool { return !b.tat.After(now) }

// limiter keeps Telegram's limits: one bucket per chat and one for the bot.
type limiter struct {
	lim    Limits
	mu     sync.Mutex
	global *bucket
	chats  map[int64]*bucket
}

// maxChatBuckets bounds the per-chat map; idle buckets are dropped beyond it.
const maxChatBuckets = 10000

func newLimiter(l Limits) *limiter {
	return &limiter{lim: l, global: newBucket(l.Global, l.GlobalBurst), chats: map[int64]*bucket{}}
}

// wait blocks until a message may go to chat, and books it in both the
// chat's bucket and the global one at the same instant. The global slot is
// only taken once the chat's own bucket allows the message, so a chat
// waiting on its own limit holds no global capacity from the others.
func (l *limiter) wait(ctx context.Context, chat int64) error {
	for {
		l.mu.Lock()
		now := time.Now()
		cb := l.chatBucket(chat, now)
		if t := cb.earliest(now); t.After(now) {
			l.mu.Unlock()
			if !sleep(ctx, t.Sub(now)) {
				return ctx.Err()
			}
			continue // another sender to this chat may have booked meanwhile
		}
		at := l.global.earliest(now)
		l.global.book(at)
		cb.book(at)
		l.mu.Unlock()
		if !sleep(ctx, time.Until(at)) {
			return ctx.Err()
		}
		return nil
	}
}

// chatBucket returns the chat's bucket, making it on first use; l.mu is held.
func (l *limiter) chatBucket(chat int64, now time.Time) *bucket {
	if b := l.chats[chat]; b != nil {
		return b
	}
	if len(l.chats) >= maxChatBuckets {
		l.evict(now)
	}
	rate, burst := l.lim.PerChat, l.lim.PerChatBurst
	if chat < 0 { // groups and channels have a per-minute limit
		rate, burst = l.lim.Group, min(burst, 3)
	}
	b := newBucket(rate, burst)
	l.chats[chat] = b
	return b
}

// pause makes the chat's next message wait at least d (Telegram's
// retry_after), whichever sender sends it.
func (l *limiter) pause(chat int64, d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	b := l.chatBucket(chat, now)
	if t := now.Add(d + b.tolerance); t.After(b.tat) {
		b.tat = t
	}
}

func (l *limiter) evict(now time.Time) {
	for id, b := range l.chats {
		if b.idle(now) {
			delete(l.chats, id)
		}
	}
}
