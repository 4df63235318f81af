package ws

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// frameUnits is what a frame costs in a conversation's limiter, and ackUnits
// what an ack costs: a page acknowledges every frame it shows, which must
// not starve its own messages, and rate.Limiter counts in whole tokens, so
// the bucket is kept in quarter-frames.
const (
	frameUnits = 4
	ackUnits   = 1
)

// limiterSet keeps one rate.Limiter per key (a conversation, a client
// address) in a bounded map. A limiter that is full again is forgotten:
// a fresh one would behave the same, so expiry changes no decision. When
// the map is full of busy limiters, arbitrary ones are dropped; that only
// forgives some clients early, and the per-address limits keep a single
// client from filling it.
type limiterSet struct {
	mu    sync.Mutex
	limit rate.Limit
	burst int
	max   int
	m     map[string]*rate.Limiter
}

func newLimiterSet(perSecond float64, burst, max int) *limiterSet {
	return &limiterSet{limit: rate.Limit(perSecond), burst: burst, max: max, m: map[string]*rate.Limiter{}}
}

// get returns key's limiter, making it on first use.
func (s *limiterSet) get(key string, now time.Time) *rate.Limiter {
	s.mu.Lock()
	defer s.mu.Unlock()
	if l := s.m[key]; l != nil {
		return l
	}
	if len(s.m) >= s.max {
		s.sweepLocked(now)
		// Leave room for many inserts, so a full map of busy limiters costs
		// one pass per max/8 new keys, not one per key.
		for k := range s.m {
			if len(s.m) < s.max-s.max/8 {
				break
			}
			delete(s.m, k)
		}
	}
	l := rate.NewLimiter(s.limit, s.burst)
	s.m[key] = l
	return l
}

// allow spends one token of key's limiter if it has one.
func (s *limiterSet) allow(key string, now time.Time) bool {
	return s.get(key, now).AllowN(now, 1)
}

// sweep forgets the limiters that are full again.
func (s *limiterSet) sweep(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked(now)
}

func (s *limiterSet) sweepLocked(now time.Time) {
	for k, l := range s.m {
		if l.TokensAt(now) >= float64(s.burst) {
			delete(s.m, k)
		}
	}
}

func (s *limiterSet) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

// connCounter counts the open connections of each client address. Entries
// go at zero, so its size is bounded by the open connections.
type connCounter struct {
	mu  sync.Mutex
	max int // per address; < 0: no cap
	n   map[string]int
}

// acquire counts one more connection for key, unless key has max already.
func (c *connCounter) acquire(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.max >= 0 && c.n[key] >= c.max {
		return false
	}
	c.n[key]++
	return true
}

func (c *connCounter) release(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n[key]--; c.n[key] <= 0 {
		delete(c.n, key)
	}
}

// clientAddr is who a request comes from: the peer, or, when the peer is a
// trusted proxy, the address that proxy (and any trusted proxies before it)
// saw in X-Forwarded-For. The header is read from the right, because each
// proxy appends the address it received from; what a client wrote into the
// header itself sits to the left and is ignored.
func clientAddr(r *http.Request, trusted []netip.Prefix) netip.Addr {
	peer := parseHost(r.RemoteAddr)
	if !peer.IsValid() || !inAny(peer, trusted) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a := parseHost(strings.TrimSpace(hops[i]))
		if !a.IsValid() {
			// A garbled entry: the last trusted hop is all that is known.
			return client
		}
		client = a
		if !inAny(a, trusted) {
			return a
		}
	}
	return client
}

// parseHost reads "1.2.3.4", "1.2.3.4:567", "::1" or "[::1]:567".
func parseHost(s string) netip.Addr {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap()
	}
	if h, _, err := net.SplitHostPort(s); err == nil {
		if a, err := netip.ParseAddr(h); err == nil {
			return a.Unmap()
		}
	}
	return netip.Addr{}
}

func inAny(a netip.Addr, ps []netip.Prefix) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// addrKey is the key of a client address in the per-address limits. An
// IPv6 client usually holds a whole /64, so that is what is counted.
func addrKey(a netip.Addr) string {
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}
