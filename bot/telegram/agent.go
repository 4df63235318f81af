package telegram

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/triagebot/triagebot/internal/crashpoint"
	"github.com/triagebot/triagebot/prompts"
	"github.com/triagebot/triagebot/tickets"
)

const (
	maxSummaryRune = 300
	// noticeBatch is how many stored notices one pass reads; the next
	// pass reads on from the store, so a backlog is never held in memory.
	noticeBatch = 50
	// noticeRetryMax caps the backoff of a notice that keeps failing
	// (the agent chat unreachable, Telegram down): it is kept and tried
	// again at least this often.
	noticeRetryMax = 5 * time.Minute
	// summaryGrace is how long a notice waits for the engine to hand its
	// ticket on (OnTicket, after the model's summary) before it goes with
	// the one-line summary: after a restart, or when a model is slow.
	summaryGrace = 15 * time.Second
	maxTold      = 10000
	// noticeCoalesce gathers the store's change wake-ups (every ticket
	// change on any replica) into one notice pass.
	noticeCoalesce = 200 * time.Millisecond
)

// told records a ticket the engine handed on (its summary written), so its
// notice may go at once.
func (c *Channel) told(t tickets.Ticket) {
	c.toldMu.Lock()
	if len(c.toldIDs) >= maxTold {
		clear(c.toldIDs) // the grace then applies; nothing is lost
	}
	c.toldIDs[t.ID] = true
	c.toldMu.Unlock()
	c.wakeNotices()
}

// due reports whether n may be sent now, else how long until it may.
func (c *Channel) due(n tickets.Notice, now time.Time) (bool, time.Duration) {
	if n.Kind != tickets.NoticeNewTicket {
		return true, 0 // nothing to wait for
	}
	c.toldMu.Lock()
	told := c.toldIDs[n.TicketID]
	c.toldMu.Unlock()
	if told {
		return true, 0
	}
	if wait := n.CreatedAt.Add(summaryGrace).Sub(now); wait > 0 {
		return false, wait
	}
	return true, 0
}

func (c *Channel) forget(ticketID string) {
	c.toldMu.Lock()
	delete(c.toldIDs, ticketID)
	c.toldMu.Unlock()
}

// wakeNotices asks the notice sender to look at the store. It never blocks:
// the engine calls it after the ticket's commit.
func (c *Channel) wakeNotices() {
	select {
	case c.notices <- struct{}{}:
	default:
	}
}

// retry is the backoff of one notice that failed.
type retry struct {
	fails int
	next  time.Time
}

// noticeLoop sends the agent notices the store holds, most urgent first,
// deleting each once Telegram accepted it. Notices are written in the
// transaction that created their ticket, so a crash at any point leaves
// them in the store and the next pass (at start, on a new ticket, or every
// rescanEvery) sends them: at least once, each naming its ticket.
//
// Another replica's new ticket or breach reaches this one (the leader)
// through the store's Changed: its commit wrote an event. Changed fires for
// every ticket change, so such wake-ups are taken at most once per
// noticeCoalesce.
func (c *Channel) noticeLoop(ctx context.Context) {
	retries := map[string]retry{}
	for {
		changed := c.cfg.Store.Changed() // before reading: no change is missed
		wait := c.sendNotices(ctx, retries)
		select {
		case <-ctx.Done():
			return
		case <-c.notices:
		case r := <-c.reports:
			c.sendReport(ctx, r)
		case <-changed:
			select {
			case <-ctx.Done():
				return
			case <-c.notices:
			case <-c.clock.After(noticeCoalesce):
			}
		case <-c.clock.After(wait):
		}
	}
}

// sendNotices sends what is due and returns how long to wait before the
// next pass when nothing wakes the loop.
func (c *Channel) sendNotices(ctx context.Context, retries map[string]retry) time.Duration {
	wait := rescanEvery
	ns, err := c.cfg.Store.Notices(ctx, noticeBatch)
	if err != nil {
		if ctx.Err() == nil {
			c.log.Warn("reading agent notices; will retry", "err", err)
		}
		return backoff(1)
	}
	c.metrics.noticesQueued.Set(float64(len(ns)))
	listed := map[string]bool{}
	for _, n := range ns {
		if ctx.Err() != nil {
			return wait
		}
		listed[n.ID] = true
		now := c.now()
		if r, ok := retries[n.ID]; ok && now.Before(r.next) {
			wait = min(wait, r.next.Sub(now))
			continue
		}
		if ok, d := c.due(n, now); !ok {
			wait = min(wait, d)
			continue
		}
		text, ok := c.noticeText(n)
		if !ok {
			c.deleteNotice(ctx, n, "nothing to announce")
			continue
		}
		err := c.send(ctx, c.cfg.AgentChatID, newText(c.cfg.AgentChatID, text))
		crashpoint.At("telegram.notice-sent")
		switch {
		case err == nil:
			c.metrics.noticesSent.Inc()
			delete(retries, n.ID)
			c.deleteNotice(ctx, n, "")
			crashpoint.At("telegram.notice-deleted")
		case ctx.Err() != nil:
			return wait
		case errors.Is(err, errRejected):
			// Telegram refuses this text; sending it again cannot help.
			c.metrics.noticeFails.WithLabelValues("dropped").Inc()
			c.log.Error("Telegram refused an agent notice; dropped", "ticket", n.TicketID, "err", err)
			delete(retries, n.ID)
			c.deleteNotice(ctx, n, "")
		default:
			// Kept in the store: retried with backoff, after a restart too.
			c.metrics.noticeFails.WithLabelValues("retry").Inc()
			r := retries[n.ID]
			r.fails++
			d := min(backoff(r.fails)*4, noticeRetryMax)
			r.next = c.now().Add(d)
			retries[n.ID] = r
			wait = min(wait, d)
			c.log.Warn("agent notice not delivered; will retry", "ticket", n.TicketID, "attempt", r.fails, "wait", d, "err", err)
		}
	}
	for id := range retries {
		if !listed[id] {
			delete(retries, id) // sent by an earlier pass or past this batch
		}
	}
	if len(ns) == noticeBatch {
		return 0 // more behind this batch
	}
	return wait
}

func (c *Channel) deleteNotice(ctx context.Context, n tickets.Notice, why string) {
	c.forget(n.TicketID)
	if why != "" {
		c.log.Info("agent notice dropped", "ticket", n.TicketID, "why", why)
	}
	// Outliving shutdown briefly: the notice was sent, and deleting it is
	// what keeps a restart from sending it again.
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	if err := c.cfg.Store.DeleteNotice(dctx, n.ID); err != nil {
		c.log.Warn("deleting a sent agent notice; it may be sent again", "ticket", n.TicketID, "err", err)
	}
}

// noticeText words a notice for the agent chat; false when there is nothing
// to announce any more (the ticket is gone or already resolved, or the
// notice is of a kind this version does not know).
func (c *Channel) noticeText(n tickets.Notice) (string, bool) {
	t := n.Ticket
	if t.ID == "" || t.Status == tickets.Resolved {
		return "", false
	}
	switch n.Kind {
	case tickets.NoticeNewTicket:
	case tickets.NoticeBreach:
		return c.breachText(n), true
	default:
		return "", false
	}
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
	return prompts.Render(c.cfg.AgentLang, prompts.TelegramAgentNotice, prompts.TelegramNoticeData{
		TicketID: t.ID, Priority: string(t.Priority), Queue: t.Queue, Intent: t.Intent,
		Channel: string(t.Channel), Summary: string(summary), URL: url}), true
}

// breachText words a breach notice: the ticket, the priority whose SLA was
// missed, the one it has now, and when it was due, in the agents' zone.
func (c *Channel) breachText(n tickets.Notice) string {
	t := n.Ticket
	url := ""
	if c.cfg.ConsoleURL != "" {
		url = strings.TrimRight(c.cfg.ConsoleURL, "/") + "/agent#" + t.ID
	}
	was := n.Was
	if was == "" {
		was = t.Priority
	}
	return prompts.Render(c.cfg.AgentLang, prompts.TelegramBreachNotice, prompts.BreachData{
		TicketID: t.ID, Queue: t.Queue, Was: string(was), Priority: string(t.Priority),
		Due: prompts.When(c.cfg.AgentLang, t.SLADue.In(c.location())), URL: url,
	})
}
