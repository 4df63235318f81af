package telegram

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/triagebot/triagebot/bot"
	"github.com/triagebot/triagebot/escalation"
	"github.com/triagebot/triagebot/intents"
	"github.com/triagebot/triagebot/internal/fakebot"
	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
)

const testToken = "123:TEST"

// The offline classifier, trained once per test binary (it is read-only).
var (
	classifierOnce sync.Once
	classifier     *intents.Offline
	classifierErr  error
)

// currentFake is the newest harness's fake Bot API, whose calls wake waitFor.
var currentFake atomic.Pointer[fakebot.Bot]

// recEngine is the real engine, recording what the channel hands it.
type recEngine struct {
	*bot.Engine
	mu      sync.Mutex
	inbound []bot.Inbound
	opens   int
}

func (r *recEngine) Open(ctx context.Context, req bot.OpenRequest) (tickets.Conversation, bool, error) {
	r.mu.Lock()
	r.opens++
	r.mu.Unlock()
	return r.Engine.Open(ctx, req)
}

func (r *recEngine) openCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.opens
}

func (r *recEngine) Handle(ctx context.Context, in bot.Inbound) error {
	r.mu.Lock()
	r.inbound = append(r.inbound, in)
	r.mu.Unlock()
	return r.Engine.Handle(ctx, in)
}

func (r *recEngine) handled() []bot.Inbound {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bot.Inbound(nil), r.inbound...)
}

// harness is a channel on the real engine and a real bbolt file, talking to
// a fake Bot API.
type harness struct {
	t      *testing.T
	fake   *fakebot.Bot
	dbPath string
	store  *boltstore.Store
	engine *recEngine
	ch     *Channel
	cfg    Config
	cancel context.CancelFunc
	done   chan error
}

// quietLogger discards logs unless TG_TEST_LOG is set.
func quietLogger() *slog.Logger {
	if os.Getenv("TG_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// newHarness starts everything; tune may change the channel's config.
func newHarness(t *testing.T, tune func(*Config)) *harness {
	t.Helper()
	h := &harness{t: t, fake: fakebot.New(testToken), dbPath: filepath.Join(t.TempDir(), "tb.db")}
	currentFake.Store(h.fake)
	h.fake.PollCap = 300 * time.Millisecond
	t.Cleanup(h.fake.Close)
	h.cfg = Config{Token: testToken, Endpoint: h.fake.Endpoint(), ConsoleURL: "http://console.test",
		Logger: quietLogger(), PollTimeout: time.Second,
		Limits: Limits{PerChat: 20, PerChatBurst: 5, Global: 200, GlobalBurst: 50}}
	if tune != nil {
		tune(&h.cfg)
	}
	h.start()
	t.Cleanup(h.stop)
	return h
}

// start opens the store, the engine and the channel, and runs it.
func (h *harness) start() {
	h.t.Helper()
	st, err := boltstore.Open(h.dbPath, boltstore.Options{NoSync: true})
	if err != nil {
		h.t.Fatal(err)
	}
	classifierOnce.Do(func() { classifier, classifierErr = intents.NewOffline() })
	if classifierErr != nil {
		h.t.Fatal(classifierErr)
	}
	cls := classifier
	loc, _ := time.LoadLocation("Asia/Hong_Kong")
	eng, err := bot.New(bot.Config{Store: st, Classifier: cls, Router: escalation.Default(), Location: loc,
		Logger: quietLogger(), Notices: h.cfg.AgentChatID != 0})
	if err != nil {
		h.t.Fatal(err)
	}
	h.store, h.engine = st, &recEngine{Engine: eng}
	cfg := h.cfg
	cfg.Engine, cfg.Store = h.engine, st
	ctx, cancel := context.WithCancel(context.Background())
	ch, err := New(ctx, cfg)
	if err != nil {
		cancel()
		h.t.Fatal(err)
	}
	h.ch, h.cancel, h.done = ch, cancel, make(chan error, 1)
	go func() { h.done <- ch.Run(ctx) }()
}

// stop ends the channel (within a second) and closes the store.
func (h *harness) stop() {
	if h.cancel == nil {
		return
	}
	h.cancel()
	select {
	case err := <-h.done:
		if err != nil {
			h.t.Errorf("Run: %v", err)
		}
	case <-time.After(3 * time.Second):
		h.t.Error("Run did not return within 3s of cancel")
	}
	h.cancel = nil
	if err := h.store.Close(); err != nil {
		h.t.Errorf("closing store: %v", err)
	}
}

func (h *harness) restart() {
	h.stop()
	h.start()
}

// ticketOf returns the ticket of the conversation of chat, if any yet.
func (h *harness) ticketOf(chat int64) (tickets.Ticket, bool) {
	conv, err := h.engine.Conversation(context.Background(), convPrefix+itoa(chat))
	if err != nil || conv.TicketID == "" {
		return tickets.Ticket{}, false
	}
	var tk tickets.Ticket
	err = h.store.View(context.Background(), func(tx tickets.Tx) error {
		var err error
		tk, err = tx.Ticket(conv.TicketID)
		return err
	})
	return tk, err == nil
}

// burst is the bot's answer to the last user turn: the messages to chat
// after index from, once the channel has settled.
func (h *harness) burst(chat int64, from int) []fakebot.Call {
	h.t.Helper()
	h.settle()
	sent := h.fake.Sent(chat)
	if len(sent) <= from {
		h.t.Fatalf("no answer in chat %d after message %d", chat, from)
	}
	return sent[from:]
}

// settled reports whether the channel has nothing left to do: every update
// fetched and handled, no outbox being delivered, no notice waiting.
func (h *harness) settled() bool {
	if h.fake.Pending() > 0 || !h.ch.work.idle() {
		return false
	}
	if h.cfg.AgentChatID != 0 {
		ns, err := h.store.Notices(context.Background(), 1)
		if err != nil || len(ns) > 0 {
			return false
		}
	}
	ids, err := h.engine.Pending(context.Background(), tickets.Telegram)
	if err != nil {
		return false
	}
	for _, id := range ids {
		// An unreachable conversation keeps its outbox for the record.
		if conv, err := h.engine.Conversation(context.Background(), id); err != nil || !conv.Unreachable {
			return false
		}
	}
	return true
}

// settle waits until the channel has settled.
func (h *harness) settle() {
	h.t.Helper()
	waitFor(h.t, "the channel to settle", 10*time.Second, h.settled)
}

// waitFor waits until cond holds, looking again at every Bot API call and
// at least every few milliseconds (for what changes in the store alone).
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		var changed <-chan struct{}
		if h := currentFake.Load(); h != nil {
			changed = h.Changed()
		}
		if cond() {
			return
		}
		select {
		case <-changed:
		case <-tick.C:
		case <-deadline.C:
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// fastClock runs k times faster than real time: backoffs of seconds take
// tens of milliseconds. Its Now advances k seconds per real second.
type fastClock struct {
	start time.Time
	k     time.Duration
}

func newFastClock(k time.Duration) *fastClock { return &fastClock{start: time.Now(), k: k} }

func (f *fastClock) Now() time.Time { return f.start.Add(time.Since(f.start) * f.k) }
func (f *fastClock) After(d time.Duration) <-chan time.Time {
	return time.After(d / f.k)
}
