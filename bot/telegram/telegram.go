// Package telegram is the Telegram channel: Bot API updates become the
// engine's inbound events, and each Telegram conversation's outbox is
// delivered back through the Bot API at Telegram's rate limits.
//
// It runs its own getUpdates loop (or takes updates from a webhook), keeps
// the poll offset in the store, and leaves deduplication of redelivered
// updates to the engine (Inbound.DedupKey = "tg:<update_id>"), so a crash or
// a restart neither loses nor repeats a turn. A Telegram outage is logged and
// retried with backoff; it never stops the rest of the process.
package telegram

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/triagebot/triagebot/bot"
	"github.com/triagebot/triagebot/internal/logs"
	"github.com/triagebot/triagebot/language"
	"github.com/triagebot/triagebot/tickets"
)

// Errors of the channel.
var (
	// ErrConfig is a configuration the channel cannot start with.
	ErrConfig = errors.New("telegram: bad configuration")
	// ErrTokenRejected means getMe answered 401: the token is wrong or revoked.
	ErrTokenRejected = errors.New("TELEGRAM_BOT_TOKEN rejected by the Bot API")
	// ErrBlocked means Telegram will not deliver to the chat any more (403:
	// the user blocked the bot, or the chat is gone).
	ErrBlocked = errors.New("telegram: chat unreachable")
	// errRejected is a message Telegram refused for its content (400); sending
	// it again cannot help.
	errRejected = errors.New("telegram: message rejected")
)

// Engine is what the channel needs from bot.Engine.
type Engine interface {
	Open(ctx context.Context, req bot.OpenRequest) (tickets.Conversation, bool, error)
	Conversation(ctx context.Context, id string) (tickets.Conversation, error)
	Handle(ctx context.Context, in bot.Inbound) error
	Outbox(ctx context.Context, conversationID string) ([]tickets.OutMessage, error)
	Ack(ctx context.Context, conversationID, messageID string) error
	Progress(ctx context.Context, conversationID, messageID string, parts int) error
	Pending(ctx context.Context, ch tickets.Channel) ([]string, error)
	Subscribe(ch tickets.Channel, notify func(conversationID string))
	MarkUnreachable(ctx context.Context, conversationID string) error
	OnTicket(fn func(tickets.Ticket))
}

// State is what the channel keeps of its own in the store, typed: the poll
// offset, the labels of sent keyboards, and the notices for the agent chat.
// Every tickets.Store implements it (tickets.ChannelStore).
type State interface {
	Cursor(ctx context.Context, ch tickets.Channel) (int64, error)
	SetCursor(ctx context.Context, ch tickets.Channel, v int64) error
	PutChoices(ctx context.Context, conversationID string, seq uint64, labels []string) error
	Choices(ctx context.Context, conversationID string, seq uint64) ([]string, error)
	Notices(ctx context.Context, limit int) ([]tickets.Notice, error)
	DeleteNotice(ctx context.Context, id string) error
	// Changed is closed after the next commit that wrote a ticket event on
	// any process sharing the store (tickets.Store.Changed): how the leader
	// hears of a notice another replica stored.
	Changed() <-chan struct{}
}

// Limits are Telegram's sending limits as token buckets. Zero fields take the
// defaults, which follow Telegram's published guidance.
type Limits struct {
	PerChat      float64 // messages per second to one private chat (default 1)
	PerChatBurst int     // short bursts allowed to one chat (default 3)
	Group        float64 // messages per second to one group chat (default 20/min)
	Global       float64 // messages per second overall (default 30)
	GlobalBurst  int     // (default 30)
}

func (l Limits) withDefaults() Limits {
	if l.PerChat <= 0 {
		l.PerChat = 1
	}
	if l.PerChatBurst <= 0 {
		l.PerChatBurst = 3
	}
	if l.Group <= 0 {
		l.Group = 20.0 / 60
	}
	if l.Global <= 0 {
		l.Global = 30
	}
	if l.GlobalBurst <= 0 {
		l.GlobalBurst = 30
	}
	return l
}

// Config configures the channel. Token, Engine and Store are required (New
// fails without them); every other field is optional.
type Config struct {
	Token string
	// Endpoint is the Bot API endpoint in the library's format
	// "https://host/bot%s/%s"; empty means Telegram's public one. Files are
	// fetched from the same host under /file/bot<token>/<path>.
	Endpoint string
	// AgentChatID, when not 0, is the chat that gets a notice per new ticket.
	AgentChatID int64
	// AgentLang is the language of agent notices (default English).
	AgentLang language.Lang
	// Location is the zone due times are shown in to agents (the routing
	// rules' zone); nil means UTC.
	Location *time.Location
	// ConsoleURL is the server's base URL; notices link to ConsoleURL+"/agent".
	ConsoleURL string
	Engine     Engine
	// Store keeps the poll offset, the quick-reply labels of sent keyboards
	// and the agent notices (the engine must write them: bot.Config.Notices).
	Store State
	// Logger: nil means slog.Default() (logs.Or).
	Logger *slog.Logger
	// Registerer, when set, gets the channel's metrics.
	Registerer prometheus.Registerer
	// Clock is the time of backoffs, retries and rescans (tests inject a
	// faster one); nil means the real clock. Telegram's rate limits keep
	// real time.
	Clock Clock

	// WebhookURL and WebhookSecret switch from long polling to a webhook:
	// Run calls setWebhook and Handler serves Telegram's POSTs.
	WebhookURL    string
	WebhookSecret string

	// Leaser, when set (a store shared by replicas), elects the one process
	// that polls (or sets the webhook), sends the outboxes and the agent
	// chat's notices, and runs the Duty functions: the holder of the lease
	// LeaseName. Every process still handles webhook updates it is given.
	// Nil: this process is the only one and always leads.
	Leaser tickets.Leaser

	// PollTimeout is the long-poll wait of getUpdates (default 25s).
	PollTimeout time.Duration
	Limits      Limits
	// Workers is the number of outbox senders (default 4).
	Workers int
	// HTTPClient replaces the default client (tests); its Timeout should be
	// zero or longer than PollTimeout.
	HTTPClient *http.Client
}

var secretRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// Validate checks the configuration once, before anything starts.
func (c *Config) Validate() error {
	var bad []string
	if c.Token == "" || !strings.Contains(c.Token, ":") {
		bad = append(bad, "token must look like 123456:ABC...")
	}
	if c.Endpoint != "" && strings.Count(c.Endpoint, "%s") != 2 {
		bad = append(bad, fmt.Sprintf("endpoint %q must contain two %%s (https://host/bot%%s/%%s)", c.Endpoint))
	}
	if c.Engine == nil {
		bad = append(bad, "Config.Engine is required")
	}
	if c.Store == nil {
		bad = append(bad, "Config.Store is required")
	}
	if (c.WebhookURL == "") != (c.WebhookSecret == "") {
		bad = append(bad, "webhook URL and secret go together")
	}
	if c.WebhookSecret != "" && !secretRe.MatchString(c.WebhookSecret) {
		bad = append(bad, "webhook secret must be 1-256 characters of A-Z a-z 0-9 _ -")
	}
	if c.PollTimeout < 0 || c.PollTimeout > 50*time.Second {
		bad = append(bad, "poll timeout must be between 0 and 50s")
	}
	if len(bad) > 0 {
		return fmt.Errorf("%w: %s", ErrConfig, strings.Join(bad, "; "))
	}
	return nil
}

// Channel is a running Telegram channel.
type Channel struct {
	cfg     Config
	log     *slog.Logger
	api     *tgbotapi.BotAPI
	client  *apiClient
	fileURL string // fmt format: token, file path
	engine  Engine

	limits  *limiter
	gate    *gate
	work    *workQueue
	notices chan struct{} // wakes the notice sender; holds one token
	reports chan report   // texts for the agent chat (NotifyAgents)
	toldMu  sync.Mutex
	toldIDs map[string]bool // tickets the engine handed on: their notice is due
	metrics *metrics
	clock   Clock

	runMu   sync.Mutex
	running bool
	duties  []func(context.Context) // leader-only work besides the channel's own (Duty)
	done    chan struct{}           // closed when Run has stopped
}

// LeaseName is the lease (Config.Leaser) the Telegram leader holds.
const LeaseName = "telegram"

// Default timeouts of Bot API calls.
const (
	defaultPollTimeout = 25 * time.Second
	callTimeout        = 15 * time.Second // any call but getUpdates and downloads
	downloadTimeout    = 60 * time.Second
	pollSlack          = 10 * time.Second // added to the long poll for the round trip
	workQueueCap       = 4096
)

// New checks cfg (Validate), connects to the Bot API (the library calls getMe) and
// subscribes to the engine. It fails clearly when the token is rejected.
func New(ctx context.Context, cfg Config) (*Channel, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Endpoint == "" {
		cfg.Endpoint = tgbotapi.APIEndpoint
	}
	if cfg.PollTimeout == 0 {
		cfg.PollTimeout = defaultPollTimeout
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 4
	}
	if cfg.AgentLang == "" {
		cfg.AgentLang = language.English
	}
	cfg.Limits = cfg.Limits.withDefaults()
	log := logs.Or(cfg.Logger)
	c := &Channel{
		cfg:     cfg,
		log:     log.With("channel", "telegram"),
		fileURL: fileEndpoint(cfg.Endpoint),
		engine:  cfg.Engine,
		limits:  newLimiter(cfg.Limits),
		gate:    &gate{},
		work:    newWorkQueue(workQueueCap),
		notices: make(chan struct{}, 1),
		reports: make(chan report, reportQueue),
		toldIDs: map[string]bool{},
		metrics: newMetrics(cfg.Registerer, log),
		clock:   cfg.Clock,
		done:    make(chan struct{}),
	}
	if c.clock == nil {
		c.clock = realClock{}
	}
	if cfg.Leaser != nil {
		c.work.pause(true) // until this process leads
	}
	c.gate.clock = c.clock
	c.client = newAPIClient(ctx, cfg.HTTPClient, cfg.Token, cfg.PollTimeout)
	api, err := tgbotapi.NewBotAPIWithClient(cfg.Token, cfg.Endpoint, c.client)
	if err != nil {
		var te *tgbotapi.Error
		if errors.As(err, &te) && te.Code == http.StatusUnauthorized {
			return nil, fmt.Errorf("%w: %d %s", ErrTokenRejected, te.Code, te.Message)
		}
		return nil, fmt.Errorf("telegram: getMe at %s: %w", redactEndpoint(cfg.Endpoint), err)
	}
	c.api = api
	c.log.Info("connected to the Bot API", "bot", api.Self.UserName)
	// Subscribing here, before Run, means nothing queued between New and
	// Run's first outbox scan is missed: notifications only mark work.
	c.engine.Subscribe(tickets.Telegram, c.work.push)
	if cfg.AgentChatID != 0 {
		c.engine.OnTicket(c.told)
	}
	return c, nil
}

// fileEndpoint derives the file download format from the API endpoint: the
// Bot API serves files from /file/bot<token>/<path> on the same host.
func fileEndpoint(endpoint string) string {
	if i := strings.LastIndex(endpoint, "/bot%s/%s"); i >= 0 {
		return endpoint[:i] + "/file/bot%s/%s" + endpoint[i+len("/bot%s/%s"):]
	}
	return tgbotapi.FileEndpoint
}

// redactEndpoint keeps the token out of logs and errors.
func redactEndpoint(endpoint string) string {
	return strings.SplitN(endpoint, "%s", 2)[0]
}

// Run polls (or serves the webhook) and delivers outboxes until ctx ends.
// With a Leaser it does so only while it holds the lease, and waits for it
// otherwise (serving webhooks all along). Errors of Telegram are logged and
// retried; Run returns nil when ctx ends and every goroutine it started has
// stopped.
func (c *Channel) Run(ctx context.Context) error {
	c.runMu.Lock()
	if c.running {
		c.runMu.Unlock()
		return fmt.Errorf("%w: Run called twice", ErrConfig)
	}
	c.running = true
	duties := c.duties
	c.runMu.Unlock()
	defer close(c.done)

	// Every Bot API request from now on is cancelled when ctx ends, so an
	// open long poll never delays shutdown.
	c.client.setBase(ctx)
	if c.cfg.Leaser == nil {
		c.lead(ctx, duties)
	} else {
		c.follow(ctx, duties)
	}
	c.work.close()
	c.log.Info("stopped")
	return nil
}

// Duty adds fn to what only the leader does (e.g. the daily report, which
// goes to the agent chat through NotifyAgents): it runs with the channel's
// own duties, its context ending with the lease. Call it before Run.
func (c *Channel) Duty(fn func(context.Context)) {
	c.runMu.Lock()
	defer c.runMu.Unlock()
	c.duties = append(c.duties, fn)
}

// follow leads while this process holds the lease, and waits for it
// otherwise, until ctx ends. Another replica's death frees the lease, so a
// waiting replica takes over as soon as the store notices.
func (c *Channel) follow(ctx context.Context, duties []func(context.Context)) {
	_ = tickets.WhileLeading(ctx, c.cfg.Leaser, LeaseName, c.log, func(term context.Context) error {
		c.log.Info("this replica now polls Telegram and sends its messages")
		c.lead(term, duties)
		return nil
	})
}

// lead does the leader's work until ctx (the process's, or one term of the
// lease) ends: the outbox senders, their rescan (which queues what was left
// pending, by another leader too), the agent chat's notices, the poll or
// the webhook's registration, and the duties.
func (c *Channel) lead(ctx context.Context, duties []func(context.Context)) {
	c.metrics.leader.Set(1)
	defer c.metrics.leader.Set(0)
	c.client.setPoll(ctx)
	c.work.pause(false)
	var wg sync.WaitGroup
	spawn := func(fn func(context.Context)) {
		wg.Add(1)
		go func() { defer wg.Done(); fn(ctx) }()
	}
	for range c.cfg.Workers {
		spawn(c.outboxWorker)
	}
	spawn(c.rescanLoop)
	if c.cfg.AgentChatID != 0 {
		spawn(c.noticeLoop)
	}
	if c.cfg.WebhookURL != "" {
		spawn(c.setWebhook)
	} else {
		spawn(c.pollLoop)
	}
	for _, fn := range duties {
		spawn(fn)
	}
	<-ctx.Done()
	// Senders stop at their next pop; what they did not send stays in the
	// store for the next leader's rescan.
	c.work.pause(true)
	wg.Wait()
}

// Clock is the channel's time.
type Clock interface {
	Now() time.Time
	// After delivers on the channel once d has passed (time.After).
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// now is the channel's current time.
func (c *Channel) now() time.Time { return c.clock.Now() }

// sleep waits d on the channel's clock or until ctx ends; it reports
// whether the full wait passed.
func (c *Channel) sleep(ctx context.Context, d time.Duration) bool {
	return sleepOn(ctx, c.clock, d)
}

func sleepOn(ctx context.Context, clock Clock, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	select {
	case <-ctx.Done():
		return false
	case <-clock.After(d):
		return true
	}
}

// sleep waits d (real time) or until ctx ends; the rate limiter's wait.
func sleep(ctx context.Context, d time.Duration) bool { return sleepOn(ctx, realClock{}, d) }
