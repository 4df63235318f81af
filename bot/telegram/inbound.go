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
	"github.com/triagebot/triagebot/language"
	"github.com/triagebot/triagebot/prompts"
	"github.com/triagebot/triagebot/tickets"
)

const convPrefix = "tg-"

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
		return c.refuseGroup(ctx, m.Chat.ID, m.From)
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
	return c.refuse(ctx, key, s, bot.ErrUnreadable)
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

// commands maps Telegram's slash commands to the engine's; any other
// command gets the help.
var commands = map[string]bot.Command{
	"start": bot.CommandStart, "help": bot.CommandHelp, "status": bot.CommandStatus, "agent": bot.CommandAgent,
}

// onCommand hands a slash command to the engine, which answers it through
// the conversation's outbox like any other message.
func (c *Channel) onCommand(ctx context.Context, key string, s session, cmd string, at time.Time) error {
	command, ok := commands[strings.ToLower(cmd)]
	if !ok {
		command = bot.CommandHelp
	}
	if _, err := c.open(ctx, s, false); err != nil {
		return err
	}
	return c.handleIn(ctx, bot.Inbound{Channel: tickets.Telegram, ConversationID: s.conv, User: s.user,
		Command: command, At: at, DedupKey: key})
}

func (c *Channel) onCallback(ctx context.Context, key string, q *tgbotapi.CallbackQuery) error {
	if q.Message == nil || q.Message.Chat == nil || q.From == nil || !q.Message.Chat.IsPrivate() {
		c.answerCallback(q.ID, "")
		return nil
	}
	s := newSession(q.Message.Chat.ID, q.From)
	label, ok, err := c.choiceLabel(ctx, s.conv, q.Data)
	if err != nil {
		return err
	}
	if !ok {
		c.answerCallback(q.ID, prompts.Render(language.FromHint(s.langHint), prompts.TelegramChoiceGone, nil))
		return nil
	}
	// Answer first: the user's button spins until the callback is answered.
	c.answerCallback(q.ID, "")
	return c.handle(ctx, key, s, label, nil, c.now())
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
		return c.refuseGroup(ctx, u.Chat.ID, &u.From)
	}
	return nil
}

// refuseGroup answers a group once (per group, ever): the bot handles
// account problems only in private chats. The group is a conversation of
// its own (tg-<chat id>), so the refusal goes through its outbox.
func (c *Channel) refuseGroup(ctx context.Context, chat int64, from *tgbotapi.User) error {
	s := newSession(chat, from)
	return c.refuse(ctx, "tg:refused:"+strconv.FormatInt(chat, 10), s, bot.ErrGroupChat)
}

// refuse tells the user, through the engine and the outbox, why what they
// sent was not taken.
func (c *Channel) refuse(ctx context.Context, key string, s session, why error) error {
	if _, err := c.open(ctx, s, false); err != nil {
		return err
	}
	c.log.Info("refused", "conversation", s.conv, "why", why)
	return c.handleIn(ctx, bot.Inbound{Channel: tickets.Telegram, ConversationID: s.conv, User: s.user,
		Refused: why, At: c.now(), DedupKey: key})
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
	if _, err := c.open(ctx, s, false); err != nil {
		return err
	}
	return c.feed(ctx, key, s, text, up, at)
}

// feed hands one user event of the opened conversation to the engine,
// with the update's dedup key. Callers that have opened it already call
// it directly: each Open is a write transaction.
func (c *Channel) feed(ctx context.Context, key string, s session, text string, up *bot.Upload, at time.Time) error {
	err := c.engine.Handle(ctx, bot.Inbound{Channel: tickets.Telegram, ConversationID: s.conv, User: s.user,
		Text: text, Upload: up, At: at, DedupKey: key})
	if errors.Is(err, bot.ErrBadUpload) {
		return c.refuse(ctx, key, s, err)
	}
	if err != nil {
		return fmt.Errorf("handle: %w", err)
	}
	return nil
}

// handleIn hands the engine an event that is not the user's words.
func (c *Channel) handleIn(ctx context.Context, in bot.Inbound) error {
	if err := c.engine.Handle(ctx, in); err != nil {
		return fmt.Errorf("handle: %w", err)
	}
	return nil
}
