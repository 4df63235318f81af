package telegram

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/triagebot/triagebot/prompts"
	"github.com/triagebot/triagebot/tickets"
)

const (
	notifiedKey = "telegram.agent_notified" // number of the newest ticket announced
	// maxCatchUp bounds the notices sent at start for tickets a crash left
	// unannounced, so a long outage does not flood the agent chat.
	maxCatchUp     = 20
	maxSummaryRune = 300
	maxScanPages   = 200
)

// onTicket queues a notice for a new ticket, urgent ones first. The engine
// calls it after its commit; it must not block.
func (c *Channel) onTicket(t tickets.Ticket) {
	if !c.jobs.push(c.notice(t)) {
		c.log.Warn("job queue full; ticket notice dropped", "ticket", t.ID)
	}
}

func (c *Channel) notice(t tickets.Ticket) *job {
	summary := []rune(strings.TrimSpace(t.Summary))
	if len(summary) > maxSummaryRune {
		summary = append(summary[:maxSummaryRune], '…')
	}
	url := ""
	if c.cfg.ConsoleURL != "" {
		url = strings.TrimRight(c.cfg.ConsoleURL, "/") + "/agent"
	}
	// The summary is the engine's, written from masked text: no card
	// number, code or password reaches the agent chat.
	text := prompts.Render(c.cfg.AgentLang, prompts.TelegramAgentNotice, prompts.TelegramNoticeData{
		TicketID: t.ID, Priority: string(t.Priority), Queue: t.Queue, Intent: t.Intent,
		Channel: string(t.Channel), Summary: string(summary), URL: url})
	n := ticketNumber(t.ID)
	return &job{rank: t.Priority.Rank(), chat: c.cfg.AgentChatID, text: text, onSent: func(ctx context.Context) {
		if err := c.markNotified(ctx, n); err != nil && ctx.Err() == nil {
			c.log.Warn("recording the notice", "ticket", t.ID, "err", err)
		}
	}}
}

// ticketNumber is 42 for "T-000042", 0 when the id has another form.
func ticketNumber(id string) uint64 {
	i := strings.LastIndexByte(id, '-')
	n, err := strconv.ParseUint(id[i+1:], 10, 64)
	if err != nil {
		return 0
	}
	return n
}

func (c *Channel) markNotified(ctx context.Context, n uint64) error {
	if n == 0 {
		return nil
	}
	return c.cfg.Store.Update(ctx, func(tx tickets.Tx) error {
		last, _, err := readNotified(tx)
		if err != nil || last >= n {
			return err
		}
		return tx.SetMeta(notifiedKey, []byte(strconv.FormatUint(n, 10)))
	})
}

func readNotified(tx tickets.Tx) (uint64, bool, error) {
	b, err := tx.Meta(notifiedKey)
	if errors.Is(err, tickets.ErrNotFound) || (err == nil && len(b) == 0) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	n, err := strconv.ParseUint(string(b), 10, 64)
	return n, err == nil, err
}

// catchUpNotices announces open tickets newer than the last notice sent,
// which a crash between a ticket's commit and its notice left behind. On
// the first run it only records where the agent chat starts.
func (c *Channel) catchUpNotices(ctx context.Context) {
	// Tickets made from now on get their notice from onTicket.
	start := time.Now()
	var missed []tickets.Ticket
	err := c.cfg.Store.Update(ctx, func(tx tickets.Tx) error {
		missed = nil
		last, found, err := readNotified(tx)
		if err != nil {
			return err
		}
		var newest uint64
		f := tickets.Filter{}
		if found {
			f.Status = tickets.Open
		}
		for range maxScanPages {
			page, err := tx.Tickets(f)
			if err != nil || len(page) == 0 {
				return err
			}
			for _, t := range page {
				n := ticketNumber(t.ID)
				newest = max(newest, n)
				if found && n > last && t.CreatedAt.Before(start) {
					missed = append(missed, t)
				}
			}
			f.After = page[len(page)-1].ID
		}
		if !found {
			return tx.SetMeta(notifiedKey, []byte(strconv.FormatUint(newest, 10)))
		}
		return nil
	})
	if err != nil {
		c.log.Warn("looking for unannounced tickets", "err", err)
		return
	}
	sort.SliceStable(missed, func(i, j int) bool { return missed[i].Priority.Rank() < missed[j].Priority.Rank() })
	for _, t := range missed[:min(len(missed), maxCatchUp)] {
		c.onTicket(t)
	}
	if len(missed) > maxCatchUp {
		c.log.Warn("more unannounced tickets than the catch-up sends", "sent", maxCatchUp, "missed", len(missed))
	}
}
