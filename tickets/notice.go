package tickets

import (
	"context"
	"time"
)

// NoticeKind is what a notice to the agents announces.
type NoticeKind string

// Notice kinds.
const (
	NoticeNewTicket NoticeKind = "new_ticket"
	// NoticeBreach: a ticket's SLA passed without an agent's answer.
	NoticeBreach NoticeKind = "sla_breach"
)

// Notice is a message to the agents (their Telegram chat) that must go out
// at least once: it is written in the transaction that makes its reason (a
// ticket's creation), so a crash cannot lose it, and deleted once sent.
type Notice struct {
	// ID is assigned by AddNotice, stable until the notice is deleted.
	ID       string     `json:"id"`
	Kind     NoticeKind `json:"kind"`
	TicketID string     `json:"ticket_id"`
	// Rank orders notices, lowest first (a ticket's Priority.Rank()):
	// urgent tickets are announced before older normal ones.
	Rank int `json:"rank"`
	// Was is, for NoticeBreach, the priority whose SLA was missed (the
	// ticket may have been raised since).
	Was       Priority  `json:"was,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	// Ticket is the ticket as it is when the notice is listed (Store.Notices
	// fills it); zero when the ticket is gone.
	Ticket Ticket `json:"-"`
}

// ChannelStore is what channels keep of their own, beside conversations:
// typed records, so that no channel reads or writes raw keys.
type ChannelStore interface {
	// Cursor is the channel's position in its source of events (Telegram's
	// update offset); 0 when none was stored.
	Cursor(ctx context.Context, ch Channel) (int64, error)
	SetCursor(ctx context.Context, ch Channel, v int64) error
	// PutChoices keeps the quick-reply labels of outbox message seq of a
	// conversation, so that a button pressed later (even after a restart)
	// becomes the label's text. Only the newest few sets per conversation
	// are kept.
	PutChoices(ctx context.Context, conversationID string, seq uint64, labels []string) error
	// Choices returns the labels kept for message seq; nil when none are
	// (an old or unknown keyboard).
	Choices(ctx context.Context, conversationID string, seq uint64) ([]string, error)
	// Notices lists up to limit notices not yet sent, lowest Rank first,
	// then oldest, each with its ticket as it is now.
	Notices(ctx context.Context, limit int) ([]Notice, error)
	// DeleteNotice removes a sent (or pointless) notice; an unknown id is
	// not an error (two senders may race to delete one).
	DeleteNotice(ctx context.Context, id string) error
}
