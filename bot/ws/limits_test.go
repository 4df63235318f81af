package ws

import (
	"math"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

func TestLimiterSet(t *testing.T) {
	now := time.Unix(1000, 0)
	s := newLimiterSet(10*frameUnits, 20*frameUnits, 1000)
	l := s.get("conv", now)
	for i := range 20 {
		if !l.AllowN(now, frameUnits) {
			t.Fatalf("frame %d of the burst refused", i+1)
		}
	}
	if l.AllowN(now, frameUnits) {
		t.Fatal("frame 21 of a burst of 20 allowed")
	}
	if s.get("conv", now) != l {
		t.Fatal("a second get made a new limiter: the limit would reset")
	}
	if !l.AllowN(now.Add(100*time.Millisecond), frameUnits) {
		t.Fatal("after 100 ms at 10/s a frame is allowed again")
	}
	if l.AllowN(now.Add(100*time.Millisecond), frameUnits) {
		t.Fatal("only one frame's worth came back")
	}
	if !l.AllowN(now.Add(125*time.Millisecond), ackUnits) {
		t.Fatal("an ack costs a quarter frame")
	}
	// A busy limiter survives a sweep; a full one is forgotten.
	s.sweep(now.Add(time.Second))
	if s.len() != 1 {
		t.Fatal("a limiter still refilling was swept")
	}
	s.sweep(now.Add(time.Hour))
	if s.len() != 0 {
		t.Fatal("a full limiter was kept")
	}
}

func TestLimiterSetBounded(t *testing.T) {
	now := time.Unix(1000, 0)
	s := newLimiterSet(0.001, 1, 64)
	for i := range 1000 {
		if !s.allow("k"+strconv.Itoa(i), now) {
			t.Fatalf("key %d: a new key's first token refused", i)
		}
		if n := s.len(); n > 64 {
			t.Fatalf("%d limiters held, bound 64", n)
		}
	}
	// Idle limiters are dropped first, busy ones kept when there is room.
	idle := newLimiterSet(1, 1, 4)
	idle.allow("busy", now)
	for i := range 3 {
		idle.get("idle"+strconv.Itoa(i), now)
	}
	idle.get("new", now)
	if idle.allow("busy", now) {
		t.Error("the busy limiter was dropped while idle ones could go")
	}
}

func TestClientAddr(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	tests := []struct {
		name, peer string
		xff        []string
		want       string
	}{
		{"no proxy", "203.0.113.5:4000", nil, "203.0.113.5"},
		{"header from an untrusted peer is ignored", "203.0.113.5:4000", []string{"198.51.100.1"}, "203.0.113.5"},
		{"trusted proxy", "10.1.2.3:4000", []string{"198.51.100.1"}, "198.51.100.1"},
		{"client-written entries left of the proxy's are ignored", "10.1.2.3:4000", []string{"1.1.1.1, 198.51.100.1"}, "198.51.100.1"},
		{"two trusted proxies", "10.1.2.3:4000", []string{"198.51.100.1, 10.9.9.9"}, "198.51.100.1"},
		{"several header lines", "10.1.2.3:4000", []string{"1.1.1.1", "198.51.100.1"}, "198.51.100.1"},
		{"garbled entry stops at the last trusted hop", "10.1.2.3:4000", []string{"1.1.1.1, nonsense"}, "10.1.2.3"},
		{"trusted without a header", "10.1.2.3:4000", nil, "10.1.2.3"},
		{"only trusted hops", "10.1.2.3:4000", []string{"10.0.0.7"}, "10.0.0.7"},
		{"entry with a port", "10.1.2.3:4000", []string{"198.51.100.1:5555"}, "198.51.100.1"},
		{"IPv6 proxy and client", "[::1]:4000", []string{"2001:db8::1"}, "2001:db8::1"},
		{"IPv4-mapped peer", "[::ffff:203.0.113.5]:4000", nil, "203.0.113.5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/ws", nil)
			r.RemoteAddr = tt.peer
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := clientAddr(r, trusted); got.String() != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
	if a, b := addrKey(netip.MustParseAddr("2001:db8::1")), addrKey(netip.MustParseAddr("2001:db8::ffff")); a != b {
		t.Errorf("one IPv6 /64 gives two keys: %s, %s", a, b)
	}
}

// expectCodes waits for n error frames, each with code want.
func expectCodes(t *testing.T, c *client, n int, want string) {
	t.Helper()
	for i := range n {
		e := c.until(5*time.Second, isType("error"))
		if e.Code != want {
			t.Fatalf("refusal %d: %s, want %s", i+1, e.raw, want)
		}
	}
}

// waitOpen waits until the hub counts n open connections.
func waitOpen(t *testing.T, f *fixture, n float64) {
	t.Helper()
	waitFor(t, 10*time.Second, func() bool { return metricValue(f.hub.metrics.open) == n })
}

func TestReconnectDoesNotResetTheLimit(t *testing.T) {
	// Almost no refill, so only the burst counts, however slow the machine.
	f := startHub(t, openEngine(t, t.TempDir()), Config{Limits: Limits{Rate: 0.001, Burst: 3}})
	c := connect(t, f.url, "")
	c.settle(5 * time.Second) // the greeting
	for range 3 {
		c.sendRaw([]byte(`not json`))
	}
	expectCodes(t, c, 3, CodeBadFrame) // each spent a token
	c.sendRaw([]byte(`not json`))
	expectCodes(t, c, 1, CodeRateLimited)
	c.close()
	waitOpen(t, f, 0) // the conversation has no connection left
	for i := range 3 {
		back := connect(t, f.url, c.session)
		back.settle(5 * time.Second)
		back.sendRaw([]byte(`not json`))
		e := back.until(5*time.Second, isType("error"))
		if e.Code != CodeRateLimited {
			t.Fatalf("reconnect %d: the limit was reset: %s", i+1, e.raw)
		}
		back.close()
		waitOpen(t, f, 0)
	}
}

func TestNewSessionFloodFromOneAddress(t *testing.T) {
	f := startHub(t, openEngine(t, t.TempDir()), Config{Limits: Limits{IPSessionRate: 0.001, IPSessionBurst: 3}})
	var first *client
	for i := range 3 {
		c := connect(t, f.url, "")
		if i == 0 {
			first = c
		}
	}
	for _, session := range []string{"", "made-up-session-id"} { // a made-up id is a new conversation too
		conn, _, err := dial(f.url, session, nil)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		c := wrap(t, conn)
		e := c.must(5 * time.Second)
		if e.Type != "error" || e.Code != CodeRateLimited {
			t.Fatalf("session %q: first frame %s, want a rate_limited error", session, e.raw)
		}
		if _, err := c.next(5 * time.Second); !websocket.IsCloseError(err, websocket.CloseTryAgainLater) {
			t.Fatalf("session %q: after the refusal: %v, want close 1013", session, err)
		}
	}
	// Resuming is not a new conversation: still allowed.
	back := connect(t, f.url, first.session)
	if back.session != first.session {
		t.Errorf("resumed into %q, want %q", back.session, first.session)
	}
	if n := metricValue(f.hub.metrics.limited.WithLabelValues("new_sessions")); n != 2 {
		t.Errorf("new_sessions refusals counted %v, want 2", n)
	}
}

func TestUnlimitedAddressesAreNotLimited(t *testing.T) {
	f := startHub(t, openEngine(t, t.TempDir()), Config{
		Limits:    Limits{IPSessionRate: 0.001, IPSessionBurst: 1, IPMaxConns: 1, IPConnRate: 0.001, IPConnBurst: 1},
		Unlimited: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")},
	})
	for range 4 {
		connect(t, f.url, "")
	}
}

func TestTrustedProxy(t *testing.T) {
	limits := Limits{IPSessionRate: 0.001, IPSessionBurst: 1}
	xff := func(a string) http.Header { return http.Header{"X-Forwarded-For": {a}} }
	opens := func(f *fixture, hdr http.Header) bool {
		t.Helper()
		conn, _, err := dial(f.url, "", hdr)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		c := wrap(t, conn)
		defer c.close()
		return c.must(5*time.Second).Type == "session"
	}

	t.Run("from a trusted proxy each client has its own limit", func(t *testing.T) {
		f := startHub(t, openEngine(t, t.TempDir()), Config{Limits: limits,
			TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
		if !opens(f, xff("203.0.113.7")) || !opens(f, xff("203.0.113.8")) {
			t.Fatal("two clients behind the proxy, each within its limit, refused")
		}
		if opens(f, xff("203.0.113.7")) {
			t.Fatal("a client's second new conversation was let through")
		}
		// A client cannot dodge its limit by writing its own header: the
		// proxy appends the real address, and that is what counts.
		if opens(f, xff("198.51.100.99, 203.0.113.8")) {
			t.Fatal("a forged entry left of the proxy's gave a fresh limit")
		}
	})
	t.Run("from anyone else the header is ignored", func(t *testing.T) {
		f := startHub(t, openEngine(t, t.TempDir()), Config{Limits: limits,
			TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
		if !opens(f, xff("203.0.113.7")) {
			t.Fatal("first new conversation refused")
		}
		if opens(f, xff("203.0.113.8")) {
			t.Fatal("a made-up X-Forwarded-For from an untrusted peer gave a fresh limit")
		}
	})
}

func TestConnectionLimitsPerAddress(t *testing.T) {
	t.Run("open connections", func(t *testing.T) {
		f := startHub(t, openEngine(t, t.TempDir()), Config{Limits: Limits{IPMaxConns: 2}})
		a := connect(t, f.url, "")
		connect(t, f.url, a.session)
		_, resp, err := dial(f.url, a.session, nil)
		if err == nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("third connection: %v, %v; want 429", err, resp)
		}
		a.close()
		waitOpen(t, f, 1)
		connect(t, f.url, a.session) // the slot came back
	})
	t.Run("handshake rate", func(t *testing.T) {
		f := startHub(t, openEngine(t, t.TempDir()), Config{Limits: Limits{IPConnRate: 0.01, IPConnBurst: 2}})
		a := connect(t, f.url, "")
		a.close()
		connect(t, f.url, a.session)
		_, resp, err := dial(f.url, a.session, nil)
		if err == nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("third handshake: %v, %v; want 429", err, resp)
		}
		if ra := resp.Header.Get("Retry-After"); ra != "100" {
			t.Errorf("Retry-After %q, want 100 (one handshake per 100 s)", ra)
		}
	})
	t.Run("off", func(t *testing.T) {
		f := startHub(t, openEngine(t, t.TempDir()), Config{Limits: Limits{IPConnRate: math.Inf(1), IPConnBurst: 1, IPMaxConns: -1}})
		a := connect(t, f.url, "")
		for range 5 {
			connect(t, f.url, a.session)
		}
	})
}

var foldedRE = regexp.MustCompile(`^(\d+) frames were refused`)

// TestMalformedBurstKeepsAReadingClient: a client that reads while it sends
// a burst of bad frames keeps its connection, and every refusal is
// accounted for, one frame each or folded into a count.
func TestMalformedBurstKeepsAReadingClient(t *testing.T) {
	// A one-frame queue makes the writer fall behind at once; a large
	// bucket keeps the frame limit out of the way.
	f := startHub(t, openEngine(t, t.TempDir()), Config{Limits: Limits{SendBuffer: 1, Rate: 1000, Burst: 1000}})
	c := connect(t, f.url, "")
	c.until(5*time.Second, isType("message")) // the greeting
	c.settle(5 * time.Second)                 // and the rest of it, if any
	const bad = 100
	for i := range bad {
		c.sendRaw([]byte(`{"type":"message","text":"unterminated ` + strconv.Itoa(i)))
	}
	c.say("my withdrawal failed")
	// The reply and the error frames may interleave: wait for all of them.
	refused, answered := 0, false
	c.until(10*time.Second, func(fr frame) bool {
		switch fr.Type {
		case "message":
			if fr.From != "bot" || strings.Contains(fr.Text, "unterminated") {
				t.Fatalf("unexpected message %s", fr.raw)
			}
			answered = true
		case "error":
			if fr.Code != CodeBadFrame {
				t.Fatalf("unexpected refusal %s", fr.raw)
			}
			if m := foldedRE.FindStringSubmatch(fr.Message); m != nil {
				n, _ := strconv.Atoi(m[1])
				refused += n
			} else {
				refused++
			}
		}
		return answered && refused >= bad
	})
	if refused != bad {
		t.Errorf("%d refusals reported, want %d", refused, bad)
	}
	if metricValue(f.hub.metrics.coalesced) == 0 {
		t.Error("no refusal was folded: the test did not make the writer fall behind")
	}
	if d := metricValue(f.hub.metrics.dropped); d != 0 {
		t.Errorf("%v clients dropped", d)
	}
}
