package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/triagebot/triagebot/bot"
	"github.com/triagebot/triagebot/bot/telegram"
	"github.com/triagebot/triagebot/internal/promreg"
	"github.com/triagebot/triagebot/language"
	"github.com/triagebot/triagebot/prompts"
	"github.com/triagebot/triagebot/reports"
	"github.com/triagebot/triagebot/tickets"
)

// qualityConfig is serve's configuration of service quality: the SLA
// sweep and the daily report.
type qualityConfig struct {
	// DailyReport is the time of day ("09:00", in the routing zone) the
	// previous day's figures go to the Telegram agent chat; "" sends none.
	DailyReport string
	// SLASweep is how often the breach sweep looks for new tickets at most.
	SLASweep time.Duration

	dailyAt int // minutes after midnight, set by validate
}

func qualityFlags(fs *flag.FlagSet, q *qualityConfig, getenv func(string) string) {
	fs.StringVar(&q.DailyReport, "daily-report", env(getenv, "TRIAGEBOT_DAILY_REPORT", ""), "time of day (HH:MM, routing zone) to send yesterday's figures to the Telegram agent chat; empty: never (env TRIAGEBOT_DAILY_REPORT)")
	fs.DurationVar(&q.SLASweep, "sla-sweep", bot.DefaultSweepEvery, "longest wait between two looks for SLA breaches")
}

func (q *qualityConfig) validate(c *Config) []error {
	var errs []error
	if q.SLASweep <= 0 {
		errs = append(errs, errors.New("-sla-sweep: must be positive"))
	}
	if q.DailyReport != "" {
		t, err := time.Parse("15:04", q.DailyReport)
		if err != nil || len(q.DailyReport) != 5 {
			errs = append(errs, fmt.Errorf("-daily-report: %q is not a time of day such as 09:00", q.DailyReport))
		}
		q.dailyAt = t.Hour()*60 + t.Minute()
		if c.TelegramAgentID == "" {
			errs = append(errs, errors.New("-daily-report: needs TELEGRAM_AGENT_CHAT_ID, the chat it is sent to"))
		}
	}
	return errs
}

// wireQuality connects the breach sweep to its metric and the agent chat.
func wireQuality(engine *bot.Engine, tg *telegram.Channel, reg prometheus.Registerer, log *slog.Logger) {
	breaches := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "triagebot_sla_breaches_total",
		Help: "Tickets whose first agent response was not there by sla_due, by queue and by the priority whose SLA was missed.",
	}, []string{"queue", "priority"})
	breaches = promreg.Register(reg, breaches, log)
	// The agent chat's notice is stored with the breach (bot.Config.Notices);
	// the hook only wakes its sender.
	engine.OnBreach(func(b bot.Breach) {
		breaches.WithLabelValues(b.Ticket.Queue, string(b.Was)).Inc()
		if tg != nil {
			tg.OnBreach(b)
		}
	})
}

// dailyReporter sends the previous day's figures to the agent chat once a
// day at a set time. The last day sent is kept in the store, so a restart
// neither repeats it nor, if the server was down at that time, skips it.
type dailyReporter struct {
	store tickets.Store
	send  func(text string, onSent func(context.Context)) bool
	loc   *time.Location
	at    int // minutes after midnight
	lang  language.Lang
	now   func() time.Time
	log   *slog.Logger
}

const dailyReportKey = "quality.daily_report_sent" // the last day (YYYY-MM-DD) reported

// due returns the day to report at now, if any: yesterday, once now is
// past today's time and yesterday was not reported yet.
func (d *dailyReporter) due(ctx context.Context, now time.Time) (time.Time, bool, error) {
	now = now.In(d.loc)
	y, m, day := now.Date()
	today := time.Date(y, m, day, 0, 0, 0, 0, d.loc)
	if now.Before(today.Add(time.Duration(d.at) * time.Minute)) {
		return time.Time{}, false, nil
	}
	yesterday := today.AddDate(0, 0, -1)
	var last []byte
	err := d.store.View(ctx, func(tx tickets.Tx) error {
		var err error
		last, err = tx.Meta(dailyReportKey)
		if errors.Is(err, tickets.ErrNotFound) {
			return nil
		}
		return err
	})
	if err != nil {
		return time.Time{}, false, err
	}
	return yesterday, string(last) < yesterday.Format(time.DateOnly), nil
}

// next is the next time the report may be due after now.
func (d *dailyReporter) next(now time.Time) time.Time {
	now = now.In(d.loc)
	y, m, day := now.Date()
	t := time.Date(y, m, day, d.at/60, d.at%60, 0, 0, d.loc)
	if !t.After(now) {
		t = time.Date(y, m, day+1, d.at/60, d.at%60, 0, 0, d.loc)
	}
	return t
}

// text is the report of day in the agents' language.
func (d *dailyReporter) text(ctx context.Context, day time.Time) (string, error) {
	var rep reports.Report
	err := d.store.View(ctx, func(tx tickets.Tx) error {
		var err error
		rep, err = reports.Compute(tx, reports.Range{From: day, To: day, Loc: d.loc}, d.now())
		return err
	})
	if err != nil {
		return "", err
	}
	none := "–"
	pct := func(r *float64) string {
		if r == nil {
			return none
		}
		return fmt.Sprintf("%d%%", int(math.Round(*r*100)))
	}
	data := prompts.DailyData{Date: rep.From, Tickets: rep.Tickets, SLAMet: pct(rep.SLAMetRatio),
		Containment: pct(rep.ContainmentRatio), CSAT: none, FirstResponse: none, Breaches: fmt.Sprint(rep.SLAMissed)}
	if rep.CSATAvg != nil {
		data.CSAT = fmt.Sprintf("%.1f/5 (%d)", *rep.CSATAvg, rep.CSATCount)
	}
	if rep.FirstResponseP50S != nil {
		data.FirstResponse = fmt.Sprintf("%d min", int(math.Round(*rep.FirstResponseP50S/60)))
	}
	return prompts.Render(d.lang, prompts.TelegramDailyReport, data), nil
}

// run sends each day's report until ctx ends.
func (d *dailyReporter) run(ctx context.Context) error {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		}
		if err := d.once(ctx); err != nil && ctx.Err() == nil {
			d.log.Warn("daily report", "err", err)
			timer.Reset(time.Minute)
			continue
		}
		timer.Reset(max(time.Until(d.next(d.now())), time.Second))
	}
}

// once sends the due report, if one is due; the day is marked sent when
// Telegram has accepted it.
func (d *dailyReporter) once(ctx context.Context) error {
	day, ok, err := d.due(ctx, d.now())
	if err != nil || !ok {
		return err
	}
	text, err := d.text(ctx, day)
	if err != nil {
		return err
	}
	date := day.Format(time.DateOnly)
	if !d.send(text, func(ctx context.Context) {
		err := d.store.Update(ctx, func(tx tickets.Tx) error { return tx.SetMeta(dailyReportKey, []byte(date)) })
		if err != nil && ctx.Err() == nil {
			d.log.Warn("recording the daily report", "day", date, "err", err)
		}
	}) {
		return fmt.Errorf("the agent chat's queue is full; report of %s not sent", date)
	}
	return nil
}
