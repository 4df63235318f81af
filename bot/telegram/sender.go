package telegram

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/triagebot/triagebot/internal/crashpoint"
	"github.com/triagebot/triagebot/language"
	"github.com/triagebot/triagebot/tickets"
)

const (
	// sendAttempts bounds the transient retries of one message; after them
	// the conversation waits for the next rescan, so one dead chat cannot
	// hold a sender for long.
	sendAttempts = 6
	// rescanEvery is how often every pending outbox is looked at again: it
	// picks up what failed and what a full work queue could not hold.
	rescanEvery = 15 * time.Second
	ackAttempts = 3
	// maxRetryAfters bounds the 429s one message may get before its
	// conversation waits for the next rescan.
	maxRetryAfters = 20
)

// outboxWorker delivers conversations' outboxes, one conversation at a time.
func (c *Channel) outboxWorker(ctx context.Context) {
	for {
		id, ok := c.work.pop(ctx)
		if !ok {
			return
		}
		if err := c.deliver(ctx, id); err != nil && ctx.Err() == nil {
			c.log.Warn("outbox delivery failed; will retry", "conversation", id, "err", err)
		}
		c.work.done(id)
	}
}

// rescanLoop queues every conversation with a pending outbox: once at start
// (what a crash left behind), then every rescanEvery, which also picks up
// what a full work queue turned away. Waiting for the tick after an
// overflow costs little: a queue that full takes minutes to send at
// Telegram's global limit.
func (c *Channel) rescanLoop(ctx context.Context) {
	for {
		if err := c.rescan(ctx); err != nil && ctx.Err() == nil {
			c.log.Warn("scanning pending outboxes", "err", err)
		}
		if !c.sleep(ctx, rescanEvery) {
			return
		}
	}
}

func (c *Channel) rescan(ctx context.Context) error {
	if c.work.takeOverflow() {
		c.log.Warn("the work queue was full; conversations it turned away are queued again from the store",
			"capacity", workQueueCap)
	}
	ids, err := c.engine.Pending(ctx, tickets.Telegram)
	if err != nil {
		return err
	}
	for _, id := range ids {
		c.work.push(id)
	}
	return nil
}

// deliver sends a conversation's outbox in order, acknowledging each message
// as soon as Telegram accepted it, so a restart never sends it again.
func (c *Channel) deliver(ctx context.Context, convID string) error {
	conv, err := c.engine.Conversation(ctx, convID)
	if errors.Is(err, tickets.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("conversation: %w", err)
	}
	if conv.Unreachable {
		return nil
	}
	chat, err := chatOf(conv)
	if err != nil {
		return err
	}
	msgs, err := c.engine.Outbox(ctx, convID)
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	told := mentionedTickets(msgs)
	for _, m := range msgs {
		var err error
		if m.Kind == tickets.KindTicket && m.Ticket != nil && told[m.Ticket.TicketID] {
			// The engine's own message beside the event already says it;
			// the sentence would only repeat it.
		} else {
			err = c.sendOut(ctx, chat, conv, m)
		}
		switch {
		case errors.Is(err, ErrBlocked):
			c.log.Info("chat unreachable; marking the conversation", "conversation", convID, "err", err)
			if err := c.engine.MarkUnreachable(ctx, convID); err != nil {
				return fmt.Errorf("mark unreachable: %w", err)
			}
			return nil
		case errors.Is(err, errRejected):
			// Sending it again cannot succeed, and holding it would stop
			// every later message: record why and move on.
			c.log.Error("Telegram refused an outbox message; skipped", "conversation", convID, "message", m.ID, "err", err)
		case err != nil:
			return err
		}
		crashpoint.At("telegram.sent")
		if err := c.ack(ctx, convID, m.ID); err != nil {
			return err
		}
		crashpoint.At("telegram.acked")
	}
	return nil
}

// mentionedTickets lists the ticket ids the text messages of msgs name.
func mentionedTickets(msgs []tickets.OutMessage) map[string]bool {
	told := map[string]bool{}
	for _, m := range msgs {
		if m.Kind == tickets.KindTicket && m.Ticket != nil {
			for _, o := range msgs {
				if o.Kind != tickets.KindTicket && strings.Contains(o.Text, m.Ticket.TicketID) {
					told[m.Ticket.TicketID] = true
				}
			}
		}
	}
	return told
}

// ackTimeout bounds an ack's retries once ctx ended.
const ackTimeout = 2 * time.Second

// ack records delivery, retrying briefly: a lost ack means a duplicate later.
// It is stored even when ctx just ended (shutdown, or the lease lost): the
// message went, and the next sender must not send it again.
func (c *Channel) ack(ctx context.Context, convID, msgID string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ackTimeout)
	defer cancel()
	var err error
	for i := range ackAttempts {
		if err = c.engine.Ack(ctx, convID, msgID); err == nil {
			return nil
		}
		if !c.sleep(ctx, time.Duration(i+1)*100*time.Millisecond) {
			break
		}
	}
	return fmt.Errorf("record delivery: %w", err)
}

// chatOf reads the chat id from the conversation's address (or its id).
func chatOf(conv tickets.Conversation) (int64, error) {
	s := conv.Address
	if s == "" {
		s = strings.TrimPrefix(conv.ID, convPrefix)
	}
	chat, err := strconv.ParseInt(s, 10, 64)
	if err != nil || chat == 0 {
		return 0, fmt.Errorf("%w: conversation %s has no Telegram chat id (address %q)", tickets.ErrInvalid, conv.ID, conv.Address)
	}
	return chat, nil
}

// sendOut renders one outbox message and sends it, long texts in parts.
// A message split into parts resumes after the parts already delivered
// (m.Parts, stored by Engine.Progress after each part), so a restart sends
// the rest and repeats at most the part in flight.
func (c *Channel) sendOut(ctx context.Context, chat int64, conv tickets.Conversation, m tickets.OutMessage) error {
	text := c.renderOut(language.Lang(conv.Lang), m)
	if strings.TrimSpace(text) == "" {
		return nil // nothing a user could read; acknowledge it
	}
	parts := splitText(text, maxPartRunes)
	var markup any
	if len(m.QuickReplies) > 0 {
		if err := c.cfg.Store.PutChoices(ctx, conv.ID, m.Seq, m.QuickReplies); err != nil {
			return fmt.Errorf("saving quick replies: %w", err)
		}
		markup = keyboard(m.Seq, m.QuickReplies)
	}
	for i := min(m.Parts, len(parts)-1); i < len(parts); i++ {
		msg := newText(chat, parts[i])
		if i == len(parts)-1 && markup != nil {
			msg.ReplyMarkup = markup
		}
		if err := c.send(ctx, chat, msg); err != nil {
			return err
		}
		if i < len(parts)-1 {
			crashpoint.At("telegram.part-sent")
			if err := c.engine.Progress(ctx, conv.ID, m.ID, i+1); err != nil {
				return err
			}
			crashpoint.At("telegram.part-recorded")
		}
	}
	return nil
}

// newText is a plain text message to chat.
func newText(chat int64, text string) tgbotapi.MessageConfig { return tgbotapi.NewMessage(chat, text) }

// send delivers one Bot API message to chat under the rate limits, obeying
// retry_after, backing off on transient failures. It returns ErrBlocked or
// errRejected for failures that retrying cannot fix.
func (c *Channel) send(ctx context.Context, chat int64, msg tgbotapi.Chattable) error {
	var last error
	for attempt, waits := 0, 0; attempt < sendAttempts && waits < maxRetryAfters; {
		if !c.gate.wait(ctx) {
			return ctx.Err()
		}
		if err := c.limits.wait(ctx, chat); err != nil {
			return err
		}
		_, err := c.api.Request(msg)
		if err == nil {
			c.gate.ok()
			return nil
		}
		last = err
		kind, after := classify(ctx, err)
		switch kind {
		case failStopped:
			return ctx.Err()
		case failBlocked:
			return fmt.Errorf("%w: %w", ErrBlocked, err)
		case failRejected:
			return fmt.Errorf("%w: %w", errRejected, err)
		case failRetryAfter:
			// Telegram says when: the chat's bucket waits that long, and the
			// try does not count against the attempts.
			waits++
			c.log.Info("429 from Telegram; waiting", "chat", chat, "retry_after", after)
			c.limits.pause(chat, after)
		default:
			attempt++
			d := c.gate.fail()
			c.log.Warn("Bot API call failed; backing off", "chat", chat, "attempt", attempt, "wait", d, "err", err)
		}
	}
	return fmt.Errorf("telegram: send to %d: giving up: %w", chat, last)
}
