package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/triagebot/triagebot/language"
)

// Config is everything serve needs, from flags, then environment, then
// defaults (in that order of precedence). Validate checks it once at start.
type Config struct {
	Addr    string
	DB      string
	TZ      string
	Routing string
	// Canned is the saved replies file; empty: the embedded ones.
	Canned  string
	Origins []string
	// PublicURL is how agents reach this server (links in Telegram notices).
	PublicURL       string
	ShutdownTimeout time.Duration
	LogLevel        string
	// AgentLang is the agents' working language: ticket summaries and
	// Telegram notices are written in it.
	AgentLang string

	TelegramToken    string
	TelegramEndpoint string
	TelegramAgentID  string
	TelegramWebhook  string
	TelegramSecret   string

	OpenAIKey     string
	OpenAIBaseURL string
	OpenAIModel   string

	// Storage is the attachment quotas and the retention (storage.go).
	Storage storageConfig

	// Edge: timeouts, abuse limits, metrics exposure, TLS (edge.go).
	Edge EdgeConfig

	Quality qualityConfig // quality.go

	// Set by Validate.
	Location          *time.Location
	TelegramAgentChat int64
	Level             slog.Level
}

// Defaults of the contract (section 1).
const (
	defaultAddr  = "127.0.0.1:8080"
	defaultDB    = "./data/triagebot.db"
	defaultTZ    = "Asia/Hong_Kong"
	defaultModel = "gpt-4o-mini"
)

// env returns the environment's value for key, or def when unset or empty.
func env(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

// dbFlags registers the flags of every subcommand that opens the database,
// with defaults taken from the environment.
func dbFlags(fs *flag.FlagSet, c *Config, getenv func(string) string) {
	fs.StringVar(&c.DB, "db", env(getenv, "TRIAGEBOT_DB", defaultDB), "the database: a bbolt file's path, or a postgres:// (postgresql://) URL shared by replicas (env TRIAGEBOT_DB)")
	fs.StringVar(&c.TZ, "tz", env(getenv, "TRIAGEBOT_TZ", defaultTZ), "time zone for relative times (env TRIAGEBOT_TZ)")
}

// parseServe reads serve's configuration from args and the environment.
// -h prints the flags on sio.out (flag.ErrHelp); a wrong flag or argument
// is explained on sio.err (a usageError).
func parseServe(args []string, sio stdio) (Config, error) {
	var c Config
	getenv := sio.getenv
	fs := newFlags("serve", "[flags]")
	dbFlags(fs, &c, getenv)
	fs.StringVar(&c.Addr, "addr", env(getenv, "TRIAGEBOT_ADDR", defaultAddr), "listen address (env TRIAGEBOT_ADDR)")
	fs.StringVar(&c.Routing, "routing", env(getenv, "TRIAGEBOT_ROUTING", ""), "routing rules file, JSON (env TRIAGEBOT_ROUTING; default: the embedded rules)")
	fs.StringVar(&c.Canned, "canned", env(getenv, "TRIAGEBOT_CANNED", ""), "agents' saved replies file, JSON (env TRIAGEBOT_CANNED; default: the embedded replies)")
	origins := fs.String("origins", env(getenv, "TRIAGEBOT_ORIGINS", ""), "comma-separated origins allowed to open /ws besides the page's own (env TRIAGEBOT_ORIGINS)")
	fs.StringVar(&c.PublicURL, "public-url", env(getenv, "TRIAGEBOT_PUBLIC_URL", ""), "URL agents use to reach this server, for links in notices (env TRIAGEBOT_PUBLIC_URL; default http://ADDR)")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", 10*time.Second, "how long a graceful shutdown may take")
	fs.StringVar(&c.AgentLang, "agent-lang", env(getenv, "TRIAGEBOT_AGENT_LANG", "en"), "agents' working language for ticket summaries and notices: zh-Hant, zh-Hans or en (env TRIAGEBOT_AGENT_LANG)")
	fs.StringVar(&c.LogLevel, "log-level", env(getenv, "TRIAGEBOT_LOG_LEVEL", "info"), "debug, info, warn or error (env TRIAGEBOT_LOG_LEVEL)")
	fs.StringVar(&c.TelegramWebhook, "telegram-webhook", env(getenv, "TELEGRAM_WEBHOOK_URL", ""), "public URL for Telegram webhook mode instead of long polling (env TELEGRAM_WEBHOOK_URL)")
	storageFlags(fs, &c.Storage, getenv)
	edgeFlags(fs, &c.Edge, getenv)
	qualityFlags(fs, &c.Quality, getenv)
	if err := parseFlags(fs, args, sio); err != nil {
		return c, err
	}
	c.Storage.finish()
	if fs.NArg() > 0 {
		return c, badUsage(fs, sio, "unexpected argument %q", fs.Arg(0))
	}
	for _, o := range strings.Split(*origins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			c.Origins = append(c.Origins, o)
		}
	}
	c.TelegramToken = getenv("TELEGRAM_BOT_TOKEN")
	c.TelegramEndpoint = getenv("TELEGRAM_API_ENDPOINT")
	c.TelegramAgentID = getenv("TELEGRAM_AGENT_CHAT_ID")
	c.TelegramSecret = getenv("TELEGRAM_WEBHOOK_SECRET")
	c.OpenAIKey = getenv("OPENAI_API_KEY")
	c.OpenAIBaseURL = getenv("OPENAI_BASE_URL")
	c.OpenAIModel = env(getenv, "OPENAI_MODEL", defaultModel)
	return c, nil
}

// loadZone checks a -tz value; shared by every subcommand that takes it.
func loadZone(name string) (*time.Location, error) {
	loc, err := time.LoadLocation(name)
	if err != nil || name == "" {
		return nil, fmt.Errorf("-tz: unknown time zone %q", name)
	}
	return loc, nil
}

// Validate checks the whole configuration once and fills the derived fields.
// Every problem is reported, each naming its flag or variable.
func (c *Config) Validate() error {
	var errs []error
	if _, port, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("-addr: %q is not host:port", c.Addr))
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		errs = append(errs, fmt.Errorf("-addr: bad port %q", port))
	}
	if strings.TrimSpace(c.DB) == "" {
		errs = append(errs, errors.New("-db: empty (a file path or a postgres:// URL)"))
	}
	loc, err := loadZone(c.TZ)
	if err != nil {
		errs = append(errs, err)
	}
	c.Location = loc
	for _, o := range c.Origins {
		if u, err := url.Parse(o); err != nil || u.Scheme == "" || u.Host == "" {
			errs = append(errs, fmt.Errorf("-origins: %q is not an origin like https://shop.example", o))
		}
	}
	if c.PublicURL == "" {
		c.PublicURL = "http://" + c.Addr
		if c.Edge.TLSCert != "" {
			c.PublicURL = "https://" + c.Addr
		}
	} else if u, err := url.Parse(c.PublicURL); err != nil || u.Scheme == "" || u.Host == "" {
		errs = append(errs, fmt.Errorf("-public-url: %q is not an absolute URL", c.PublicURL))
	}
	if c.ShutdownTimeout <= 0 {
		errs = append(errs, errors.New("-shutdown-timeout: must be positive"))
	}
	if l, err := language.Parse(c.AgentLang); err != nil {
		errs = append(errs, fmt.Errorf("-agent-lang: %q is not zh-Hant, zh-Hans or en", c.AgentLang))
	} else {
		c.AgentLang = string(l) // zh-HK is accepted, and passed on as zh-Hant
	}
	if err := c.Level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		errs = append(errs, fmt.Errorf("-log-level: %q is not debug, info, warn or error", c.LogLevel))
	}
	if c.TelegramEndpoint != "" && strings.Count(c.TelegramEndpoint, "%s") != 2 {
		errs = append(errs, fmt.Errorf("TELEGRAM_API_ENDPOINT: %q must have the form https://host/bot%%s/%%s", c.TelegramEndpoint))
	}
	if c.TelegramAgentID != "" {
		id, err := strconv.ParseInt(c.TelegramAgentID, 10, 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("TELEGRAM_AGENT_CHAT_ID: %q is not a chat id", c.TelegramAgentID))
		}
		c.TelegramAgentChat = id
	}
	if c.TelegramToken == "" && (c.TelegramWebhook != "" || c.TelegramAgentID != "") {
		errs = append(errs, errors.New("TELEGRAM_BOT_TOKEN: needed for -telegram-webhook and TELEGRAM_AGENT_CHAT_ID"))
	}
	if c.TelegramWebhook != "" {
		if u, err := url.Parse(c.TelegramWebhook); err != nil || u.Scheme != "https" || u.Host == "" {
			errs = append(errs, fmt.Errorf("-telegram-webhook: %q must be an https URL", c.TelegramWebhook))
		}
	}
	errs = append(errs, c.Storage.validate()...)
	if c.OpenAIBaseURL != "" {
		if u, err := url.Parse(c.OpenAIBaseURL); err != nil || u.Scheme == "" || u.Host == "" {
			errs = append(errs, fmt.Errorf("OPENAI_BASE_URL: %q is not an absolute URL", c.OpenAIBaseURL))
		}
	}
	errs = append(errs, c.Edge.validate()...)
	errs = append(errs, c.Quality.validate(c)...)
	return errors.Join(errs...)
}
