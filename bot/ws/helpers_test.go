package ws

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/triagebot/triagebot/tickets"
)

// fixtures maps a hub's URL to its fixture, so that a client can ask the
// engine what it should have received by now.
var fixtures sync.Map

// fixture is a hub behind an httptest server.
type fixture struct {
	hub    *Hub
	srv    *httptest.Server
	url    string // ws://host/ws
	reg    *prometheus.Registry
	cancel context.CancelFunc
	runErr chan error
	done   bool
}

// startHub runs a hub for eng; cfg.Engine and cfg.Registerer are filled in.
func startHub(t *testing.T, eng Engine, cfg Config, opts ...func(*httptest.Server)) *fixture {
	t.Helper()
	f := &fixture{reg: prometheus.NewRegistry(), runErr: make(chan error, 1)}
	cfg.Engine = eng
	cfg.Registerer = f.reg
	hub, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.hub = hub
	ctx, cancel := context.WithCancel(context.Background())
	f.cancel = cancel
	go func() { f.runErr <- f.hub.Run(ctx) }()
	// Wait until Run has taken over, so ServeHTTP does not answer 503.
	waitFor(t, 2*time.Second, func() bool { return f.hub.state.Load() == stateRunning })
	mux := http.NewServeMux()
	mux.Handle("GET /ws", f.hub)
	f.srv = httptest.NewUnstartedServer(mux)
	for _, o := range opts {
		o(f.srv)
	}
	f.srv.Start()
	f.url = "ws" + strings.TrimPrefix(f.srv.URL, "http") + "/ws"
	fixtures.Store(f.url, f)
	t.Cleanup(func() { fixtures.Delete(f.url); f.stop(t) })
	return f
}

// stop cancels Run and waits for it: it must return once every
// connection is closed.
func (f *fixture) stop(t *testing.T) {
	t.Helper()
	if f.done {
		return
	}
	f.done = true
	f.cancel()
	select {
	case err := <-f.runErr:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("Run did not return within 10s of cancel")
	}
	f.srv.Close()
}

// frame is a server frame as a test sees it.
type frame struct {
	Type         string   `json:"type"`
	Session      string   `json:"session"`
	ID           string   `json:"id"`
	From         string   `json:"from"`
	Text         string   `json:"text"`
	QuickReplies []string `json:"quick_replies"`
	TicketID     string   `json:"ticket_id"`
	Status       string   `json:"status"`
	Queue        string   `json:"queue"`
	Priority     string   `json:"priority"`
	Team         string   `json:"team"`
	SLADue       string   `json:"sla_due"`
	DueText      string   `json:"due_text"`
	Agent        string   `json:"agent"`
	ClientID     string   `json:"client_id"`
	At           string   `json:"at"`
	Code         string   `json:"code"`
	Message      string   `json:"message"`
	raw          string
}

// client is a real gorilla client with a reader goroutine.
type client struct {
	t       *testing.T
	conn    *websocket.Conn
	session string
	frames  chan frame
	err     error           // why reading stopped; set before frames is closed
	eng     Engine          // the hub's engine, when the URL is a fixture's
	seen    map[string]bool // ids of the frames read
}

var errQuiet = errors.New("no frame in time")

func dial(wsURL, session string, hdr http.Header) (*websocket.Conn, *http.Response, error) {
	if session != "" {
		wsURL += "?session=" + url.QueryEscape(session)
	}
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	return d.Dial(wsURL, hdr)
}

// connect dials and reads the session frame, which must come first.
func connect(t *testing.T, wsURL, session string) *client {
	t.Helper()
	conn, _, err := dial(wsURL, session, nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	c := wrap(t, conn)
	if f, ok := fixtures.Load(wsURL); ok {
		c.eng = f.(*fixture).hub.engine
	}
	f := c.must(5 * time.Second)
	if f.Type != "session" || f.Session == "" {
		t.Fatalf("first frame is not a session frame: %s", f.raw)
	}
	c.session = f.Session
	return c
}

func wrap(t *testing.T, conn *websocket.Conn) *client {
	c := &client{t: t, conn: conn, frames: make(chan frame, 4096), seen: map[string]bool{}}
	go func() {
		defer close(c.frames)
		for {
			_, data, err := conn.ReadMessage()
			if err != nil {
				c.err = err
				return
			}
			var f frame
			if err := json.Unmarshal(data, &f); err != nil {
				f.Type = "(not JSON)"
			}
			f.raw = string(data)
			c.frames <- f
		}
	}()
	t.Cleanup(func() { _ = conn.Close() })
	return c
}

func (c *client) next(wait time.Duration) (frame, error) {
	select {
	case f, ok := <-c.frames:
		if !ok {
			return frame{}, c.err
		}
		if f.ID != "" {
			c.seen[f.ID] = true
		}
		return f, nil
	case <-time.After(wait):
		return frame{}, errQuiet
	}
}

func (c *client) must(wait time.Duration) frame {
	c.t.Helper()
	f, err := c.next(wait)
	if err != nil {
		c.t.Fatalf("waiting for a frame: %v", err)
	}
	return f
}

// until returns the first frame matching, failing the test after wait.
func (c *client) until(wait time.Duration, match func(frame) bool) frame {
	c.t.Helper()
	end := time.Now().Add(wait)
	for {
		f, err := c.next(time.Until(end))
		if err != nil {
			c.t.Fatalf("no matching frame within %s: %v", wait, err)
		}
		if match(f) {
			return f
		}
	}
}

// settle reads frames until the client has read the newest message of its
// conversation's outbox (at once when it has, or the outbox is empty): what
// the server has to send is then all here. It fails the test after wait.
func (c *client) settle(wait time.Duration) []frame {
	c.t.Helper()
	if c.eng == nil {
		c.t.Fatal("settle: the client's server is no fixture")
	}
	var got []frame
	deadline := time.Now().Add(wait)
	for {
		out := outboxOf(c.t, c.eng, c.session)
		if len(out) == 0 || c.seen[out[len(out)-1].ID] {
			return got
		}
		f, err := c.next(time.Until(deadline))
		if err != nil {
			c.t.Fatalf("settle: %d outbox messages, the newest %s not read within %s: %v", len(out), out[len(out)-1].ID, wait, err)
		}
		got = append(got, f)
	}
}

// outboxOf is the outbox of the conversation a session key resumes (the
// key is not the conversation's id).
func outboxOf(t *testing.T, eng Engine, session string) []tickets.OutMessage {
	t.Helper()
	ctx := context.Background()
	conv, err := eng.ConversationByResume(ctx, tickets.HashToken(session))
	if errors.Is(err, tickets.ErrNotFound) {
		return nil
	}
	if err != nil {
		t.Fatalf("conversation of the session: %v", err)
	}
	// The whole outbox, as the store holds it (the channel itself only
	// asks for what follows its last message: OutboxAfter).
	reader, ok := eng.(interface {
		Outbox(ctx context.Context, conversationID string) ([]tickets.OutMessage, error)
	})
	if !ok {
		t.Fatalf("outbox: the engine %T cannot list an outbox", eng)
	}
	out, err := reader.Outbox(ctx, conv.ID)
	if err != nil {
		t.Fatalf("outbox: %v", err)
	}
	return out
}

// reply reads the answer to what the client just sent: at least one frame
// (the answer's first, or an error), then the rest of the outbox. What
// came before must have been read (settle), or it would pass for the answer.
func (c *client) reply(wait time.Duration) []frame {
	c.t.Helper()
	first := c.must(wait)
	return append([]frame{first}, c.settle(wait)...)
}

// waitFor waits until cond holds, looking again every few milliseconds.
func waitFor(t *testing.T, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline.C:
			t.Fatalf("condition not met within %s", d)
		}
	}
}

// fakeClock is a clock tests move by hand (Config.Now).
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Date(2025, 11, 3, 10, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *client) sendRaw(b []byte) {
	c.t.Helper()
	_ = c.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if err := c.conn.WriteMessage(websocket.TextMessage, b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

func (c *client) send(v any) {
	c.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		c.t.Fatal(err)
	}
	c.sendRaw(b)
}

func (c *client) say(text string) {
	c.t.Helper()
	c.send(map[string]string{"type": "message", "text": text})
}
func (c *client) ack(id string) { c.t.Helper(); c.send(map[string]string{"type": "ack", "id": id}) }

func (c *client) close() {
	_ = c.conn.WriteControl(websocket.CloseMessage,
		websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
	_ = c.conn.Close()
}

func isType(t string) func(frame) bool { return func(f frame) bool { return f.Type == t } }

// withIDs keeps the frames that carry an outbox id.
func withIDs(fs []frame) []frame {
	var out []frame
	for _, f := range fs {
		if f.ID != "" {
			out = append(out, f)
		}
	}
	return out
}

// metricValue reads a gauge's or counter's current value.
func metricValue(m prometheus.Metric) float64 {
	var d dto.Metric
	if err := m.Write(&d); err != nil {
		return -1
	}
	if g := d.GetGauge(); g != nil {
		return g.GetValue()
	}
	return d.GetCounter().GetValue()
}

// familyCount is how many metric families the registry gathers.
func familyCount(t *testing.T, reg *prometheus.Registry) int {
	t.Helper()
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	return len(fams)
}

// smallSendBuffers makes the server's sockets hold little unsent data, so
// a client that does not read blocks the server's writes quickly.
func smallSendBuffers(s *httptest.Server) { s.Listener = smallBufListener{s.Listener} }

type smallBufListener struct{ net.Listener }

func (l smallBufListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(4096)
	}
	return c, err
}
