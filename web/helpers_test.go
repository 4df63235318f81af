package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/triagebot/triagebot/bot"
	"github.com/triagebot/triagebot/escalation"
	"github.com/triagebot/triagebot/intents"
	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
)

// t0 is the fixture's "now": tickets are created relative to it.
var t0 = time.Date(2025, 11, 3, 10, 0, 0, 0, time.UTC)

// fixture is a Server on a real bbolt file and the real engine, with
// agents and tickets made directly in the store.
type fixture struct {
	t      *testing.T
	store  *boltstore.Store
	srv    *httptest.Server
	reg    *prometheus.Registry
	tokens map[string]string // agent name → bearer token
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return newFixtureOpts(t, boltstore.Options{NoSync: true})
}

// newFixtureOpts is newFixture with the store's options (a fault hook).
func newFixtureOpts(t *testing.T, opts boltstore.Options) *fixture {
	t.Helper()
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "web.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	cls, err := intents.NewOffline()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := bot.New(bot.Config{Store: st, Classifier: cls, Router: escalation.Default(),
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, store: st, reg: prometheus.NewRegistry(), tokens: map[string]string{}}
	s := newServer(t, Config{Store: st, Engine: eng, Registry: f.reg, Logger: slog.New(slog.DiscardHandler),
		Now: func() time.Time { return t0 }})
	f.srv = httptest.NewServer(s.Handler())
	t.Cleanup(f.srv.Close)
	f.agent("alice", false)
	f.agent("bob", false)
	f.agent("root", true)
	f.agent("carol", false, "merchant")
	return f
}

// agent creates an agent and remembers its token.
func (f *fixture) agent(name string, admin bool, queues ...string) {
	f.t.Helper()
	tok, hash, err := tickets.NewToken()
	if err != nil {
		f.t.Fatal(err)
	}
	err = f.store.Update(context.Background(), func(tx tickets.Tx) error {
		return tx.CreateAgent(&tickets.Agent{Name: name, Admin: admin, Queues: queues, TokenHash: hash})
	})
	if err != nil {
		f.t.Fatal(err)
	}
	f.tokens[name] = tok
}

// ticket stores a ticket with a web conversation, created age before t0.
func (f *fixture) ticket(p tickets.Priority, queue string, age time.Duration) tickets.Ticket {
	f.t.Helper()
	tk := tickets.Ticket{
		Status: tickets.Open, Intent: "withdrawal_failed", Priority: p, Queue: queue,
		SLADue: t0.Add(time.Hour - age), Channel: tickets.Web, Lang: "en",
		User:       tickets.User{ID: "u-" + queue, Name: "Chan Tai Man"},
		Details:    tickets.Details{Amount: "1200.00", Currency: "HKD", TransactionID: "TX1"},
		Transcript: []tickets.Entry{{From: tickets.FromUser, Text: "my withdrawal failed", At: t0.Add(-age)}},
		CreatedAt:  t0.Add(-age),
	}
	err := f.store.Update(context.Background(), func(tx tickets.Tx) error {
		conv := tickets.Conversation{ID: "c-" + queue + "-" + age.String(), Channel: tickets.Web, User: tk.User}
		if err := tx.PutConversation(&conv); err != nil {
			return err
		}
		tk.ConversationID = conv.ID
		return tx.CreateTicket(&tk)
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return tk
}

// attach stores data as an attachment of ticket id.
func (f *fixture) attach(id string, data []byte) tickets.Attachment {
	f.t.Helper()
	a := tickets.Attachment{Filename: "screen shot.png", ContentType: "image/png"}
	err := f.store.Update(context.Background(), func(tx tickets.Tx) error {
		if err := tx.PutAttachment(&a, id, data); err != nil {
			return err
		}
		tk, err := tx.Ticket(id)
		if err != nil {
			return err
		}
		tk.Attachments = append(tk.Attachments, a)
		return tx.PutTicket(&tk)
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

// response is one answer read whole.
type response struct {
	status int
	header http.Header
	body   []byte
}

// errCode returns the code of a JSON error body, or "".
func (r response) errCode() string {
	var e apiError
	_ = json.Unmarshal(r.body, &e)
	return e.Error.Code
}

// do sends a request as agent (no header when agent is ""); a string body
// is sent as is, anything else as JSON.
func (f *fixture) do(method, path, agent string, body any) response {
	f.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewReader([]byte(b))
	default:
		j, err := json.Marshal(b)
		if err != nil {
			f.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, f.srv.URL+path, rd)
	if err != nil {
		f.t.Fatal(err)
	}
	if agent != "" {
		tok, ok := f.tokens[agent]
		if !ok {
			tok = agent // a literal (wrong) token
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// decodeTicket parses a ticket answer.
func decodeTicket(t *testing.T, r response) tickets.Ticket {
	t.Helper()
	var tk tickets.Ticket
	if err := json.Unmarshal(r.body, &tk); err != nil {
		t.Fatalf("not a ticket: %v: %s", err, r.body)
	}
	return tk
}

// pngBytes is a small real PNG.
func pngBytes(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 24, 16))
	for x := range 24 {
		for y := range 16 {
			img.Set(x, y, color.RGBA{R: uint8(x * 10), G: 80, B: uint8(y * 15), A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// newServer is New for tests of a part other than the store or the engine:
// a nil Store becomes a fresh bbolt file, a nil Engine one that refuses
// every change, a nil Logger a quiet one.
func newServer(tb testing.TB, cfg Config) *Server {
	tb.Helper()
	if cfg.Store == nil {
		st, err := boltstore.Open(filepath.Join(tb.TempDir(), "server.db"), boltstore.Options{NoSync: true})
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { _ = st.Close() })
		cfg.Store = st
	}
	if cfg.Engine == nil {
		cfg.Engine = refusingEngine{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// errRefused is refusingEngine's answer to every change.
var errRefused = errors.New("test engine: refused")

// refusingEngine fails every change: for tests that make none.
type refusingEngine struct{}

func (refusingEngine) Claim(context.Context, string, string) (tickets.Ticket, error) {
	return tickets.Ticket{}, errRefused
}

func (refusingEngine) Release(context.Context, string, string) (tickets.Ticket, error) {
	return tickets.Ticket{}, errRefused
}

func (refusingEngine) Reply(context.Context, string, string, string) (tickets.Ticket, error) {
	return tickets.Ticket{}, errRefused
}

func (refusingEngine) Resolve(context.Context, string, string, string) (tickets.Ticket, error) {
	return tickets.Ticket{}, errRefused
}

func (refusingEngine) Note(context.Context, string, string, string) (tickets.Ticket, error) {
	return tickets.Ticket{}, errRefused
}

func (refusingEngine) Transfer(context.Context, string, string, tickets.Target) (tickets.Ticket, error) {
	return tickets.Ticket{}, errRefused
}
