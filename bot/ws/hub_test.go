package ws

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"errors"
	"image"
	"image/png"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/triagebot/triagebot/intents"
	"github.com/triagebot/triagebot/language"
	"github.com/triagebot/triagebot/tickets"
)

func smallPNG(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 8, 8))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func zipBytes(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("screenshot.png")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write(bytes.Repeat([]byte("not an image "), 40))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func attachment(name, ct string, data []byte) map[string]string {
	return map[string]string{"type": "attachment", "filename": name, "content_type": ct,
		"data": base64.StdEncoding.EncodeToString(data)}
}

func TestSessionFrameFirstThenGreeting(t *testing.T) {
	f := startHub(t, openEngine(t, t.TempDir()), Config{})
	c := connect(t, f.url, "")
	g := c.until(5*time.Second, isType("message"))
	if g.ID == "" || g.From != "bot" {
		t.Errorf("greeting frame %s: want an id and from bot", g.raw)
	}
	if !strings.Contains(g.raw, `"quick_replies":[`) {
		t.Errorf("quick_replies is not always an array: %s", g.raw)
	}
}

func TestResumeReplaysUnackedInOrderAndAckTrims(t *testing.T) {
	f := startHub(t, openEngine(t, t.TempDir()), Config{})
	c := connect(t, f.url, "")
	first := withIDs(c.settle(5 * time.Second)) // the greeting
	c.say("hello")
	first = append(first, withIDs(c.reply(5*time.Second))...)
	c.say("my withdrawal has not arrived in my bank account")
	first = append(first, withIDs(c.reply(5*time.Second))...)
	if len(first) < 2 {
		t.Fatalf("want at least two frames with ids (greeting and replies), got %d", len(first))
	}
	seen := map[string]bool{}
	for _, fr := range first {
		if seen[fr.ID] {
			t.Fatalf("id %s sent twice on one connection", fr.ID)
		}
		seen[fr.ID] = true
	}
	c.close()

	// Resume without acking: everything again, same ids, same bytes, same order.
	c2 := connect(t, f.url, c.session)
	if c2.session != c.session {
		t.Fatalf("resumed %s, session frame says %s", c.session, c2.session)
	}
	again := withIDs(c2.settle(5 * time.Second))
	if len(again) != len(first) {
		t.Fatalf("replayed %d frames, want %d", len(again), len(first))
	}
	for i := range first {
		if again[i].raw != first[i].raw {
			t.Errorf("frame %d replayed as %s, first sent as %s", i, again[i].raw, first[i].raw)
		}
	}

	// Ack the second to last: only the last one comes back. The
	// acknowledgement is written behind, at the latest as the connection
	// ends.
	c2.ack(first[len(first)-2].ID)
	c2.close()
	waitFor(t, 5*time.Second, func() bool { return outboxLen(t, f, c.session) == 1 })
	c3 := connect(t, f.url, c.session)
	rest := withIDs(c3.settle(5 * time.Second))
	if len(rest) != 1 || rest[0].raw != first[len(first)-1].raw {
		t.Fatalf("after the ack got %d frames %v, want only %s", len(rest), rest, first[len(first)-1].raw)
	}
}

func TestUnknownSessionOpensANewOne(t *testing.T) {
	f := startHub(t, openEngine(t, t.TempDir()), Config{})
	for _, id := range []string{"no-such-session", "bad id with spaces", strings.Repeat("x", 300)} {
		c := connect(t, f.url, id)
		if c.session == id || c.session == "" {
			t.Errorf("?session=%q: session frame says %q, want a new id", id, c.session)
		}
		e := c.until(3*time.Second, isType("error"))
		if e.Code != CodeUnknownSession {
			t.Errorf("?session=%q: error code %q, want %s", id, e.Code, CodeUnknownSession)
		}
		c.say("hello")
		c.until(3*time.Second, isType("message"))
		c.close()
	}
}

// expectRefused sends a bad frame and wants an error frame with code, and
// then a working connection.
func expectRefused(t *testing.T, c *client, code string, send func()) {
	t.Helper()
	send()
	e := c.until(10*time.Second, func(f frame) bool { return f.Type == "error" })
	if e.Code != code {
		t.Errorf("error code %q (%s), want %q", e.Code, e.Message, code)
	}
	if e.Message == "" {
		t.Errorf("error frame without a message: %s", e.raw)
	}
	c.say("hello again")
	if r := c.until(5*time.Second, func(f frame) bool { return f.Type == "message" || f.Type == "error" }); r.Type != "message" {
		t.Errorf("after the refusal a plain message got %s", r.raw)
	}
}

func TestRefusedFramesGetErrorCodesAndConnectionStaysUsable(t *testing.T) {
	f := startHub(t, openEngine(t, t.TempDir()), Config{})
	oversized := make([]byte, tickets.MaxAttachmentSize+1)
	copy(oversized, smallPNG(t))
	tests := []struct {
		name string
		code string
		send func(c *client)
	}{
		{"invalid JSON", CodeBadFrame, func(c *client) { c.sendRaw([]byte(`{"type":"message","text":"unterminated`)) }},
		{"invalid UTF-8", CodeBadFrame, func(c *client) { c.sendRaw([]byte("{\"type\":\"message\",\"text\":\"caf\xe9\"}")) }},
		{"no type", CodeBadFrame, func(c *client) { c.sendRaw([]byte(`{"text":"hi"}`)) }},
		{"message without text", CodeBadFrame, func(c *client) { c.sendRaw([]byte(`{"type":"message"}`)) }},
		{"blank text", CodeBadFrame, func(c *client) { c.say("  \n ") }},
		{"ack without id", CodeBadFrame, func(c *client) { c.sendRaw([]byte(`{"type":"ack"}`)) }},
		{"ack of an id never sent", CodeBadFrame, func(c *client) { c.send(map[string]string{"type": "ack", "id": "no-such-message-7"}) }},
		{"JSON array", CodeBadFrame, func(c *client) { c.sendRaw([]byte(`[1,2]`)) }},
		{"binary frame", CodeBadFrame, func(c *client) {
			if err := c.conn.WriteMessage(websocket.BinaryMessage, []byte(`{"type":"message","text":"hi"}`)); err != nil {
				t.Fatal(err)
			}
		}},
		{"unknown type", CodeUnknownType, func(c *client) { c.send(map[string]string{"type": "teleport", "text": "hi"}) }},
		{"4,001 characters", CodeTooLong, func(c *client) { c.say(strings.Repeat("a", 4001)) }},
		{"4,001 Chinese characters", CodeTooLong, func(c *client) { c.say(strings.Repeat("錢", 4001)) }},
		{"ZIP claimed as PNG", CodeBadAttachment, func(c *client) { c.send(attachment("a.png", "image/png", zipBytes(t))) }},
		{"text file", CodeBadAttachment, func(c *client) { c.send(attachment("a.txt", "text/plain", []byte("hello"))) }},
		{"bad base64", CodeBadFrame, func(c *client) {
			c.send(map[string]string{"type": "attachment", "filename": "a.png", "content_type": "image/png", "data": "!!notbase64!!"})
		}},
		{"attachment without data", CodeBadFrame, func(c *client) {
			c.send(map[string]string{"type": "attachment", "filename": "a.png", "content_type": "image/png"})
		}},
		{"one byte over 5 MiB", CodeTooLarge, func(c *client) { c.send(attachment("huge.png", "image/png", oversized)) }},
		{"frame over the read size", CodeTooLarge, func(c *client) {
			c.sendRaw([]byte(`{"type":"message","text":"` + strings.Repeat("a", int(maxFrame)) + `"}`))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := connect(t, f.url, "")
			defer c.close()
			c.settle(5 * time.Second) // the greeting
			expectRefused(t, c, tt.code, func() { tt.send(c) })
		})
	}
}

func TestLongestTextAndSmallPNGAccepted(t *testing.T) {
	f := startHub(t, openEngine(t, t.TempDir()), Config{})
	tests := []struct {
		name string
		send func(c *client)
	}{
		{"4,000 Chinese characters", func(c *client) { c.say(strings.Repeat("錢", 4000)) }},
		{"small PNG", func(c *client) { c.send(attachment("s.png", "image/png", smallPNG(t))) }},
		{"PNG as a data URL", func(c *client) {
			c.send(map[string]string{"type": "attachment", "filename": "s.png", "content_type": "image/png",
				"data": "data:image/png;base64," + base64.StdEncoding.EncodeToString(smallPNG(t))})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := connect(t, f.url, "")
			defer c.close()
			c.settle(5 * time.Second)
			tt.send(c)
			for _, fr := range c.reply(5 * time.Second) {
				if fr.Type == "error" {
					t.Fatalf("refused: %s", fr.raw)
				}
			}
		})
	}
}

func TestFrameOverHardLimitClosesWith1009(t *testing.T) {
	f := startHub(t, openEngine(t, t.TempDir()), Config{})
	c := connect(t, f.url, "")
	big := make([]byte, hardFrameLimit+1)
	for i := range big {
		big[i] = 'a'
	}
	_ = c.conn.WriteMessage(websocket.TextMessage, big) // the server may close while we write
	var err error
	for err == nil {
		_, err = c.next(5 * time.Second)
	}
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.CloseMessageTooBig {
		t.Fatalf("got %v, want close 1009", err)
	}
	c2 := connect(t, f.url, "")
	c2.say("hello")
	c2.until(5*time.Second, isType("message"))
}

func TestRateLimitPerSession(t *testing.T) {
	clock := newFakeClock()
	f := startHub(t, openEngine(t, t.TempDir()), Config{Limits: Limits{Rate: 2, Burst: 3}, Now: clock.Now})
	c := connect(t, f.url, "")
	tab2 := connect(t, f.url, c.session) // a second tab shares the bucket
	c.settle(5 * time.Second)
	tab2.settle(5 * time.Second)
	// One at a time, each answered, so which frame is over the burst is known.
	for i, tab := range []*client{c, c, tab2} {
		tab.say("message " + strconv.Itoa(i))
		if r := tab.until(5*time.Second, func(f frame) bool { return f.Type != "" }); r.Type != "message" {
			t.Fatalf("frame %d within the burst: %s", i, r.raw)
		}
	}
	tab2.say("over the burst of 3, from the second tab")
	e := tab2.until(5*time.Second, isType("error"))
	if e.Code != CodeRateLimited {
		t.Fatalf("got %s, want rate_limited", e.raw)
	}
	clock.Advance(600 * time.Millisecond) // a token comes back
	tab2.say("five")
	// A refusal would come first: the frame must be taken (the bot answers
	// every turn, after a ticket with its acknowledgement).
	for _, f := range tab2.reply(5 * time.Second) {
		if f.Type == "error" {
			t.Fatalf("after waiting, still refused: %s", f.raw)
		}
	}
}

func TestOrigin(t *testing.T) {
	f := startHub(t, openEngine(t, t.TempDir()), Config{Origins: []string{"https://shop.example.com", "widget.example.org:8443"}})
	host := strings.TrimPrefix(f.srv.URL, "http://")
	tests := []struct {
		origin string
		ok     bool
	}{
		{"", true}, // not a browser
		{"http://" + host, true},
		{"https://shop.example.com", true},
		{"HTTPS://Shop.Example.com", true},
		{"http://shop.example.com", false}, // scheme differs from the listed origin
		{"https://widget.example.org:8443", true},
		{"http://evil.example", false},
		{"null", false},
		{"http://" + host + ".evil.example", false},
	}
	for _, tt := range tests {
		hdr := http.Header{}
		if tt.origin != "" {
			hdr.Set("Origin", tt.origin)
		}
		conn, resp, err := dial(f.url, "", hdr)
		switch {
		case tt.ok && err != nil:
			t.Errorf("Origin %q refused: %v", tt.origin, err)
		case !tt.ok && err == nil:
			t.Errorf("Origin %q accepted", tt.origin)
		case !tt.ok && (resp == nil || resp.StatusCode != http.StatusForbidden):
			t.Errorf("Origin %q: want 403, got %v", tt.origin, resp)
		}
		if conn != nil {
			conn.Close()
		}
	}
}

func TestTwoTabsBothReceive(t *testing.T) {
	f := startHub(t, openEngine(t, t.TempDir()), Config{})
	a := connect(t, f.url, "")
	b := connect(t, f.url, a.session)
	greetA := withIDs(a.settle(5 * time.Second))
	greetB := withIDs(b.settle(5 * time.Second))
	if len(greetA) == 0 || len(greetA) != len(greetB) {
		t.Fatalf("tab a got %d frames, tab b %d: want the same, at least one", len(greetA), len(greetB))
	}
	a.say("hello")
	ra := a.until(5*time.Second, isType("message"))
	rb := b.until(5*time.Second, isType("message"))
	if ra.raw != rb.raw {
		t.Fatalf("tabs got different frames: %s and %s", ra.raw, rb.raw)
	}
}

// TestDeadClientDroppedAndReplayed: a client that stops reading stops
// answering pings; the server drops it, and what was sent meanwhile waits
// in the outbox for its return.
func TestDeadClientDroppedAndReplayed(t *testing.T) {
	f := startHub(t, openEngine(t, t.TempDir()), Config{Limits: Limits{PongWait: 400 * time.Millisecond}})
	// A raw gorilla connection that is never read: pings go unanswered.
	dead, _, err := dial(f.url, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dead.Close()
	// Learn the session from a second connection's view: read the first frame once.
	_ = dead.SetReadDeadline(time.Now().Add(5 * time.Second))
	var sf frame
	if err := dead.ReadJSON(&sf); err != nil || sf.Session == "" {
		t.Fatalf("session frame: %v %+v", err, sf)
	}
	live := connect(t, f.url, sf.Session)
	live.settle(5 * time.Second)
	waitFor(t, 3*time.Second, func() bool { return metricValue(f.hub.metrics.open) == 1 })
	live.say("while the first tab is gone")
	want := live.until(5*time.Second, isType("message"))
	live.close()
	back := connect(t, f.url, sf.Session)
	got := withIDs(back.settle(5 * time.Second))
	found := false
	for _, g := range got {
		found = found || g.raw == want.raw
	}
	if !found {
		t.Fatalf("the message sent while away (%s) was not replayed; got %d frames", want.raw, len(got))
	}
}

// TestSlowReaderDroppedWithoutLoss: a client whose socket does not drain is
// dropped by the write deadline; the frames it missed are replayed on
// reconnect. Long agent replies fill its small receive buffer quickly.
func TestSlowReaderDroppedWithoutLoss(t *testing.T) {
	eng, _ := realEngine(t, t.TempDir())
	f := startHub(t, eng, Config{Limits: Limits{WriteWait: 200 * time.Millisecond}}, smallSendBuffers)
	// The talker escalates to a ticket, so an agent can write to the session.
	talker := connect(t, f.url, "")
	talker.settle(5 * time.Second)
	var ticketID string
	for turn := 0; turn < 6 && ticketID == ""; turn++ {
		talker.say("I want to talk to a human agent please")
		for _, fr := range talker.reply(5 * time.Second) {
			if fr.Type == "ticket" {
				ticketID = fr.TicketID
			}
		}
	}
	if ticketID == "" {
		t.Fatal("no ticket after asking for a person")
	}
	// The slow tab: a tiny receive buffer, and it never reads after the session frame.
	nd := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			// Before connect, so the window is small from the start.
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 2048)
		})
		return errors.Join(err, serr)
	}}
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second, NetDialContext: nd.DialContext}
	slow, _, err := d.Dial(f.url+"?session="+talker.session, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	_ = slow.SetReadDeadline(time.Now().Add(5 * time.Second))
	var sf frame
	if err := slow.ReadJSON(&sf); err != nil || sf.Session != talker.session {
		t.Fatalf("session frame: %v %+v", err, sf)
	}
	// The talker reads everything the agent sends while the slow tab chokes.
	var mu sync.Mutex
	var sent []string
	ids := map[string]bool{}
	stop := make(chan struct{})
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		for {
			select {
			case <-stop:
				return
			case fr, ok := <-talker.frames:
				if !ok {
					return
				}
				if fr.ID != "" {
					mu.Lock()
					sent = append(sent, fr.raw)
					ids[fr.ID] = true
					mu.Unlock()
				}
			}
		}
	}()
	reply := strings.Repeat("We are checking the transfer with the bank now. ", 60) // ~2.9 KB
	dropped := false
	for i := 0; i < 100 && !dropped; i++ {
		if _, err := eng.Reply(t.Context(), ticketID, "alice", reply+strconv.Itoa(i)); err != nil {
			t.Fatalf("agent reply: %v", err)
		}
		dropped = metricValue(f.hub.metrics.dropped) > 0
	}
	if !dropped {
		t.Fatal("the slow client was never dropped")
	}
	// The talker takes the last replies.
	waitFor(t, 10*time.Second, func() bool {
		out := outboxOf(t, eng, talker.session)
		if len(out) == 0 {
			return true
		}
		mu.Lock()
		defer mu.Unlock()
		return ids[out[len(out)-1].ID]
	})
	close(stop)
	<-drained
	talker.close()
	mu.Lock()
	want := append([]string(nil), sent...)
	mu.Unlock()
	back := connect(t, f.url, talker.session)
	got := map[string]bool{}
	for _, fr := range withIDs(back.settle(10 * time.Second)) {
		got[fr.raw] = true
	}
	missing := 0
	for _, w := range want {
		if !got[w] {
			missing++
		}
	}
	if missing > 0 || len(want) == 0 {
		t.Fatalf("%d of %d frames missing after the slow client came back", missing, len(want))
	}
}

func TestShutdownClosesClientsWithCloseFrame(t *testing.T) {
	f := startHub(t, openEngine(t, t.TempDir()), Config{})
	var cs []*client
	for range 3 {
		c := connect(t, f.url, "")
		c.settle(5 * time.Second)
		cs = append(cs, c)
	}
	waitFor(t, 3*time.Second, func() bool { return metricValue(f.hub.metrics.open) == 3 })
	start := time.Now()
	f.stop(t)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Run took %s to return", d)
	}
	for i, c := range cs {
		var err error
		for err == nil {
			_, err = c.next(3 * time.Second)
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != websocket.CloseGoingAway {
			t.Errorf("client %d ended with %v, want close 1001", i, err)
		}
	}
	if g := metricValue(f.hub.metrics.open); g != 0 {
		t.Errorf("open connections gauge %v after shutdown", g)
	}
	// New connections are refused once the hub has stopped.
	resp, err := http.Get(f.srv.URL + "/ws")
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("after shutdown /ws answers %d, want 503", resp.StatusCode)
		}
	}
}

func TestMetrics(t *testing.T) {
	f := startHub(t, openEngine(t, t.TempDir()), Config{})
	c := connect(t, f.url, "")
	c.settle(5 * time.Second)
	c.say("hello")
	c.until(5*time.Second, isType("message"))
	c.send(map[string]string{"type": "teleport"})
	c.until(5*time.Second, isType("error"))
	waitFor(t, 2*time.Second, func() bool { return metricValue(f.hub.metrics.open) == 1 })
	checks := map[string]float64{
		"in message":    metricValue(f.hub.metrics.framesIn.WithLabelValues("message")),
		"in other":      metricValue(f.hub.metrics.framesIn.WithLabelValues("other")),
		"out session":   metricValue(f.hub.metrics.framesOut.WithLabelValues("session")),
		"out message":   metricValue(f.hub.metrics.framesOut.WithLabelValues("message")),
		"unknown_type":  metricValue(f.hub.metrics.refused.WithLabelValues(CodeUnknownType)),
		"registry size": float64(familyCount(t, f.reg)),
	}
	for name, v := range checks {
		if v < 1 {
			t.Errorf("%s = %v, want ≥ 1", name, v)
		}
	}
	c.close()
	waitFor(t, 3*time.Second, func() bool { return metricValue(f.hub.metrics.open) == 0 })
}

func TestNewRequires(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string // "" when New must succeed
	}{
		{"no engine", Config{Origins: []string{"*"}}, "ws: Config.Engine is required"},
		{"engine", Config{Engine: openEngine(t, t.TempDir())}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := New(tt.cfg)
			switch {
			case tt.want == "" && (err != nil || h == nil):
				t.Fatalf("New: %v, %v", h, err)
			case tt.want != "" && (err == nil || err.Error() != tt.want || h != nil):
				t.Fatalf("New: %v, error %v, want %q", h, err, tt.want)
			}
		})
	}
}

func TestRunTwice(t *testing.T) {
	f := startHub(t, openEngine(t, t.TempDir()), Config{})
	if err := f.hub.Run(t.Context()); !errors.Is(err, ErrRunning) {
		t.Errorf("second Run: %v", err)
	}
}

// TestResumeAfterServerRestart closes the hub, the server and the store,
// reopens the same bbolt file with a new engine and hub, and resumes: the
// session is the same and every unacknowledged frame comes back unchanged.
func TestResumeAfterServerRestart(t *testing.T) {
	dir := t.TempDir()
	eng, closeStore := realEngine(t, dir)
	f := startHub(t, eng, Config{})
	c := connect(t, f.url, "")
	before := withIDs(c.settle(5 * time.Second)) // the greeting
	for _, text := range []string{"hello", "我提款去銀行戶口三日都未到", "昨天下午三点左右"} {
		c.say(text)
		before = append(before, withIDs(c.reply(5*time.Second))...)
	}
	if len(before) < 3 {
		t.Fatalf("only %d frames before the restart", len(before))
	}
	// Acknowledge the first frame only: the rest must survive the restart.
	// The server has taken the acknowledgement once it answers the frame
	// after it (sync), and writes it as it shuts down.
	c.ack(before[0].ID)
	c.sync()
	f.stop(t) // live client: closed with 1001 by the hub
	if n := outboxLen(t, f, c.session); n != len(before)-1 {
		t.Fatalf("after the shutdown the outbox holds %d, want %d", n, len(before)-1)
	}
	closeStore()

	eng2, _ := realEngine(t, dir)
	f2 := startHub(t, eng2, Config{})
	c2 := connect(t, f2.url, c.session)
	if c2.session != c.session {
		t.Fatalf("after the restart the session is %s, want %s", c2.session, c.session)
	}
	after := withIDs(c2.settle(5 * time.Second))
	if len(after) != len(before)-1 {
		t.Fatalf("replayed %d frames after the restart, want %d", len(after), len(before)-1)
	}
	for i, fr := range after {
		if fr.raw != before[i+1].raw {
			t.Errorf("frame %d after the restart %s, before %s", i, fr.raw, before[i+1].raw)
		}
	}
	// The conversation goes on, and new ids do not reuse old ones.
	c2.say("HK$500")
	for _, fr := range withIDs(c2.settle(5 * time.Second)) {
		for _, b := range before {
			if fr.ID == b.ID && fr.raw != b.raw {
				t.Errorf("id %s reused with other content: %s, before %s", fr.ID, fr.raw, b.raw)
			}
		}
	}
}

// TestLangHintGreets checks that a page's ?lang= picks the greeting's
// language for a new conversation, and that without it the greeting serves
// both of our most likely readers.
func TestLangHintGreets(t *testing.T) {
	f := startHub(t, openEngine(t, t.TempDir()), Config{})
	for _, tt := range []struct{ query string }{{"?lang=zh-Hans"}, {"?lang=en"}, {""}} {
		t.Run(tt.query, func(t *testing.T) {
			conn, _, err := websocket.DefaultDialer.Dial(f.url+tt.query, nil)
			if err != nil {
				t.Fatal(err)
			}
			c := wrap(t, conn)
			defer c.close()
			c.must(5 * time.Second) // the session frame
			g := c.until(5*time.Second, isType("message"))
			han := strings.ContainsFunc(g.Text, func(r rune) bool { return r >= 0x4E00 && r <= 0x9FFF })
			latin := strings.ContainsFunc(g.Text, func(r rune) bool { return r >= 'a' && r <= 'z' })
			switch tt.query {
			case "?lang=zh-Hans":
				if !han || latin || intents.DetectLang(g.Text) != language.ZhHans {
					t.Errorf("greeting %q: want Simplified Chinese only", g.Text)
				}
			case "?lang=en":
				if han || !latin {
					t.Errorf("greeting %q: want English only", g.Text)
				}
			default:
				if !han || !latin {
					t.Errorf("greeting %q: want Chinese and English", g.Text)
				}
			}
		})
	}
}

// outboxLen is how many messages the session's outbox holds.
func outboxLen(t *testing.T, f *fixture, session string) int {
	t.Helper()
	return len(outboxOf(t, f.hub.engine, session))
}

// TestRefusalFrameSaysWhy: a frame the domain refuses is answered with the
// refusal's sentence, not the engine's error chain.
func TestRefusalFrameSaysWhy(t *testing.T) {
	f := startHub(t, openEngine(t, t.TempDir()), Config{})
	c := connect(t, f.url, "")
	defer c.close()
	c.settle(5 * time.Second) // the greeting
	c.send(map[string]string{"type": "ack", "id": "no-such-message-7"})
	e := c.until(10*time.Second, func(f frame) bool { return f.Type == "error" })
	if want := `The acknowledged message "no-such-message-7" was never sent in this conversation.`; e.Code != CodeBadFrame || e.Message != want {
		t.Errorf("error frame %s, want code %q message %q", e.raw, CodeBadFrame, want)
	}
}
