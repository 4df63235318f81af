package bot

import (
	"strings"
	"time"

	"github.com/triagebot/triagebot/language"
	"github.com/triagebot/triagebot/prompts"
	"github.com/triagebot/triagebot/tickets"
)

// outbox collects a turn's outbound messages; they are enqueued at the end
// of the transaction, in order.
type outbox struct{ msgs []tickets.OutMessage }

func (o *outbox) say(from tickets.Author, text string, quickReplies []string) {
	o.msgs = append(o.msgs, tickets.OutMessage{Kind: tickets.KindMessage, From: from, Text: text, QuickReplies: quickReplies})
}

// sayAs is say for an agent's message: the page shows who wrote it.
func (o *outbox) sayAs(agent, text string) {
	o.msgs = append(o.msgs, tickets.OutMessage{Kind: tickets.KindMessage, From: tickets.FromAgent, Agent: agent, Text: text})
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

// channel queues a sentence the channel words itself (see SayHelp).
func (o *outbox) channel(key string) {
	o.msgs = append(o.msgs, tickets.OutMessage{Kind: tickets.KindChannel, Key: key})
}

// event tells the user's page the ticket's state. The team's name and
// the due time (in the routing zone, loc) are written in the ticket's
// language now, so the stored event replays as it was first sent.
func (o *outbox) event(t *tickets.Ticket, loc *time.Location) {
	ev := &tickets.TicketEvent{
		TicketID: t.ID, Status: t.Status, Queue: t.Queue, Priority: t.Priority,
		Team: prompts.TeamName(language.Lang(t.Lang), t.Queue),
	}
	if !t.SLADue.IsZero() {
		ev.SLADue = t.SLADue.In(loc)
		ev.DueText = prompts.When(language.Lang(t.Lang), ev.SLADue)
	}
	o.msgs = append(o.msgs, tickets.OutMessage{Kind: tickets.KindTicket, Ticket: ev})
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
