package telegram

import (
	"context"
	"sync"
	"time"
)

// bucket is a token bucket that may go into debt: taking a token when none
// is left books the next one and says how long to wait for it, so waiters
// are served in the order they asked.
type bucket struct {
	rate   float64 // tokens per second
	burst  float64
	tokens float64
	last   time.Time
}

func newBucket(rate float64, burst int, now time.Time) *bucket {
	return &bucket{rate: rate, burst: float64(burst), tokens: float64(burst), last: now}
}

// take books one token and returns the wait until it is due.
func (b *bucket) take(now time.Time) time.Duration {
	b.refill(now)
	b.tokens--
	if b.tokens >= 0 {
		return 0
	}
	return time.Duration(-b.tokens / b.rate * float64(time.Second))
}

func (b *bucket) refill(now time.Time) {
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens = min(b.burst, b.tokens+el*b.rate)
		b.last = now
	}
}

// idle reports whether the bucket is full again, so forgetting it changes nothing.
func (b *bucket) idle(now time.Time) bool {
	b.refill(now)
	return b.tokens >= b.burst
}

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
	return &limiter{lim: l, global: newBucket(l.Global, l.GlobalBurst, time.Now()), chats: map[int64]*bucket{}}
}

// wait blocks until a message may go to chat: first the chat's own bucket,
// then the global one, so a chat waiting on its own limit holds no global slot.
func (l *limiter) wait(ctx context.Context, chat int64) error {
	l.mu.Lock()
	now := time.Now()
	d := l.chatBucket(chat, now).take(now)
	l.mu.Unlock()
	if !sleep(ctx, d) {
		return ctx.Err()
	}
	l.mu.Lock()
	d = l.global.take(time.Now())
	l.mu.Unlock()
	if !sleep(ctx, d) {
		return ctx.Err()
	}
	return nil
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
	b := newBucket(rate, burst, now)
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
	b.refill(now)
	// The next take leaves tokens-1 and waits -(tokens-1)/rate: make that d.
	b.tokens = min(b.tokens, 1-d.Seconds()*b.rate)
}

func (l *limiter) evict(now time.Time) {
	for id, b := range l.chats {
		if b.idle(now) {
			delete(l.chats, id)
		}
	}
}
