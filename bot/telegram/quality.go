package telegram

import (
	"context"
	"strings"
	"time"

	"github.com/triagebot/triagebot/bot"
	"github.com/triagebot/triagebot/prompts"
	"github.com/triagebot/triagebot/tickets"
)

// OnBreach queues a notice to the agent chat that a ticket's SLA passed
// without an agent reply; loc is the zone its due time is shown in. Wire
// it with bot.Engine.OnBreach: it must not block. Without an agent chat it
// does nothing.
func (c *Channel) OnBreach(b bot.Breach, loc *time.Location) {
	if c.cfg.AgentChatID == 0 {
		return
	}
	url := ""
	if c.cfg.ConsoleURL != "" {
		url = strings.TrimRight(c.cfg.ConsoleURL, "/") + "/agent#" + b.Ticket.ID
	}
	text := prompts.Render(c.cfg.AgentLang, prompts.TelegramBreachNotice, prompts.BreachData{
		TicketID: b.Ticket.ID, Queue: b.Ticket.Queue, Was: string(b.Was), Priority: string(b.Ticket.Priority),
		Due: prompts.When(c.cfg.AgentLang, b.Ticket.SLADue.In(loc)), URL: url,
	})
	if !c.jobs.push(&job{rank: b.Ticket.Priority.Rank(), chat: c.cfg.AgentChatID, text: text}) {
		c.log.Warn("job queue full; breach notice dropped", "ticket", b.Ticket.ID)
	}
}

// NotifyAgents queues text for the agent chat, after the ticket notices;
// onSent (may be nil) runs once Telegram accepted it. It reports false when
// there is no agent chat or the queue is full.
func (c *Channel) NotifyAgents(text string, onSent func(ctx context.Context)) bool {
	if c.cfg.AgentChatID == 0 {
		return false
	}
	return c.jobs.push(&job{rank: len(tickets.Priorities), chat: c.cfg.AgentChatID, text: text, onSent: onSent})
}
