package telegram

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/triagebot/triagebot/bot"
	"github.com/triagebot/triagebot/intents"
	"github.com/triagebot/triagebot/prompts"
	"github.com/triagebot/triagebot/tickets"
)

const convPrefix = "tg-"

// maxStatusTickets bounds the /status answer.
const maxStatusTickets = 10

// session is who wrote, and where: one private chat is one conversation.
type session struct {
	chat     int64
	conv     string
	user     tickets.User
	langHint string // Telegram's language_code
}

func newSession(chat int64, from *tgbotapi.User) session {
	name := strings.TrimSpace(from.FirstName + " " + from.LastName)
	if name == "" {
		name = from.UserName
	}
	return session{chat: chat, conv: convPrefix + strconv.FormatInt(chat, 10),
		user: tickets.User{ID: strconv.FormatInt(from.ID, 10), Name: name}, langHint: from.LanguageCode}
}

// handleUpdate turns one update into engine calls or answers of the channel.
// An error means "try again later"; what can never succeed is answered to
// the user (or logged) and returns nil.
func (c *Channel) handleUpdate(ctx context.Context, u tgbotapi.Update) error {
	key := "tg:" + strconv.Itoa(u.UpdateID)
	switch {
	case u.Message != nil:
		return c.onMessage(ctx, key, u.Message)
	case u.CallbackQuery != nil:
		return c.onCallback(ctx, key, u.CallbackQuery)
	case u.MyChatMember != nil:
		return c.onMembership(ctx, u.MyChatMember)
	}
	return nil
}

func (c *Channel) onMessage(ctx context.Context, key string, m *tgbotapi.Message) error {
	if m.Chat == nil || m.From == nil || m.From.IsBot || m.Chat.ID == c.cfg.AgentChatID {
		return nil // the agents' own chat is theirs to talk in
	}
	if !m.Chat.IsPrivate() {
		return c.refuseGroup(ctx, m.Chat.ID, langOf(m.From.LanguageCode))
	}
	s := newSession(m.Chat.ID, m.From)
	at := time.Unix(int64(m.Date), 0)
	switch {
	case m.IsCommand():
		return c.onCommand(ctx, key, s, m.Command(), at)
	case len(m.Photo) > 0:
		p := largestPhoto(m.Photo)
		f := file{id: p.FileID, size: p.FileSize, name: "photo-" + p.FileUniqueID + ".jpg", mime: "image/jpeg"}
		return c.onFile(ctx, key, s, f, m.Caption, at)
	case m.Document != nil:
		d := m.Document
		f := file{id: d.FileID, size: d.FileSize, name: d.FileName, mime: d.MimeType, document: true}
		return c.onFile(ctx, key, s, f, m.Caption, at)
	case strings.TrimSpace(m.Text) != "":
		return c.handle(ctx, key, s, m.Text, nil, at)
	}
	// A sticker, voice note, location...: nothing the engine can read.
	conv, err := c.open(ctx, s, false)
	if err != nil {
		return err
	}
	return c.answerOnce(ctx, key, s.chat, prompts.Render(c.lang(conv, s), prompts.TelegramUnsupported, nil))
}

// largestPhoto picks the biggest size Telegram offers.
func largestPhoto(ps []tgbotapi.PhotoSize) tgbotapi.PhotoSize {
	best := ps[0]
	for _, p := range ps[1:] {
		if p.Width*p.Height > best.Width*best.Height {
			best = p
		}
	}
	return best
}

func (c *Channel) onCommand(ctx context.Context, key string, s session, cmd string, at time.Time) error {
	cmd = strings.ToLower(cmd)
	if cmd == "agent" {
		conv, err := c.open(ctx, s, false)
		if err != nil {
			return err
		}
		return c.feed(ctx, key, s, conv, prompts.Render(c.lang(conv, s), prompts.TelegramAgentRequest, nil), nil, at)
	}
	conv, created, err := c.engine.Open(ctx, c.openRequest(s, cmd == "start"))
	if err != nil {
		return fmt.Errorf("open: %w", err)
	}
	lang := c.lang(conv, s)
	switch cmd {
	case "start":
		if created {
			return nil // the engine greets a new conversation through its outbox
		}
		return c.answerOnce(ctx, key, s.chat, prompts.Render(lang, prompts.TelegramHelp, nil))
	case "status":
		text, err := c.statusText(ctx, lang, s.user.ID)
		if err != nil {
			return err
		}
		return c.answerOnce(ctx, key, s.chat, text)
	}
	return c.answerOnce(ctx, key, s.chat, prompts.Render(lang, prompts.TelegramHelp, nil))
}

// statusText lists the user's tickets on Telegram, newest first.
func (c *Channel) statusText(ctx context.Context, lang, userID string) (string, error) {
	var ts []tickets.Ticket
	err := c.cfg.Store.View(ctx, func(tx tickets.Tx) error {
		var err error
		ts, err = tx.TicketsOfUser(tickets.Telegram, userID)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("tickets of user: %w", err)
	}
	if len(ts) == 0 {
		return prompts.Render(lang, prompts.TelegramStatusNone, nil), nil
	}
	var d prompts.TelegramStatusData
	for _, t := range ts[:min(len(ts), maxStatusTickets)] {
		d.Tickets = append(d.Tickets, prompts.TelegramTicketData{TicketID: t.ID, Status: string(t.Status),
			Queue: t.Queue, Priority: string(t.Priority)})
	}
	return prompts.Render(lang, prompts.TelegramStatusList, d), nil
}

func (c *Channel) onCallback(ctx context.Context, key string, q *tgbotapi.CallbackQuery) error {
	if q.Message == nil || q.Message.Chat == nil || q.From == nil || !q.Message.Chat.IsPrivate() {
		c.answerCallback(q.ID, "")
		return nil
	}
	s := newSession(q.Message.Chat.ID, q.From)
	label, ok, err := c.choiceLabel(ctx, s.chat, q.Data)
	if err != nil {
		return err
	}
	if !ok {
		c.answerCallback(q.ID, prompts.Render(langOf(s.langHint), prompts.TelegramChoiceGone, nil))
		return nil
	}
	// Answer first: the user's button spins until the callback is answered.
	c.answerCallback(q.ID, "")
	return c.handle(ctx, key, s, label, nil, time.Now())
}

// answerCallback stops the button's spinner. It is best effort: a second
// answer to a redelivered query fails harmlessly ("query is too old").
func (c *Channel) answerCallback(id, text string) {
	if _, err := c.api.Request(tgbotapi.NewCallback(id, text)); err != nil {
		c.log.Debug("answerCallbackQuery failed", "err", err)
	}
}

// onMembership refuses a group the bot was added to, before anyone writes.
func (c *Channel) onMembership(ctx context.Context, u *tgbotapi.ChatMemberUpdated) error {
	if u.Chat.IsPrivate() || u.Chat.ID == c.cfg.AgentChatID {
		return nil
	}
	switch u.NewChatMember.Status {
	case "member", "administrator":
		return c.refuseGroup(ctx, u.Chat.ID, langOf(u.From.LanguageCode))
	}
	return nil
}

// refuseGroup answers a group once (per group, ever): the bot handles
// account problems only in private chats.
func (c *Channel) refuseGroup(ctx context.Context, chat int64, lang string) error {
	text := prompts.Render(lang, prompts.TelegramGroupRefusal, map[string]string{"Bot": c.api.Self.UserName})
	return c.answerOnce(ctx, "tg:refused:"+strconv.FormatInt(chat, 10), chat, text)
}

// openRequest is the engine's view of a private chat.
func (c *Channel) openRequest(s session, greet bool) bot.OpenRequest {
	return bot.OpenRequest{ID: s.conv, Channel: tickets.Telegram, User: s.user,
		Address: strconv.FormatInt(s.chat, 10), LangHint: s.langHint, Greet: greet}
}

func (c *Channel) open(ctx context.Context, s session, greet bool) (tickets.Conversation, error) {
	conv, _, err := c.engine.Open(ctx, c.openRequest(s, greet))
	if err != nil {
		return conv, fmt.Errorf("open: %w", err)
	}
	return conv, nil
}

// handle opens the chat's conversation and feeds it one user event.
func (c *Channel) handle(ctx context.Context, key string, s session, text string, up *bot.Upload, at time.Time) error {
	conv, err := c.open(ctx, s, false)
	if err != nil {
		return err
	}
	return c.feed(ctx, key, s, conv, text, up, at)
}

// feed hands one user event of the opened conversation conv to the engine,
// with the update's dedup key. Callers that have opened conv already call
// it directly: each Open is a write transaction.
func (c *Channel) feed(ctx context.Context, key string, s session, conv tickets.Conversation, text string, up *bot.Upload, at time.Time) error {
	err := c.engine.Handle(ctx, bot.Inbound{Channel: tickets.Telegram, ConversationID: s.conv, User: s.user,
		Text: text, Upload: up, At: at, DedupKey: key})
	if errors.Is(err, bot.ErrBadUpload) {
		return c.refuseFile(ctx, key, s, conv, err)
	}
	if err != nil {
		return fmt.Errorf("handle: %w", err)
	}
	return nil
}

// answerOnce queues an answer of the channel's own, once per key: a
// redelivered update is not answered again.
func (c *Channel) answerOnce(ctx context.Context, key string, chat int64, text string) error {
	var seen bool
	err := c.cfg.Store.Update(ctx, func(tx tickets.Tx) error {
		var err error
		seen, err = tx.Seen(key + ":answer")
		return err
	})
	if err != nil {
		return fmt.Errorf("dedup %s: %w", key, err)
	}
	if !seen {
		c.say(chat, text)
	}
	return nil
}

// lang is the conversation's language, else the user's Telegram language.
func (c *Channel) lang(conv tickets.Conversation, s session) string {
	if conv.Lang != "" {
		return conv.Lang
	}
	return langOf(s.langHint)
}

// langOf maps Telegram's language_code to one of ours by the same parser
// as every other language hint (intents.ParseLang), English for the rest.
func langOf(code string) string {
	if l, err := intents.ParseLang(code); err == nil {
		return string(l)
	}
	return prompts.English
}
