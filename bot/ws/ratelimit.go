package ws

import (
	"sync"
	"time"
)

// bucket is a token bucket shared by every connection of one session, so
// opening a second tab does not double what a session may send.
type bucket struct {
	mu     sync.Mutex
	rate   float64 // tokens added per second
	burst  float64 // the most tokens held
	tokens float64
	last   time.Time
}

func newBucket(rate float64, burst int, now time.Time) *bucket {
	return &bucket{rate: rate, burst: float64(burst), tokens: float64(burst), last: now}
}

// take spends cost tokens if the bucket holds them and reports whether it
// did. A refused frame spends nothing, so a client that backs off recovers.
func (b *bucket) take(cost float64, now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if dt := now.Sub(b.last).Seconds(); dt > 0 {
		b.tokens = min(b.burst, b.tokens+dt*b.rate)
		b.last = now
	}
	if b.tokens < cost {
		return false
	}
	b.tokens -= cost
	return true
}
