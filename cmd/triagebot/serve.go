package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/triagebot/triagebot/bot"
	"github.com/triagebot/triagebot/bot/telegram"
	"github.com/triagebot/triagebot/bot/ws"
	"github.com/triagebot/triagebot/canned"
	"github.com/triagebot/triagebot/escalation"
	"github.com/triagebot/triagebot/intents"
	"github.com/triagebot/triagebot/internal/promreg"
	"github.com/triagebot/triagebot/language"
	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/web"
)

func init() {
	commands["serve"] = command{"serve the chat widget, the agent console, the agent API and the channels (the default)", runServe}
}

func runServe(ctx context.Context, args []string, sio stdio) error {
	cfg, err := parseServe(args, sio)
	if err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	// Every log line is masked: errors and attributes may quote what a user typed.
	logger := slog.New(intents.MaskLogs(slog.NewTextHandler(sio.err, &slog.HandlerOptions{Level: cfg.Level})))
	srv, err := NewServer(ctx, cfg, logger)
	if err != nil {
		return err
	}
	// Once, for the person who just started it: where everything is, and
	// what to do first. Logs go to stderr; this goes to stdout.
	if err := srv.Welcome(ctx, sio.out); err != nil {
		logger.Warn("start-up summary", "err", err)
	}
	return srv.Run(ctx)
}

// Server is the running product: every part wired together. Tests start it
// the same way main does.
type Server struct {
	cfg      Config
	log      *slog.Logger
	store    tickets.Store
	engine   *bot.Engine
	hub      *ws.Hub
	tg       *telegram.Channel
	http     *http.Server
	listener net.Listener
	// metrics and metricsListener serve /metrics on -metrics-addr; nil without it.
	metrics         *http.Server
	metricsListener net.Listener
	daily           *dailyReporter // nil without -daily-report
}

// NewServer opens the database and builds every part; nothing runs yet
// except the listener, so a port clash is reported before Run.
func NewServer(ctx context.Context, cfg Config, logger *slog.Logger) (*Server, error) {
	s := &Server{cfg: cfg, log: logger}
	store, err := openStore(ctx, cfg.DB, time.Second, logger.With("part", "store"))
	if err != nil {
		if errors.Is(err, tickets.ErrDatabaseUse) {
			return nil, fmt.Errorf("%s: %w (is another triagebot running?)", cfg.DB, err)
		}
		if errors.Is(err, tickets.ErrDamaged) {
			return nil, err // already the whole sentence
		}
		return nil, fmt.Errorf("opening the database: %w", err) // without a URL's password: openStore's
	}
	s.store = store
	fail := func(err error) (*Server, error) {
		store.Close()
		return nil, err
	}

	router, err := loadRouter(cfg.Routing)
	if err != nil {
		return fail(err)
	}
	replies, err := loadCanned(cfg.Canned)
	if err != nil {
		return fail(err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if c, ok := store.(interface{ Collectors() []prometheus.Collector }); ok {
		// A shared store's own figures: its pool, its notification lag.
		for _, m := range c.Collectors() {
			promreg.Register(reg, m, logger)
		}
	}

	classifier, err := newClassifier(cfg, reg, logger)
	if err != nil {
		return fail(err)
	}
	summarizer, err := newSummarizer(classifier, cfg, cfg.AgentLang)
	if err != nil {
		return fail(err)
	}
	s.engine, err = bot.New(bot.Config{
		Store:      store,
		Classifier: classifier,
		Summarizer: summarizer,
		Router:     router,
		Now:        time.Now,
		Location:   cfg.Location,
		Logger:     logger.With("part", "bot"),
		Quota:      cfg.Storage.Quota,
		// Each new ticket leaves a notice in its transaction for the
		// Telegram agent chat, which deletes it once sent.
		Notices:    cfg.TelegramToken != "" && cfg.TelegramAgentChat != 0,
		Registerer: reg,
	})
	if err != nil {
		return fail(fmt.Errorf("starting the engine: %w", err))
	}
	s.hub, err = ws.New(ws.Config{
		Engine:         s.engine,
		Origins:        cfg.Origins,
		Registerer:     reg,
		Logger:         logger.With("part", "ws"),
		Limits:         boundEngineCalls(cfg.Edge.wsLimits, cfg.ShutdownTimeout),
		TrustedProxies: cfg.Edge.trusted,
		Unlimited:      cfg.Edge.exempt,
		// Replicas: an agent's typing reaches the user's page on any of them.
		Hints: hinter(store),
	})
	if err != nil {
		return fail(fmt.Errorf("starting the WebSocket channel: %w", err))
	}
	if cfg.TelegramToken != "" {
		if cfg.TelegramWebhook != "" && cfg.TelegramSecret == "" {
			// Telegram echoes this secret on every webhook call; without one
			// set by the operator, a fresh random one still keeps strangers out.
			if cfg.TelegramSecret, err = randomSecret(); err != nil {
				return fail(err)
			}
		}
		// With a store shared by replicas, one of them polls and sends at a
		// time (telegram.Config.Leaser); without, this process is the one.
		leaser, _ := store.(tickets.Leaser)
		s.tg, err = telegram.New(ctx, telegram.Config{
			Token:         cfg.TelegramToken,
			Endpoint:      cfg.TelegramEndpoint,
			AgentChatID:   cfg.TelegramAgentChat,
			Location:      router.Location(),
			AgentLang:     language.Lang(cfg.AgentLang),
			WebhookURL:    cfg.TelegramWebhook,
			WebhookSecret: cfg.TelegramSecret,
			Engine:        s.engine,
			Store:         store,
			ConsoleURL:    cfg.PublicURL,
			Logger:        logger.With("part", "telegram"),
			Registerer:    reg,
			Leaser:        leaser,
		})
		if err != nil {
			return fail(err)
		}
	}
	wireQuality(s.engine, s.tg, reg, logger)
	if cfg.Quality.DailyReport != "" && s.tg != nil {
		s.daily = &dailyReporter{store: store, send: s.tg.NotifyAgents, loc: router.Location(), at: cfg.Quality.dailyAt,
			lang: language.Lang(cfg.AgentLang), now: time.Now, log: logger.With("part", "daily-report")}
		// The report goes out through the agent chat's sender, which only
		// the Telegram leader runs: it is that replica's duty too.
		s.tg.Duty(func(ctx context.Context) {
			if err := s.daily.run(ctx); err != nil && ctx.Err() == nil {
				s.daily.log.Error("daily report stopped", "err", err)
			}
		})
	}
	webCfg := web.Config{
		Store:    store,
		Engine:   s.engine,
		WS:       s.hub,
		Registry: reg,
		Logger:   logger.With("part", "web"),
		Now:      time.Now,
		Canned:   replies,
		Queues:   router.Queues(),
		Location: router.Location(),
		Hours:    router.Calendar(),
		Typing:   s.hub.Typing,
	}
	webCfg.MetricsToken, webCfg.NoMetrics = s.metricsExposure()
	webSrv, err := web.New(webCfg)
	if err != nil {
		return fail(fmt.Errorf("starting the web server: %w", err))
	}
	handler := webSrv.Handler()
	if s.tg != nil && cfg.TelegramWebhook != "" {
		// Telegram POSTs to the path of the public webhook URL; the rest is the web.
		u, _ := url.Parse(cfg.TelegramWebhook) // checked by Validate
		mux := http.NewServeMux()
		mux.Handle("POST "+u.EscapedPath(), s.tg.Handler())
		mux.Handle("/", handler)
		handler = mux
	}
	s.http = s.newHTTPServer(handler)
	if cfg.Edge.tlsCert != nil {
		s.http.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*cfg.Edge.tlsCert}, MinVersion: tls.VersionTLS12}
	}
	// Event streams never finish by themselves; Shutdown would wait for them.
	s.http.RegisterOnShutdown(webSrv.StopStreams)
	s.listener, err = net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fail(fmt.Errorf("-addr: %w", err))
	}
	if cfg.Edge.MetricsAddr != "" {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", webSrv.MetricsHandler())
		s.metrics = s.newHTTPServer(mux)
		if s.metricsListener, err = net.Listen("tcp", cfg.Edge.MetricsAddr); err != nil {
			s.listener.Close()
			return fail(fmt.Errorf("-metrics-addr: %w", err))
		}
	}
	return s, nil
}

// newHTTPServer bounds every phase of a request: a client that sends its
// headers or body a byte at a time, or never reads the answer, is cut off
// instead of holding a connection and a goroutine for ever. A WebSocket
// connection is not cut by them: gorilla clears the deadlines at the
// upgrade and the hub keeps its own.
func (s *Server) newHTTPServer(h http.Handler) *http.Server {
	e := s.cfg.Edge
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: min(readHeaderTimeout, e.readTimeout),
		ReadTimeout:       e.readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       e.idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

// metricsExposure decides where /metrics is served on -addr, and warns
// about what an operator may not expect. On a loopback -addr it stays
// open as before (only this machine can reach it). On any other address it
// is refused unless a token is set: ticket counts by queue and the
// process's internals are nobody else's business. -metrics-addr moves it
// off -addr altogether.
func (s *Server) metricsExposure() (token string, off bool) {
	e := s.cfg.Edge
	switch {
	case e.MetricsAddr != "":
		if e.MetricsToken == "" && !loopback(e.MetricsAddr) {
			s.log.Warn("/metrics is served without a token on a non-loopback -metrics-addr; set TRIAGEBOT_METRICS_TOKEN or firewall it", "metrics_addr", e.MetricsAddr)
		}
		return e.MetricsToken, true
	case e.MetricsToken != "":
		return e.MetricsToken, false
	case loopback(s.cfg.Addr):
		return "", false
	default:
		s.log.Warn("/metrics is off: -addr is not loopback and no metrics token is set; use -metrics-addr or TRIAGEBOT_METRICS_TOKEN to scrape", "addr", s.cfg.Addr)
		return "", true
	}
}

// Run serves until ctx ends, then shuts down within the configured timeout:
// stop accepting, let requests finish, close the channels, close the database.
func (s *Server) Run(ctx context.Context) error {
	partsCtx, stopParts := context.WithCancel(context.WithoutCancel(ctx))
	defer stopParts()
	var (
		wg      sync.WaitGroup
		runMu   sync.Mutex
		running = map[string]bool{} // parts not yet returned, for the shutdown log
	)
	errc := make(chan error, 8) // one per part started below
	start := func(name string, run func(context.Context) error) {
		wg.Add(1)
		runMu.Lock()
		running[name] = true
		runMu.Unlock()
		go func() {
			defer wg.Done()
			defer func() {
				runMu.Lock()
				delete(running, name)
				runMu.Unlock()
			}()
			if err := run(partsCtx); err != nil && !errors.Is(err, context.Canceled) {
				errc <- fmt.Errorf("%s: %w", name, err)
			}
		}()
	}
	start("engine", s.engine.Run) // ticket summaries, off the users' path
	start("websocket hub", s.hub.Run)
	// With replicas, one sweeps at a time: the sweeps are safe twice over
	// (each deletion and breach is decided in its own transaction) but
	// would do every piece of work once per replica.
	start("retention sweeper", s.leading("retention", func(ctx context.Context) error {
		return s.cfg.Storage.Retention.Run(ctx, s.store, time.Now, s.cfg.Storage.SweepEvery, s.log.With("part", "retention"))
	}))
	start("sla sweep", s.leading("sla", func(ctx context.Context) error { return s.engine.RunSLA(ctx, s.cfg.Quality.SLASweep) }))
	// The daily report runs as the Telegram leader's duty (NewServer).
	if s.tg != nil {
		start("telegram", s.tg.Run)
	}
	// Read before Serve runs: it fills TLSConfig in (HTTP/2) as it starts.
	tlsOn := s.http.TLSConfig != nil
	start("http", func(context.Context) error {
		serve := s.http.Serve
		if tlsOn {
			serve = func(l net.Listener) error { return s.http.ServeTLS(l, "", "") }
		}
		if err := serve(s.listener); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	if s.metrics != nil {
		start("metrics", func(context.Context) error {
			if err := s.metrics.Serve(s.metricsListener); !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		})
	}
	if !tlsOn && !loopback(s.cfg.Addr) {
		s.log.Warn("listening on a non-loopback address without TLS: agent tokens and chats cross the network in clear; put a TLS proxy in front or pass -tls-cert and -tls-key", "addr", s.cfg.Addr)
	}
	s.log.Info("serving", "addr", s.listener.Addr().String(), "tls", tlsOn, "store", storeKind(s.cfg.DB), "db", redactDB(s.cfg.DB), "telegram", s.tg != nil, "llm", s.cfg.OpenAIKey != "")

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
	}
	s.log.Info("shutting down", "timeout", s.cfg.ShutdownTimeout)
	shutCtx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	if err := s.http.Shutdown(shutCtx); err != nil {
		s.log.Warn("http shutdown", "err", err)
	}
	if s.metrics != nil {
		if err := s.metrics.Shutdown(shutCtx); err != nil {
			s.log.Warn("metrics shutdown", "err", err)
		}
	}
	stopParts()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-shutCtx.Done():
		// Closing the database now would wait for the transactions still
		// open, past the bound. What was committed is on disk, and the
		// process's exit releases the file: say what was abandoned and go.
		runMu.Lock()
		names := slices.Sorted(maps.Keys(running))
		runMu.Unlock()
		s.log.Error("shutdown timed out; abandoning the parts still running and leaving the database to the process exit",
			"timeout", s.cfg.ShutdownTimeout, "running", strings.Join(names, ", "))
		if runErr == nil {
			runErr = fmt.Errorf("shutdown timed out after %s with %s still running", s.cfg.ShutdownTimeout, strings.Join(names, ", "))
		}
		return runErr
	}
	if err := s.store.Close(); err != nil && runErr == nil {
		runErr = fmt.Errorf("closing the database: %w", err)
	}
	return runErr
}

// leading makes run a duty of one replica at a time: with a store shared by
// replicas (tickets.Leaser) it runs only while this process holds the
// lease name, and waits for it again when it is lost; with the bbolt file
// this process is the only one and run runs as it is.
func (s *Server) leading(name string, run func(context.Context) error) func(context.Context) error {
	l, ok := s.store.(tickets.Leaser)
	if !ok {
		return run
	}
	return func(ctx context.Context) error { return tickets.WhileLeading(ctx, l, name, s.log, run) }
}

// boundEngineCalls keeps a WebSocket engine call shorter than the shutdown:
// a turn in flight when shutdown starts is finished and saved, within the
// bound, rather than cut off or waited for past it.
func boundEngineCalls(l ws.Limits, shutdown time.Duration) ws.Limits {
	limit := shutdown * 3 / 4
	if l.EngineTimeout == 0 {
		l.EngineTimeout = ws.DefaultEngineTimeout
	}
	l.EngineTimeout = min(l.EngineTimeout, limit)
	return l
}

// Addr is the address the server listens on (useful with port 0).
func (s *Server) Addr() string { return s.listener.Addr().String() }

// MetricsAddr is the address of -metrics-addr's listener, or "".
func (s *Server) MetricsAddr() string {
	if s.metricsListener == nil {
		return ""
	}
	return s.metricsListener.Addr().String()
}

// randomSecret makes a webhook secret token (Telegram allows [A-Za-z0-9_-]).
func randomSecret() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("making a webhook secret: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// loadRouter reads the -routing file, or gives the embedded rules for "".
// loadCanned reads -canned; the error names the file, line and column.
func loadCanned(path string) (*canned.Set, error) {
	if path == "" {
		return canned.Default(), nil
	}
	s, err := canned.Load(path)
	if err != nil {
		return nil, fmt.Errorf("-canned: %w", err)
	}
	return s, nil
}

func loadRouter(path string) (*escalation.Router, error) {
	if path == "" {
		return escalation.Default(), nil
	}
	r, err := escalation.Load(path)
	if err != nil {
		return nil, fmt.Errorf("-routing: %w", err)
	}
	return r, nil
}

// hinter is store's tickets.Hinter, or nil (a store of one process).
func hinter(store tickets.Store) tickets.Hinter {
	h, _ := store.(tickets.Hinter)
	return h
}
