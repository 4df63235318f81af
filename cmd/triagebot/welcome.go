package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/triagebot/triagebot/tickets"
)

// Welcome writes what a person who just started the server needs: the URLs
// of the widget, the console and the API, which storage and channels are
// on, and, while no agent exists, the command that creates the first one.
func (s *Server) Welcome(ctx context.Context, w io.Writer) error {
	var agents []tickets.Agent
	err := s.store.View(ctx, func(tx tickets.Tx) error {
		var err error
		agents, err = tx.Agents()
		return err
	})
	if err != nil {
		return fmt.Errorf("counting agents: %w", err)
	}
	base := browseURL(s.Addr())
	var b strings.Builder
	line := func(name, format string, a ...any) {
		fmt.Fprintf(&b, "  %-14s %s\n", name, fmt.Sprintf(format, a...))
	}
	fmt.Fprintf(&b, "triagebot is serving on %s\n", base)
	line("chat widget", "%s/", base)
	line("agent console", "%s/agent", base)
	line("agent API", "%s/api/   health /healthz, metrics /metrics", base)
	if s.cfg.PublicURL != "" && s.cfg.PublicURL != "http://"+s.cfg.Addr {
		line("public URL", "%s (in links sent to agents)", s.cfg.PublicURL)
	}
	if isPostgres(s.cfg.DB) {
		line("storage", "PostgreSQL %s (shared: other replicas may serve the same database)", redactDB(s.cfg.DB))
	} else {
		line("storage", "bbolt file %s", s.cfg.DB)
	}
	channels := "web (WebSocket /ws)"
	switch {
	case s.tg == nil:
		channels += "; Telegram off (set TELEGRAM_BOT_TOKEN)"
	case s.cfg.TelegramWebhook != "":
		channels += "; Telegram by webhook at " + s.cfg.TelegramWebhook
	default:
		channels += "; Telegram by long polling"
	}
	if s.tg != nil && s.cfg.TelegramAgentChat != 0 {
		channels += fmt.Sprintf(", ticket notices to chat %d", s.cfg.TelegramAgentChat)
	}
	line("channels", "%s", channels)
	if s.cfg.OpenAIKey == "" {
		line("LLM", "off: offline classifier only (set OPENAI_API_KEY for a second opinion)")
	} else {
		endpoint := s.cfg.OpenAIBaseURL
		if endpoint == "" {
			endpoint = "OpenAI's API"
		}
		line("LLM", "on: %s at %s, asked only when the offline classifier is unsure", s.cfg.OpenAIModel, endpoint)
	}
	switch {
	case len(agents) == 0 && isPostgres(s.cfg.DB):
		// The URL may hold a password: it is not repeated on the screen.
		fmt.Fprintf(&b, "No agent can sign in to the console yet. Create one, with the server running, with the same -db (or TRIAGEBOT_DB):\n"+
			"  triagebot agents add NAME -db 'postgres://…'\n")
	case len(agents) == 0:
		db := ""
		if s.cfg.DB != defaultDB {
			db = " -db " + s.cfg.DB
			if strings.ContainsAny(s.cfg.DB, " \t'\"$`\\") {
				db = " -db '" + strings.ReplaceAll(s.cfg.DB, "'", `'\''`) + "'" // shell quoting
			}
		}
		fmt.Fprintf(&b, "No agent can sign in to the console yet. Stop the server (Ctrl-C) and create one:\n"+
			"  triagebot agents add NAME%s     (from the source tree: go run ./cmd/triagebot agents add NAME%s)\n", db, db)
	default:
		line("agents", "%d can sign in", len(agents))
	}
	_, err = io.WriteString(w, b.String())
	return err
}

// browseURL is the address a browser on this machine can open: a listener
// on every interface (":8080", "0.0.0.0:8080") is reached as localhost.
func browseURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}
