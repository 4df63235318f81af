// Package ws is the web chat channel: a WebSocket endpoint (GET /ws) that
// turns client frames into bot.Inbound events and delivers each
// conversation's outbox as server frames, as the contract's section 3 says.
//
// The shape is gorilla's chat example: one goroutine (Run) owns the set of
// connections, every connection has one reader and one writer goroutine,
// timeouts are named, and a client that does not keep up is dropped, never
// waited for. Unlike the example, nothing is lost when a client is dropped:
// the writer reads what to send from the engine's durable outbox, so a
// dropped or restarted client gets everything it has not acknowledged when
// it comes back with ?session=.
package ws

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/triagebot/triagebot/bot"
	"github.com/triagebot/triagebot/internal/logs"
	"github.com/triagebot/triagebot/tickets"
)

// Timeouts and limits. Config.Limits may override the ones it names (tests do).
const (
	// writeWait bounds every write: a client whose socket does not drain a
	// frame within it is too slow and is dropped.
	writeWait = 10 * time.Second
	// pongWait is how long a connection may stay silent (no frame, no pong)
	// before it is considered dead; pings go at 9/10 of it (pingPeriod).
	pongWait = 60 * time.Second
	// closeWait bounds a close frame.
	closeWait = time.Second
	// handshakeWait bounds the HTTP upgrade.
	handshakeWait = 10 * time.Second
	// DefaultEngineTimeout bounds one engine call made for a client frame
	// (a slow model's classification included). A server keeps it below its
	// shutdown timeout, so shutdown never waits on one past its bound.
	DefaultEngineTimeout = 15 * time.Second
	// sendBuffer is how many error frames may wait for the writer; a client
	// that lets more pile up is not reading and is dropped.
	sendBuffer = 16
	// frameRate and frameBurst are each conversation's token bucket. It
	// outlives the conversation's connections (limiterSet), so reconnecting
	// does not refill it.
	frameRate  = 10
	frameBurst = 20
	// ipConnRate and ipConnBurst bound the handshakes of one client address
	// (reconnects included); ipMaxConns its open connections.
	ipConnRate  = 1.0
	ipConnBurst = 60
	ipMaxConns  = 100
	// ipSessionRate and ipSessionBurst bound the new conversations one
	// client address may open: 20, then one every 3 s.
	ipSessionRate  = 1.0 / 3
	ipSessionBurst = 20
	// maxLimiters bounds each map of limiters (per conversation, per
	// address); idle ones are forgotten long before it matters.
	maxLimiters = 100_000
	// limiterSweep is how often Run forgets limiters that are full again.
	limiterSweep = time.Minute
	// bufferSize is gorilla's read and write buffer: small, because 10,000
	// idle connections each keep their read buffer; big frames are read
	// through it in pieces.
	bufferSize = 1024
)

// Engine is what the channel needs of bot.Engine.
type Engine interface {
	Open(ctx context.Context, req bot.OpenRequest) (tickets.Conversation, bool, error)
	ConversationByResume(ctx context.Context, hash []byte) (tickets.Conversation, error)
	Handle(ctx context.Context, in bot.Inbound) error
	OutboxAfter(ctx context.Context, conversationID string, after uint64) ([]tickets.OutMessage, error)
	Ack(ctx context.Context, conversationID, messageID string) error
	Subscribe(ch tickets.Channel, notify func(conversationID string))
}

// Limits tune the hub; a zero field takes the default constant.
type Limits struct {
	WriteWait     time.Duration // bound of each write; a slower client is dropped
	PongWait      time.Duration // silence after which a connection is dead; pings go at 9/10 of it
	EngineTimeout time.Duration // bound of one engine call
	SendBuffer    int           // error frames that may wait for the writer; more are coalesced
	Rate          float64       // frames per second per conversation
	Burst         int           // frames a conversation may send at once
	AckWait       time.Duration // longest an acknowledgement waits for a turn to carry it (acks.go)

	// Per client address (see Config.TrustedProxies and Config.Unlimited).
	// A rate of math.Inf(1) turns that limit off.
	IPConnRate     float64 // WebSocket handshakes per second
	IPConnBurst    int     // handshakes at once
	IPMaxConns     int     // open connections; < 0: no cap
	IPSessionRate  float64 // new conversations per second
	IPSessionBurst int     // new conversations at once
}

func (l Limits) withDefaults() Limits {
	l.WriteWait = orDefault(l.WriteWait, writeWait)
	l.PongWait = orDefault(l.PongWait, pongWait)
	l.EngineTimeout = orDefault(l.EngineTimeout, DefaultEngineTimeout)
	l.SendBuffer = orDefault(l.SendBuffer, sendBuffer)
	l.Rate = orDefault(l.Rate, frameRate)
	l.Burst = orDefault(l.Burst, frameBurst)
	l.AckWait = orDefault(l.AckWait, ackWait)
	l.IPConnRate = orDefault(l.IPConnRate, ipConnRate)
	l.IPConnBurst = orDefault(l.IPConnBurst, ipConnBurst)
	if l.IPMaxConns == 0 {
		l.IPMaxConns = ipMaxConns
	}
	l.IPSessionRate = orDefault(l.IPSessionRate, ipSessionRate)
	l.IPSessionBurst = orDefault(l.IPSessionBurst, ipSessionBurst)
	return l
}

// orDefault is v when it is set (positive), else d.
func orDefault[T int | float64 | time.Duration](v, d T) T {
	if v > 0 {
		return v
	}
	return d
}

// pingPeriod is shorter than PongWait so a pong can arrive in time.
func (l Limits) pingPeriod() time.Duration { return l.PongWait * 9 / 10 }

// Config is what New needs. Engine is required (New fails without it);
// every other field is optional.
type Config struct {
	// Engine takes every turn and holds the outboxes. Required.
	Engine Engine
	// Origins lists the browser origins allowed besides the server's own:
	// "https://shop.example.com", a bare "host:port", or "*" for any.
	Origins []string
	// Registerer receives the channel's metrics; nil keeps them unregistered.
	Registerer prometheus.Registerer
	// Logger: nil means slog.Default() (logs.Or).
	Logger *slog.Logger
	// Limits: zero fields take the defaults.
	Limits Limits
	// TrustedProxies are the peers whose X-Forwarded-For is believed when
	// working out a client's address; from anyone else the header is ignored.
	TrustedProxies []netip.Prefix
	// Unlimited are client addresses the per-address limits do not apply
	// to (serve: loopback, i.e. local tools and an unconfigured local proxy).
	Unlimited []netip.Prefix
	// Now is the clock of the rate limits and of the time a turn is
	// stamped with (tests inject one); nil means time.Now. Network
	// deadlines keep real time.
	Now func() time.Time
	// Hints, when the store is shared by replicas (pgstore), carries
	// Typing to the other replicas' hubs and theirs to this one, so a page
	// sees an agent typing whichever replica each is connected to. nil:
	// this process's pages only.
	Hints tickets.Hinter
}

// ErrRunning is Run's answer when the hub runs or has run already.
var ErrRunning = errors.New("ws: hub is already running or has run")

// hub states.
const (
	stateNew int32 = iota
	stateRunning
	stateStopped
)

// Hub is the WebSocket channel. Mount it at /ws and run Run.
type Hub struct {
	engine   Engine
	now      func() time.Time
	log      *slog.Logger
	lim      Limits
	metrics  *metrics
	upgrader websocket.Upgrader

	// Rate limits. convLimits is used by Run only; the per-address ones by
	// ServeHTTP's goroutines. All are bounded and forget idle entries.
	convLimits    *limiterSet
	ipConnLimits  *limiterSet
	ipNewSessions *limiterSet
	ipConns       *connCounter
	trusted       []netip.Prefix
	unlimited     []netip.Prefix

	state      atomic.Int32
	register   chan *conn
	unregister chan *conn
	done       chan struct{} // closed when Run stops taking connections
	active     sync.WaitGroup

	// pending collects conversations with news; notify must not block, so
	// it only marks them here and pokes signal (capacity 1).
	pendingMu sync.Mutex
	pending   map[string]struct{}
	signal    chan struct{}

	// typing carries agents' typing hints to Run, which knows the
	// connections; full means Run is busy, and a hint may be lost.
	typing chan typingNote
	hints  tickets.Hinter // nil: one process
}

// typingNote is one agent typing to one conversation.
type typingNote struct {
	conversation string
	frame        []byte
}

// typingBuffer bounds the typing hints waiting for Run.
const typingBuffer = 64

// writeBufferPool is shared by every connection: a write buffer is only
// held while a frame is being written.
var writeBufferPool sync.Pool

// New checks cfg, makes a hub and subscribes it to the engine's web
// conversations.
func New(cfg Config) (*Hub, error) {
	if cfg.Engine == nil {
		return nil, errors.New("ws: Config.Engine is required")
	}
	h := &Hub{
		engine:     cfg.Engine,
		now:        cfg.Now,
		log:        logs.Or(cfg.Logger).With("component", "ws"),
		lim:        cfg.Limits.withDefaults(),
		register:   make(chan *conn),
		unregister: make(chan *conn),
		done:       make(chan struct{}),
		pending:    map[string]struct{}{},
		signal:     make(chan struct{}, 1),
		trusted:    cfg.TrustedProxies,
		unlimited:  cfg.Unlimited,
		typing:     make(chan typingNote, typingBuffer),
		hints:      cfg.Hints,
	}
	if h.now == nil {
		h.now = time.Now
	}
	l := h.lim
	h.convLimits = newLimiterSet(l.Rate*frameUnits, l.Burst*frameUnits, maxLimiters)
	h.ipConnLimits = newLimiterSet(l.IPConnRate, l.IPConnBurst, maxLimiters)
	h.ipNewSessions = newLimiterSet(l.IPSessionRate, l.IPSessionBurst, maxLimiters)
	h.ipConns = &connCounter{max: l.IPMaxConns, n: map[string]int{}}
	h.metrics = newMetrics(cfg.Registerer, h.log)
	origins := newOriginPolicy(cfg.Origins)
	h.upgrader = websocket.Upgrader{
		HandshakeTimeout: handshakeWait,
		ReadBufferSize:   bufferSize,
		WriteBufferSize:  bufferSize,
		WriteBufferPool:  &writeBufferPool,
		CheckOrigin:      origins.allow,
	}
	h.engine.Subscribe(tickets.Web, h.notify)
	if h.hints != nil {
		h.hints.WatchHints(func(x tickets.Hint) {
			if x.Kind == tickets.HintTyping && x.Channel == tickets.Web {
				h.typingHere(x.ConversationID, x.Agent)
			}
		})
	}
	return h, nil
}

// notify is the engine's callback: conversation id has new outbox
// messages. It never blocks.
func (h *Hub) notify(id string) {
	h.pendingMu.Lock()
	h.pending[id] = struct{}{}
	h.pendingMu.Unlock()
	select {
	case h.signal <- struct{}{}:
	default: // a wake-up is already pending; it will see id too
	}
}

// Typing tells the pages open on a web conversation that agent is typing
// a reply, as a transient {"type":"typing","from":"agent"} frame. It never
// blocks and is not stored: a page that is not connected now, or a server
// too busy to pass it on, simply misses a hint that expires in seconds.
// This process's pages get it, and with Config.Hints the other replicas'.
func (h *Hub) Typing(conversationID, agent string) {
	h.typingHere(conversationID, agent)
	if h.hints != nil {
		h.hints.Hint(tickets.Hint{Kind: tickets.HintTyping, Channel: tickets.Web, ConversationID: conversationID, Agent: agent})
	}
}

// typingHere passes a typing hint to this process's pages.
func (h *Hub) typingHere(conversationID, agent string) {
	select {
	case h.typing <- typingNote{conversation: conversationID, frame: encodeTyping(agent)}:
	default:
	}
}

// session is one conversation's live connections (tabs) and their shared
// rate limit, which convLimits keeps after the last tab closes.
type session struct {
	conns   map[*conn]struct{}
	limiter *rate.Limiter
}

// Run owns the connections until ctx ends, then closes each with a close
// frame and returns once their goroutines (and the engine calls they were
// making) have finished. It may be called once.
func (h *Hub) Run(ctx context.Context) error {
	if !h.state.CompareAndSwap(stateNew, stateRunning) {
		return ErrRunning
	}
	sessions := map[string]*session{}
	sweep := time.NewTicker(limiterSweep)
	defer sweep.Stop()
	for {
		select {
		case <-sweep.C:
			now := h.now()
			h.convLimits.sweep(now)
			h.ipConnLimits.sweep(now)
			h.ipNewSessions.sweep(now)
		case c := <-h.register:
			s := sessions[c.session]
			if s == nil {
				s = &session{conns: map[*conn]struct{}{}, limiter: h.convLimits.get(c.session, h.now())}
				sessions[c.session] = s
			}
			for old := range s.conns {
				c.earlier = append(c.earlier, old)
			}
			s.conns[c] = struct{}{}
			c.limiter = s.limiter
			h.active.Add(1)
			h.metrics.open.Inc()
			c.start()
		case c := <-h.unregister:
			if s := sessions[c.session]; s != nil {
				delete(s.conns, c)
				if len(s.conns) == 0 {
					delete(sessions, c.session)
				}
			}
		case <-h.signal:
			h.pendingMu.Lock()
			ids := h.pending
			h.pending = map[string]struct{}{}
			h.pendingMu.Unlock()
			for id := range ids {
				if s := sessions[id]; s != nil {
					for c := range s.conns {
						c.poke()
					}
				}
			}
		case n := <-h.typing:
			if s := sessions[n.conversation]; s != nil {
				for c := range s.conns {
					c.transient(n.frame, "typing")
				}
			}
		case <-ctx.Done():
			h.state.Store(stateStopped)
			close(h.done)
			n := 0
			for _, s := range sessions {
				for c := range s.conns {
					close(c.quit)
					n++
				}
			}
			h.log.Info("ws: shutting down", "connections", n)
			h.active.Wait()
			return nil
		}
	}
}

// ServeHTTP upgrades GET /ws[?session=ID] and hands the connection to Run.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// The HTTP error bodies here are for developers, like the error frames.
	if h.state.Load() != stateRunning {
		http.Error(w, "the chat channel is not running", http.StatusServiceUnavailable)
		return
	}
	if !h.upgrader.CheckOrigin(r) {
		// gorilla would answer 403 too; logging here says which origin.
		h.log.Warn("ws: origin refused", "origin", r.Header.Get("Origin"), "host", r.Host)
		http.Error(w, "origin not allowed", http.StatusForbidden)
		return
	}
	addr := clientAddr(r, h.trusted)
	ipKey, limited := addrKey(addr), !inAny(addr, h.unlimited)
	if limited {
		if !h.ipConnLimits.allow(ipKey, h.now()) {
			h.tooMany(w, "conn_rate", addr, retryAfter(h.lim.IPConnRate),
				"too many connections from your address; wait and connect again")
			return
		}
		if !h.ipConns.acquire(ipKey) {
			h.tooMany(w, "open_conns", addr, 0,
				fmt.Sprintf("your address has %d connections open; close one first", h.lim.IPMaxConns))
			return
		}
	}
	release := func() {
		if limited {
			h.ipConns.release(ipKey)
		}
	}
	ws, err := h.upgrader.Upgrade(w, r, nil)
	if err != nil {
		release()
		return // the upgrader has answered with an HTTP error
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.lim.EngineTimeout)
	defer cancel()
	admit := func() bool {
		if !limited || h.ipNewSessions.allow(ipKey, h.now()) {
			return true
		}
		h.metrics.limited.WithLabelValues("new_sessions").Inc()
		h.log.Debug("ws: new conversation refused", "addr", addr) // counted in the metric; a flood must not flood the log
		return false
	}
	c, err := h.open(ctx, ws, r.URL.Query().Get("session"), r.URL.Query().Get("lang"), admit)
	if err != nil {
		release()
		_ = ws.SetWriteDeadline(time.Now().Add(h.lim.WriteWait))
		if errors.Is(err, errTooManySessions) {
			// The contract's frame for it, then 1013 (try again later): there is
			// no session to send first, so the page must not wait for one.
			_ = ws.WriteMessage(websocket.TextMessage, encodeError(refuse(CodeRateLimited,
				"too many new conversations from your address; wait a minute and connect again")))
			sendClose(ws, websocket.CloseTryAgainLater, "too many new conversations")
			_ = ws.Close()
			return
		}
		h.log.Error("ws: opening a session", "err", err)
		_ = ws.WriteMessage(websocket.TextMessage, encodeError(refuse(CodeInternal, "the conversation could not be opened; try again")))
		sendClose(ws, websocket.CloseInternalServerErr, "session not opened")
		_ = ws.Close()
		return
	}
	c.release = release
	select {
	case h.register <- c:
	case <-h.done:
		release()
		sendClose(ws, websocket.CloseGoingAway, "server shutting down")
		_ = ws.Close()
	}
}

// tooMany refuses a handshake with 429. reason labels the metric.
func (h *Hub) tooMany(w http.ResponseWriter, reason string, addr netip.Addr, after time.Duration, msg string) {
	h.metrics.limited.WithLabelValues(reason).Inc()
	h.log.Debug("ws: handshake refused", "reason", reason, "addr", addr)
	if after > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(after.Round(time.Second)/time.Second)))
	}
	http.Error(w, msg, http.StatusTooManyRequests)
}

// retryAfter is how long one token of a limiter at perSecond takes to come
// back, at least a second (Retry-After counts whole seconds).
func retryAfter(perSecond float64) time.Duration {
	if perSecond <= 0 || math.IsInf(perSecond, 1) {
		return 0
	}
	return max(time.Second, time.Duration(float64(time.Second)/perSecond))
}

// errTooManySessions: the client's address has opened its share of new
// conversations.
var errTooManySessions = errors.New("ws: too many new conversations from one address")

// open resumes the web conversation whose resume key is key, or opens a
// new one (with a greeting and a new key) when key is empty or resumes
// none; the new connection then also gets an unknown_session error frame so
// the page knows it lost its thread. lang is the page's language
// (?lang=zh-Hant), a first guess for a new conversation's greeting; what the
// user writes decides after that.
//
// The key (the session frame's "session") is the page's secret: the store
// keeps only its hash, and the conversation's id, which tickets and agents
// see, is another random value, so nothing an agent sees resumes the chat.
// The key is never logged. admit is asked before a new conversation is
// made (the per-address limit); false gives errTooManySessions.
func (h *Hub) open(ctx context.Context, ws *websocket.Conn, key, lang string, admit func() bool) (*conn, error) {
	if key != "" && validSessionID(key) {
		conv, err := h.engine.ConversationByResume(ctx, tickets.HashToken(key))
		switch {
		case err == nil && conv.Channel == tickets.Web:
			return newConn(h, ws, conv, key, false), nil
		case err == nil, errors.Is(err, tickets.ErrNotFound):
			// Another channel's conversation is as unknown to a web page
			// as a made-up key: resuming it would hijack someone's chat.
		default:
			return nil, fmt.Errorf("resuming a session: %w", err)
		}
	}
	if !admit() {
		return nil, errTooManySessions
	}
	newKey, hash := tickets.NewResumeKey()
	conv, _, err := h.engine.Open(ctx, bot.OpenRequest{Channel: tickets.Web, Greet: true, LangHint: lang, ResumeHash: hash})
	if err != nil {
		return nil, fmt.Errorf("opening a web conversation: %w", err)
	}
	return newConn(h, ws, conv, newKey, key != ""), nil
}

// sendClose sends a close frame within closeWait. The peer may be gone
// already, and the connection is closed next either way, so a failure is
// not worth reporting.
func sendClose(ws *websocket.Conn, code int, reason string) {
	_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(closeWait))
}

// validSessionID keeps junk out of lookups and logs.
func validSessionID(id string) bool {
	if len(id) > 128 {
		return false
	}
	return !strings.ContainsFunc(id, func(r rune) bool { return r <= ' ' || r > '~' })
}
