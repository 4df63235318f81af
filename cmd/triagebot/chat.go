package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/triagebot/triagebot/bot"
	"github.com/triagebot/triagebot/intents"
	"github.com/triagebot/triagebot/language"
	"github.com/triagebot/triagebot/tickets"
)

func init() {
	commands["chat"] = command{"talk to the bot in the terminal (/attach FILE, /quit)", func(ctx context.Context, args []string, sio stdio) error {
		return runChat(ctx, args, sio)
	}}
}

// runChat is a terminal client of the conversation engine: the same
// dialogue, store and tickets as the web and Telegram channels, for trying
// the bot and for support staff reproducing a user's conversation. It needs
// the database to itself (bbolt allows one process), so stop the server
// first or point -db at another file.
func runChat(ctx context.Context, args []string, sio stdio) error {
	stdin, stdout, getenv := sio.in, sio.out, sio.getenv
	var c Config
	fs := newFlags("chat", "[flags]")
	dbFlags(fs, &c, getenv)
	routing := fs.String("routing", env(getenv, "TRIAGEBOT_ROUTING", ""), "routing rules file, JSON (env TRIAGEBOT_ROUTING; default: the embedded rules)")
	user := fs.String("user", "cli", "user id the conversation belongs to")
	session := fs.String("session", "", "conversation id to continue (default: cli-USER)")
	lang := fs.String("lang", "", "language of the greeting: zh-Hant, zh-Hans or en (zh-HK, zh-CN … accepted too; default: Cantonese and English)")
	if err := parseFlags(fs, args, sio); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return badUsage(fs, sio, "unexpected argument %q", fs.Arg(0))
	}
	if *lang != "" {
		l, err := language.Parse(*lang)
		if err != nil {
			return badUsage(fs, sio, "-lang %q is not zh-Hant, zh-Hans or en", *lang)
		}
		*lang = string(l)
	}
	loc, err := loadZone(c.TZ)
	if err != nil {
		return err
	}
	router, err := loadRouter(*routing)
	if err != nil {
		return fmt.Errorf("chat: %w", err)
	}
	cls, err := intents.NewOffline()
	if err != nil {
		return fmt.Errorf("chat: %w", err)
	}
	store, err := openStore(ctx, c.DB, time.Second, nil)
	if errors.Is(err, tickets.ErrDatabaseUse) {
		return fmt.Errorf("chat: %w (stop the server, or use -db with another file)", err)
	}
	if err != nil {
		return fmt.Errorf("chat: %w", err)
	}
	defer store.Close()
	// Warnings only: the terminal is for the dialogue.
	logger := slog.New(intents.MaskLogs(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	eng, err := bot.New(bot.Config{Store: store, Classifier: cls, Router: router, Location: loc, Logger: logger})
	if err != nil {
		return fmt.Errorf("chat: %w", err)
	}

	id := *session
	if id == "" {
		id = "cli-" + *user
	}
	// A web conversation from before schema 2 was renamed, its old id kept
	// as its resume key: -session still names it.
	if conv, err := eng.ConversationByResume(ctx, tickets.HashToken(id)); err == nil {
		id = conv.ID
	}
	who := tickets.User{ID: *user, Name: *user}
	if _, _, err := eng.Open(ctx, bot.OpenRequest{ID: id, Channel: tickets.Web, User: who, LangHint: *lang, Greet: true}); err != nil {
		return fmt.Errorf("chat: %w", err)
	}
	fmt.Fprintf(stdout, "conversation %s — type a message, a quick reply's number, /attach FILE or /quit\n", id)
	var replies []string
	show := func() error {
		msgs, err := eng.Outbox(ctx, id)
		if err != nil {
			return err
		}
		if r := printMessages(stdout, msgs); r != nil {
			replies = r
		}
		if len(msgs) > 0 {
			return eng.Ack(ctx, id, msgs[len(msgs)-1].ID)
		}
		return nil
	}
	if err := show(); err != nil {
		return fmt.Errorf("chat: %w", err)
	}
	in := bufio.NewScanner(stdin)
	in.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for {
		fmt.Fprint(stdout, "> ")
		if !in.Scan() {
			fmt.Fprintln(stdout)
			return in.Err()
		}
		if err := ctx.Err(); err != nil {
			return nil // interrupted: a normal way to leave
		}
		line := strings.TrimSpace(in.Text())
		ev := bot.Inbound{Channel: tickets.Web, ConversationID: id, User: who, Text: line}
		switch {
		case line == "":
			if err := show(); err != nil { // maybe an agent wrote meanwhile
				return fmt.Errorf("chat: %w", err)
			}
			continue
		case line == "/quit" || line == "/exit":
			return nil
		case strings.HasPrefix(line, "/attach"):
			path := strings.TrimSpace(strings.TrimPrefix(line, "/attach"))
			if path == "" {
				fmt.Fprintln(stdout, "usage: /attach FILE")
				continue
			}
			data, err := os.ReadFile(path)
			if err != nil {
				fmt.Fprintf(stdout, "cannot read %s: %v\n", path, err)
				continue
			}
			ev.Text, ev.Upload = "", &bot.Upload{Filename: path, Data: data}
		default:
			if n, err := strconv.Atoi(line); err == nil && n >= 1 && n <= len(replies) {
				ev.Text = replies[n-1]
				fmt.Fprintf(stdout, "(%s)\n", ev.Text)
			}
		}
		err := eng.Handle(ctx, ev)
		switch {
		case errors.Is(err, bot.ErrBadUpload), errors.Is(err, tickets.ErrInvalid):
			fmt.Fprintf(stdout, "refused: %v\n", err)
			continue
		case err != nil:
			return fmt.Errorf("chat: %w", err)
		}
		replies = nil
		if err := show(); err != nil {
			return fmt.Errorf("chat: %w", err)
		}
	}
}

// printMessages writes bot and agent messages and ticket events; it returns
// the last quick replies shown (numbered, so the user can type the number).
func printMessages(w io.Writer, msgs []tickets.OutMessage) []string {
	var replies []string
	for _, m := range msgs {
		if m.Kind == tickets.KindTicket {
			fmt.Fprintf(w, "[ticket %s: %s, queue %s, priority %s]\n", m.Ticket.TicketID, m.Ticket.Status, m.Ticket.Queue, m.Ticket.Priority)
			continue
		}
		fmt.Fprintf(w, "%s: %s\n", m.From, strings.ReplaceAll(m.Text, "\n", "\n     "))
		if len(m.QuickReplies) > 0 {
			replies = m.QuickReplies
			for i, q := range m.QuickReplies {
				fmt.Fprintf(w, "  [%d] %s\n", i+1, q)
			}
		}
	}
	return replies
}
