package bot

import (
	"context"
	"errors"
	"fmt"

	"github.com/triagebot/triagebot/internal/crashpoint"
	"github.com/triagebot/triagebot/language"
	"github.com/triagebot/triagebot/prompts"
	"github.com/triagebot/triagebot/tickets"
)

// Command is an instruction a user gave the channel rather than words for
// the dialogue (Telegram's /status). Its answer goes through the
// conversation's outbox like every other message, so a crash cannot lose it.
type Command string

// Commands the engine answers.
const (
	// CommandStart greets a conversation that has not begun, else answers
	// like CommandHelp.
	CommandStart Command = "start"
	// CommandHelp says what the bot does and how to use the channel.
	CommandHelp Command = "help"
	// CommandStatus lists the user's tickets: the same answer (wording and
	// length) as asking "what happened to my ticket?".
	CommandStatus Command = "status"
	// CommandAgent asks for a person, as if the user had written so.
	CommandAgent Command = "agent"
)

func (c Command) valid() bool {
	switch c {
	case CommandStart, CommandHelp, CommandStatus, CommandAgent:
		return true
	}
	return false
}

// Reasons of a channel's own sentence (tickets.KindChannel, OutMessage.Key):
// the engine decides it is said, the channel words it.
const (
	SayHelp       = "help"       // how to use the channel
	SayUnreadable = "unreadable" // a sticker, a voice note: nothing to read
	SayTooLarge   = "too_large"  // a file over the limit
	SayNotImage   = "not_image"  // a file that is no PNG, JPEG or WebP
	SayFileFailed = "file_failed"
	SayGroup      = "group" // the bot was added to a group; it only talks in private
)

// Refusals a channel reports in Inbound.Refused, beside ErrBadUpload and
// ErrTooLarge (any other error says the file could not be fetched).
var (
	// ErrUnreadable is a message with nothing the engine can read.
	ErrUnreadable = errors.New("nothing readable")
	// ErrGroupChat is a group the bot was added to or written in.
	ErrGroupChat = errors.New("group chat")
)

// refusalKey is the sentence that answers a refusal.
func refusalKey(why error) string {
	switch {
	case errors.Is(why, ErrGroupChat):
		return SayGroup
	case errors.Is(why, ErrUnreadable):
		return SayUnreadable
	case errors.Is(why, ErrTooLarge):
		return SayTooLarge
	case errors.Is(why, ErrBadUpload):
		return SayNotImage
	}
	return SayFileFailed
}

// agentRequest turns /agent into the user's words in the conversation's
// language, which the dialogue then reads like any other message.
func (e *Engine) agentRequest(ctx context.Context, in Inbound) (Inbound, error) {
	conv, err := e.Conversation(ctx, in.ConversationID)
	if err != nil {
		return in, err
	}
	in.Command, in.Text = "", prompts.Render(conversationLang(conv), prompts.TelegramAgentRequest, nil)
	return in, nil
}

// conversationLang is the language a conversation is answered in.
func conversationLang(c tickets.Conversation) language.Lang {
	if c.Lang == "" {
		return language.ZhHant
	}
	return language.Lang(c.Lang)
}

// answer handles a command (other than CommandAgent) or a refusal: one
// transaction that writes the answer to the outbox, once per DedupKey.
func (e *Engine) answer(ctx context.Context, in Inbound) error {
	now := e.clock()
	var fx effects
	unlock := e.lock(in.ConversationID)
	err := e.store.Update(ctx, func(tx tickets.Tx) error {
		fx = effects{}
		if in.DedupKey != "" {
			seen, err := tx.Seen(in.DedupKey)
			if err != nil || seen {
				return err
			}
		}
		conv, err := tx.Conversation(in.ConversationID)
		if err != nil {
			return err
		}
		st, err := decodeState(conv.State)
		if err != nil {
			return err
		}
		t := &turn{e: e, tx: tx, conv: &conv, st: st, an: &analysis{}, now: now}
		if conv.TicketID != "" {
			tk, err := tx.Ticket(conv.TicketID)
			switch {
			case err == nil && tk.Status != tickets.Resolved:
				t.ticket = &tk
			case err != nil && !errors.Is(err, tickets.ErrNotFound):
				return err
			}
		}
		var quota *QuotaError
		switch {
		case errors.As(in.Refused, &quota):
			// The engine's own sentence, in the conversation's language.
			t.out.say(tickets.FromBot, quota.Message, nil)
		case in.Refused != nil:
			t.out.channel(refusalKey(in.Refused))
		case in.Command == CommandStatus:
			if err := t.status(); err != nil {
				return err
			}
		case in.Command == CommandStart && len(st.Transcript) == 0 && conv.TicketID == "":
			t.say(welcome(language.Lang(conv.Lang)), nil)
		default:
			t.out.channel(SayHelp)
		}
		return t.save(&fx)
	})
	unlock()
	if err != nil {
		return fmt.Errorf("bot: answer %s: %w", in.ConversationID, err)
	}
	crashpoint.At("bot.turn-committed")
	e.announce(ctx, &fx)
	return nil
}
