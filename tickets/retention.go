package tickets

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/triagebot/triagebot/internal/logs"
)

// Retention says how long stored things are kept. A zero duration keeps
// that kind of thing for ever.
type Retention struct {
	// Conversations is how long a conversation that never led to a ticket
	// is kept after its last activity (every bare connection opens one).
	Conversations time.Duration
	// Resolved is how long a resolved ticket keeps its attachments and
	// transcript. Off (0) by default: what to keep is the operator's call.
	Resolved time.Duration
	// Seen is how long a channel's dedup keys are kept. It must be longer
	// than the channel redelivers (Telegram: 24 hours).
	Seen time.Duration
}

// Defaults of the retention flags.
const (
	DefaultConversationRetention = 7 * 24 * time.Hour
	DefaultSeenRetention         = 7 * 24 * time.Hour
	// DefaultSweepEvery is how often the sweeper runs.
	DefaultSweepEvery = 10 * time.Minute
	// SweepBatch is how many items one sweep transaction takes: small, so
	// a sweep never holds the writer lock long enough for users to notice.
	SweepBatch = 100
)

// Swept counts what one sweep removed.
type Swept struct {
	Conversations, Resolved, Seen int
}

// Sweep removes everything r says is past its time at now, in
// transactions of SweepBatch items, until nothing old is left or ctx ends.
func (r Retention) Sweep(ctx context.Context, s Store, now time.Time) (Swept, error) {
	var out Swept
	jobs := []struct {
		keep time.Duration
		n    *int
		do   func(Tx, time.Time, int) (int, error)
	}{
		{r.Conversations, &out.Conversations, Tx.ExpireConversations},
		{r.Resolved, &out.Resolved, Tx.PurgeResolved},
		{r.Seen, &out.Seen, Tx.PruneSeen},
	}
	for _, j := range jobs {
		if j.keep <= 0 {
			continue
		}
		cut := now.Add(-j.keep)
		for {
			var n int
			err := s.Update(ctx, func(tx Tx) error {
				var err error
				n, err = j.do(tx, cut, SweepBatch)
				return err
			})
			if err != nil {
				return out, fmt.Errorf("retention sweep: %w", err)
			}
			*j.n += n
			if n < SweepBatch {
				break
			}
		}
	}
	return out, nil
}

// Run sweeps now and then every interval until ctx ends. A failed sweep is
// logged and tried again next time: retention is housekeeping, and a
// store that cannot write is reported by its health check. A nil log is
// slog.Default() (logs.Or).
func (r Retention) Run(ctx context.Context, s Store, now Clock, every time.Duration, log *slog.Logger) error {
	log = logs.Or(log)
	if every <= 0 {
		every = DefaultSweepEvery
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		n, err := r.Sweep(ctx, s, now())
		switch {
		case errors.Is(err, context.Canceled) && ctx.Err() != nil:
			return ctx.Err()
		case err != nil:
			log.Warn("retention sweep failed", "err", err, "conversations", n.Conversations, "resolved", n.Resolved, "seen", n.Seen)
		case n != Swept{}:
			log.Info("retention sweep", "conversations", n.Conversations, "resolved", n.Resolved, "seen", n.Seen)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
