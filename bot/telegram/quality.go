package telegram

import (
	"context"
	"time"

	"github.com/triagebot/triagebot/bot"
)

// OnBreach wakes the notice sender for a breach the engine recorded: the
// notice itself is stored with the breach (bot.Config.Notices). Wire it
// with bot.Engine.OnBreach; it never blocks.
func (c *Channel) OnBreach(bot.Breach) {
	if c.cfg.AgentChatID != 0 {
		c.wakeNotices()
	}
}

// report is a text for the agent chat that is no notice of a ticket (the
// daily figures); its sender keeps its own record of what was sent.
type report struct {
	text   string
	onSent func(ctx context.Context)
}

// reportQueue bounds the reports waiting; a report is sent after the
// ticket notices due at the time.
const reportQueue = 16

// NotifyAgents queues text for the agent chat, after the ticket notices;
// onSent (may be nil) runs once Telegram accepted it. It reports false when
// there is no agent chat or the queue is full. Nothing stores the text: the
// caller marks it sent in onSent and offers it again otherwise.
func (c *Channel) NotifyAgents(text string, onSent func(ctx context.Context)) bool {
	if c.cfg.AgentChatID == 0 {
		return false
	}
	select {
	case c.reports <- report{text: text, onSent: onSent}:
		return true
	default:
		return false
	}
}

// sendReport sends one report, retrying as any message; a failure is the
// caller's to offer again (onSent does not run).
func (c *Channel) sendReport(ctx context.Context, r report) {
	if err := c.send(ctx, c.cfg.AgentChatID, newText(c.cfg.AgentChatID, r.text)); err != nil {
		if ctx.Err() == nil {
			c.log.Warn("agent report not delivered", "err", err)
		}
		return
	}
	if r.onSent != nil {
		r.onSent(ctx)
	}
}

// location is the zone due times are shown in to agents.
func (c *Channel) location() *time.Location {
	if c.cfg.Location != nil {
		return c.cfg.Location
	}
	return time.UTC
}
