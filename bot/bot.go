// Package bot is the conversation engine: an inbound event from any channel
// becomes dialogue state, tickets and outbound messages, all written in one
// store transaction. Channels (bot/ws, bot/telegram) only translate between
// their network and this package; the engine never knows which one it talks to.
package bot

import (
	"time"

	"github.com/triagebot/triagebot/tickets"
)

// Upload is a file the user sent, as received (not yet checked).
type Upload struct {
	Filename    string
	ContentType string // what the client claimed; the engine sniffs the bytes
	Data        []byte
}

// Inbound is one event from a user.
type Inbound struct {
	Channel        tickets.Channel
	ConversationID string
	User           tickets.User
	Text           string  // the user's words or a quick reply's label
	Upload         *Upload // set for an attachment; Text, if also set, is its caption
	At             time.Time
	// DedupKey, when set, makes redelivery harmless: an event whose key was
	// already handled is ignored (Telegram's update_id).
	DedupKey string
	// Command, when set, is an instruction to the bot (Telegram's /status)
	// instead of words; Text is then ignored.
	Command Command
	// Ack, when set, acknowledges that outbox message and every earlier
	// one in the turn's own transaction: a channel that writes its
	// acknowledgements behind (the web's) saves a transaction per turn.
	// An id the conversation never issued is ignored.
	Ack string
	// Refused, when set, is why the channel could not take what the user
	// sent (ErrTooLarge, ErrBadUpload, ErrUnreadable, ErrGroupChat, or a
	// failed download): the engine answers it through the outbox.
	Refused error
}

// OpenRequest finds or creates a conversation.
type OpenRequest struct {
	ID       string // empty: the engine makes a new id
	Channel  tickets.Channel
	User     tickets.User
	Address  string // where the channel delivers, e.g. a Telegram chat id
	LangHint string // e.g. Telegram's language_code; only a first guess
	// Greet asks the engine to greet a new conversation first (the web widget
	// opens before the user types anything).
	Greet bool
	// ResumeHash is the hash of the key with which the channel will let the
	// user come back to a new conversation (the web's ?session=); the key
	// itself never reaches the engine. See tickets.NewResumeKey.
	ResumeHash []byte
}
