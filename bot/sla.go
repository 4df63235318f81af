package bot

import (
	"context"
	"fmt"
	"time"

	"github.com/triagebot/triagebot/tickets"
)

// Breach is a ticket whose SLA passed without an agent response, as the
// sweep changed it: Was is its priority before breach_raise.
type Breach struct {
	Ticket tickets.Ticket
	Was    tickets.Priority
}

// OnBreach registers fn, called after commit for each breach the sweep
// records. It must not block.
func (e *Engine) OnBreach(fn func(Breach)) {
	e.subMu.Lock()
	defer e.subMu.Unlock()
	e.onBreach = append(e.onBreach, fn)
}

// sweepBatch bounds the tickets one sweep transaction changes, so a
// backlog after a long outage does not hold the writer lock for long.
const sweepBatch = 100

// SweepSLA records every breach due by now: each waiting ticket whose
// sla_due has passed is marked breached and raised by the rules'
// breach_raise, in one transaction with its "breached" event for agents
// (/api/events); the OnBreach hooks run
// after commit. It reads the store's index on due time, so it costs
// nothing while no ticket is due, and finds after a restart exactly the
// breaches that happened while the server was down.
func (e *Engine) SweepSLA(ctx context.Context) (int, error) {
	now := e.clock()
	total := 0
	for {
		var found []Breach
		err := e.store.Update(ctx, func(tx tickets.Tx) error {
			found = nil
			due, err := tx.DueTickets(now, sweepBatch)
			if err != nil {
				return err
			}
			for _, t := range due {
				b := Breach{Was: t.Priority}
				t.Breached = true
				t.Priority = e.router.BreachRaise(t.Priority)
				t.UpdatedAt = now
				// The store writes the agents' event (/api/events) in this
				// transaction; the mark names it, as a priority change alone
				// would read as an update.
				t.MarkChange(tickets.EventBreached)
				if err := tx.PutTicket(&t); err != nil {
					return err
				}
				if e.notices {
					// With the breach, so a crash cannot lose the agents' notice.
					n := tickets.Notice{Kind: tickets.NoticeBreach, TicketID: t.ID, Rank: t.Priority.Rank(), Was: b.Was, CreatedAt: now}
					if err := tx.AddNotice(&n); err != nil {
						return err
					}
				}
				b.Ticket = t
				found = append(found, b)
			}
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("bot: sla sweep: %w", err)
		}
		total += len(found)
		e.subMu.RLock()
		for _, b := range found {
			for _, fn := range e.onBreach {
				fn(b)
			}
		}
		e.subMu.RUnlock()
		if len(found) < sweepBatch {
			return total, nil
		}
	}
}

// DefaultSweepEvery is how often RunSLA looks for breaches when no ticket is
// due sooner.
const DefaultSweepEvery = 30 * time.Second

// RunSLA sweeps at start (breaches that happened while the server was down)
// and then at every due time, looking at least every interval for tickets
// created since, until ctx ends.
func (e *Engine) RunSLA(ctx context.Context, every time.Duration) error {
	if every <= 0 {
		every = DefaultSweepEvery
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		}
		wait := every
		if _, err := e.SweepSLA(ctx); err != nil {
			if ctx.Err() == nil {
				e.log.Warn("sla sweep failed; retrying", "err", err, "in", every)
			}
			timer.Reset(wait)
			continue
		}
		var next time.Time
		err := e.store.View(ctx, func(tx tickets.Tx) error {
			var err error
			next, err = tx.NextDue()
			return err
		})
		if err == nil && !next.IsZero() {
			// A second at least: a due time is kept to the second, and the
			// loop must never spin.
			wait = min(every, max(next.Sub(e.clock()), time.Second))
		}
		timer.Reset(wait)
	}
}
