// Package web is triagebot's HTTP face: the agent API under /api/, the
// health check, Prometheus metrics, the embedded chat widget at / and the
// agent console at /agent, and the mount point of the WebSocket channel.
// It talks to the store for reads and to the engine for every change an
// agent makes, so a reply or a resolution reaches the user through the
// conversation's outbox like any other message.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/triagebot/triagebot/canned"
	"github.com/triagebot/triagebot/escalation"
	"github.com/triagebot/triagebot/internal/logs"
	"github.com/triagebot/triagebot/tickets"
)

// Limits and timeouts of the HTTP layer, named so they can be reasoned about together.
const (
	// maxBody bounds every request body: the API only takes short JSON.
	maxBody = 64 << 10
	// apiTimeout bounds each API call. bbolt waits for its writer lock
	// without a deadline, so a stuck call must still get an answer.
	apiTimeout = 10 * time.Second
	// healthTimeout bounds the store probe of /healthz.
	healthTimeout = 2 * time.Second
	// metricsTimeout bounds one scrape, ticket counting included.
	metricsTimeout = 5 * time.Second
	// backupTimeout bounds the streamed backup. It is long because the file
	// may be large and the client slow; the stream is not buffered.
	backupTimeout = 30 * time.Minute
)

// Engine is what the agent API needs from the conversation engine
// (*bot.Engine): every change goes through it so the user is told.
type Engine interface {
	Claim(ctx context.Context, ticketID, agent string) (tickets.Ticket, error)
	Release(ctx context.Context, ticketID, agent string) (tickets.Ticket, error)
	Reply(ctx context.Context, ticketID, agent, text string) (tickets.Ticket, error)
	Resolve(ctx context.Context, ticketID, agent, note string) (tickets.Ticket, error)
	Note(ctx context.Context, ticketID, agent, text string) (tickets.Ticket, error)
	Transfer(ctx context.Context, ticketID, agent string, to tickets.Target) (tickets.Ticket, error)
}

// Config wires a Server. Store and Engine are required (New fails
// without them); every other field is optional.
type Config struct {
	// Store is read for every view and probed by /healthz. Required.
	Store tickets.Store
	// Engine makes every change an agent asks for. Required.
	Engine Engine
	// WS is the WebSocket channel, mounted at /ws; nil leaves /ws unserved.
	WS http.Handler
	// Registry receives the HTTP and ticket metrics and is what /metrics
	// exposes, so other packages' collectors registered on it show too.
	// nil: a private registry.
	Registry *prometheus.Registry
	// Logger gets failed requests; nil means slog.Default() (logs.Or).
	Logger *slog.Logger
	// Canned are the agents' saved replies; nil means canned.Default().
	Canned *canned.Set
	// Queues are the routing rules' queues, which an agent created through
	// the API may be limited to and the console offers as transfer targets;
	// nil means the embedded rules' queues.
	Queues []string
	// Now is the clock (SLA views in tests); nil means time.Now.
	Now func() time.Time
	// MetricsToken, when set, is the bearer token /metrics asks for.
	MetricsToken string
	// NoMetrics leaves /metrics off the routes (404): the operator serves
	// MetricsHandler elsewhere, or exposes no metrics on this address.
	NoMetrics bool
	// Location is the zone of the routing rules' calendar: report days
	// are cut in it, and the console shows every time in it. nil means UTC.
	Location *time.Location
	// Typing relays "an agent is typing" to a web conversation's open
	// pages (ws.Hub.Typing); nil: POST .../typing is accepted and goes
	// nowhere.
	Typing func(conversationID, agent string)
	// Hours is the business-hours calendar behind GET /hours; nil: the
	// team is always there.
	Hours Hours
}

// Server serves triagebot over HTTP. Make one with New.
type Server struct {
	store   tickets.Store
	engine  Engine
	ws      http.Handler
	reg     *prometheus.Registry
	log     *slog.Logger
	now     func() time.Time
	loc     *time.Location
	metrics *httpMetrics
	canned  *canned.Set
	queues  []string
	typing  func(conversationID, agent string)
	hours   Hours
	// apiTimeout is apiTimeout, a field so tests can shorten it.
	apiTimeout time.Duration

	metricsToken string
	noMetrics    bool
	// heartbeat is heartbeatEvery, a field so tests can shorten it.
	heartbeat time.Duration
	// streams holds a token per open event stream (at most maxStreams).
	streams chan struct{}
	// stopCtx ends every event stream when StopStreams is called.
	stopCtx     context.Context
	stopStreams context.CancelFunc
}

// StopStreams ends every open event stream and refuses none later (new
// ones end at once). Call it when shutting down, e.g. with
// http.Server.RegisterOnShutdown: Shutdown waits for requests to finish,
// and a stream never finishes by itself.
func (s *Server) StopStreams() { s.stopStreams() }

// New checks cfg and returns a Server. It registers its metrics on
// cfg.Registry.
func New(cfg Config) (*Server, error) {
	switch {
	case cfg.Store == nil:
		return nil, errors.New("web: Config.Store is required")
	case cfg.Engine == nil:
		return nil, errors.New("web: Config.Engine is required")
	}
	s := &Server{
		store:  cfg.Store,
		engine: cfg.Engine,
		ws:     cfg.WS,
		reg:    cfg.Registry,
		log:    logs.Or(cfg.Logger),
		now:    cfg.Now,
		loc:    cfg.Location,
		typing: cfg.Typing,
		hours:  cfg.Hours,

		apiTimeout: apiTimeout,

		metricsToken: cfg.MetricsToken,
		noMetrics:    cfg.NoMetrics,
		heartbeat:    heartbeatEvery,
		streams:      make(chan struct{}, maxStreams),
	}
	s.stopCtx, s.stopStreams = context.WithCancel(context.Background())
	if s.reg == nil {
		s.reg = prometheus.NewRegistry()
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.canned, s.queues = cfg.Canned, cfg.Queues
	if s.canned == nil {
		s.canned = canned.Default()
	}
	if s.queues == nil {
		s.queues = escalation.Default().Queues()
	}
	s.metrics = newHTTPMetrics(s.reg, s.log)
	s.registerTicketCollector()
	return s, nil
}

// Handler returns the routes. Every response except /ws goes through the
// request metrics; API calls additionally get a body limit and a timeout.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()

	// Agent API. TimeoutHandler both sets a deadline on the request's
	// context and guarantees an answer if a call hangs.
	api := func(pattern string, h http.HandlerFunc) {
		mux.Handle(pattern, s.timeout(s.auth(h)))
	}
	api("GET /api/me", s.handleMe)
	api("GET /api/tickets", s.handleList)
	api("GET /api/tickets/{id}", s.handleTicket)
	api("POST /api/tickets/{id}/claim", s.handleClaim)
	api("POST /api/tickets/{id}/release", s.handleRelease)
	api("POST /api/tickets/{id}/messages", s.handleReply)
	api("POST /api/tickets/{id}/resolve", s.handleResolve)
	api("POST /api/tickets/{id}/typing", s.handleTyping)
	api("GET /api/tickets/{id}/attachments/{aid}", s.handleAttachment)
	api("POST /api/tickets/{id}/notes", s.handleNote)
	api("POST /api/tickets/{id}/transfer", s.handleTransfer)
	api("GET /api/canned", s.handleCanned)
	api("GET /api/agents", s.handleAgents)
	api("POST /api/agents", s.handleCreateAgent)
	api("DELETE /api/agents/{name}", s.handleDeleteAgent)
	api("POST /api/agents/{name}/token", s.handleRotateToken)
	s.reportRoutes(mux, api)
	// The backup streams for minutes: no TimeoutHandler (it buffers the
	// whole answer and cuts it at apiTimeout); it sets its own deadline.
	mux.Handle("GET /api/admin/backup", s.auth(s.handleBackup))
	// The event stream lives for hours: no TimeoutHandler either. Browsers'
	// EventSource cannot send a header, so the token may come in the URL.
	mux.Handle("GET /api/events", s.authQuery(s.handleEvents))
	mux.Handle("/api/", http.HandlerFunc(s.handleAPINotFound))

	mux.HandleFunc("GET /healthz", s.handleHealth)
	if !s.noMetrics {
		mux.Handle("GET /metrics", s.MetricsHandler())
	}

	s.pages(mux)

	instrumented := s.metrics.wrap(limitBody(mux, s))
	if s.ws == nil {
		return instrumented
	}
	// /ws bypasses the request metrics and timeouts: a connection lives for
	// hours, and the hub counts its own connections.
	root := http.NewServeMux()
	root.Handle("/ws", s.ws)
	root.Handle("/", instrumented)
	return root
}

// limitBody bounds every request body to maxBody: a declared length over it
// is answered 413 before any handler runs, and a body of unknown length is
// cut at maxBody (the JSON decoder then reports 413). Handlers that never
// read the body are covered too, so no route reads an unbounded stream.
func limitBody(h http.Handler, s *Server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > maxBody {
			// The unread body is not worth draining: close after answering.
			w.Header().Set("Connection", "close")
			s.writeError(w, http.StatusRequestEntityTooLarge, CodeTooLarge, msgTooLarge())
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		h.ServeHTTP(w, r)
	})
}

// timeout answers 503 with a JSON error when h takes longer than apiTimeout.
func (s *Server) timeout(h http.Handler) http.Handler {
	const body = `{"error":{"code":"unavailable","message":"` + msgUnavailable + `"}}`
	th := http.TimeoutHandler(h, s.apiTimeout, body)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// TimeoutHandler writes its body on the real writer without a
		// content type; set it first. A normal answer replaces it.
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		th.ServeHTTP(w, r)
	})
}

// handleAPINotFound keeps unknown API paths in JSON, like the rest of /api/.
func (s *Server) handleAPINotFound(w http.ResponseWriter, r *http.Request) {
	s.writeError(w, http.StatusNotFound, CodeNotFound, fmt.Sprintf("There is no API call %s %s.", r.Method, r.URL.Path))
}

// handleHealth answers 200 when the store answers a read transaction and
// its writes are not failing (a PostgreSQL store's Health also pings its
// pool, within a deadline); otherwise 503 with the reason, so a load
// balancer stops sending users to a server that cannot save their words.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
	defer cancel()
	err := s.store.View(ctx, func(tickets.Tx) error { return nil })
	if err == nil {
		err = s.store.Health()
	}
	if err != nil {
		s.log.Warn("health check failed", "err", err)
		s.writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": err.Error()})
		return
	}
	s.writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}
