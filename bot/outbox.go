package bot

import (
	"strings"
	"time"

	"github.com/triagebot/triagebot/tickets"
)

// outbox collects a turn's outbound messages; they are enqueued at the end
// of the transaction, in order.
type outbox struct{ msgs []tickets.OutMessage }

func (o *outbox) say(from tickets.Author, text string, quickReplies []string) {
	o.msgs = append(o.msgs, tickets.OutMessage{Kind: tickets.KindMessage, From: from, Text: text, QuickReplies: quickReplies})
}

// text is the turn's answer as the user reads it: its messages, joined.
func (o *outbox) text() string {
	var b strings.Builder
	for _, m := range o.msgs {
		if m.Kind == tickets.KindMessage {
			b.WriteString(m.Text)
			b.WriteString("\n")
		}
	}
	return b.String()
}

func (o *outbox) event(t *tickets.Ticket) {
	o.msgs = append(o.msgs, tickets.OutMessage{Kind: tickets.KindTicket, Ticket: &tickets.TicketEvent{
		TicketID: t.ID, Status: t.Status, Queue: t.Queue, Priority: t.Priority,
	}})
}

func (o *outbox) flush(tx tickets.Tx, conversationID string, now time.Time) error {
	for i := range o.msgs {
		m := o.msgs[i]
		m.ConversationID, m.CreatedAt = conversationID, now
		if err := tx.Enqueue(&m); err != nil {
			return err
		}
	}
	return nil
}
