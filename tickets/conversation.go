package tickets

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// Conversation is one user's thread with us on one channel. The bot's
// dialogue state is opaque here: the engine owns its shape.
//
// ID is public: tickets name their conversation by it, and a web visitor's
// tickets carry it as user.id, so agents see it. A web page resumes its
// conversation with a separate secret, the resume key, of which only the
// hash (ResumeHash, see HashToken) is stored: what the console shows cannot
// be used to talk as the customer.
type Conversation struct {
	ID         string  `json:"id"`
	Channel    Channel `json:"channel"`
	User       User    `json:"user"`
	ResumeHash []byte  `json:"-"`
	// Address is where the channel delivers (a Telegram chat id); empty on the web.
	Address string          `json:"address,omitempty"`
	Lang    string          `json:"lang,omitempty"`
	State   json.RawMessage `json:"state,omitempty"`
	// TicketID is the escalated ticket the conversation now feeds, if any.
	TicketID string `json:"ticket_id,omitempty"`
	// Unreachable is set when the channel can no longer deliver (the user
	// blocked the Telegram bot); the outbox is kept for the record.
	Unreachable bool `json:"unreachable,omitempty"`
	// Uploads counts the files stored while the conversation had no ticket
	// (the attachment quota before a ticket exists); the bot resets it when
	// a ticket takes them over.
	Uploads   Usage     `json:"uploads,omitzero"`
	CreatedAt time.Time `json:"created_at"`
	// UpdatedAt is the last activity: a conversation that never led to a
	// ticket expires that long after it (Tx.ExpireConversations).
	UpdatedAt time.Time `json:"updated_at"`
}

// Kind is what an outbound message carries.
type Kind string

// Outbound message kinds; they match the WebSocket frame types.
const (
	KindMessage Kind = "message"
	KindTicket  Kind = "ticket"
	// KindChannel is a sentence of the channel's own (its help, a refusal
	// of what it cannot take), named by OutMessage.Key: the engine decides
	// that it is said, the channel renders it in the conversation's
	// language. Only the channel that asked for it (Telegram) gets one.
	KindChannel Kind = "channel"
)

// TicketEvent tells the user their ticket was created or changed.
type TicketEvent struct {
	TicketID string   `json:"ticket_id"`
	Status   Status   `json:"status"`
	Queue    string   `json:"queue"`
	Priority Priority `json:"priority"`
	// Team is the queue's name for the user, in the ticket's language
	// (written when the event is made, so a replay reads the same).
	Team string `json:"team,omitempty"`
	// SLADue is when the first agent reply is due, in the routing zone;
	// DueText is that moment written for the user, with the zone.
	SLADue  time.Time `json:"sla_due,omitzero"`
	DueText string    `json:"due_text,omitempty"`
}

// MessageID is an outbound message's store-unique id. Conversation ids are
// unique and a conversation's outbox sequence never goes back (even when
// the outbox is emptied), so the pair is unique.
func MessageID(convID string, seq uint64) string {
	return convID + "-" + strconv.FormatUint(seq, 10)
}

// MessageSeq is the outbox sequence of message id of conversation convID;
// false when id is not one MessageID would make for that conversation.
func MessageSeq(convID, id string) (uint64, bool) {
	digits, ok := strings.CutPrefix(id, convID+"-")
	if !ok {
		return 0, false
	}
	seq, err := strconv.ParseUint(digits, 10, 63)
	if err != nil || seq == 0 || MessageID(convID, seq) != id {
		return 0, false
	}
	return seq, true
}

// OutMessage is one message waiting in a conversation's outbox until the
// user's channel has delivered it. ID is stable and unique across the store,
// so a channel may send a message twice but never two different ones.
type OutMessage struct {
	ID             string   `json:"id"`
	Seq            uint64   `json:"seq"` // increasing within the conversation
	ConversationID string   `json:"conversation_id"`
	Kind           Kind     `json:"kind"`
	From           Author   `json:"from,omitempty"`
	Text           string   `json:"text,omitempty"`
	QuickReplies   []string `json:"quick_replies,omitempty"`
	// Agent is the name of the agent who wrote an agent message.
	Agent  string       `json:"agent,omitempty"`
	Ticket *TicketEvent `json:"ticket,omitempty"`
	// Key names the channel's sentence of a KindChannel message.
	Key string `json:"key,omitempty"`
	// Parts is how many parts of a message the channel had to split were
	// delivered already (Tx.SetProgress): a restart sends the rest.
	Parts     int       `json:"parts,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}
