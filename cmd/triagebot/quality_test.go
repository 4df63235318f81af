package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
)

func TestQualityFlags(t *testing.T) {
	tg := map[string]string{"TELEGRAM_BOT_TOKEN": "1:x", "TELEGRAM_AGENT_CHAT_ID": "-100"}
	tests := []struct {
		args []string
		env  map[string]string
		want string // "" for valid
	}{
		{[]string{"-daily-report", "09:00"}, tg, ""},
		{nil, map[string]string{"TELEGRAM_BOT_TOKEN": "1:x", "TELEGRAM_AGENT_CHAT_ID": "-100", "TRIAGEBOT_DAILY_REPORT": "18:30"}, ""},
		{[]string{"-daily-report", "9am"}, tg, `-daily-report: "9am" is not a time of day`},
		{[]string{"-daily-report", "9:00"}, tg, `-daily-report: "9:00" is not a time of day`},
		{[]string{"-daily-report", "09:00"}, nil, "-daily-report: needs TELEGRAM_AGENT_CHAT_ID"},
		{[]string{"-sla-sweep", "0s"}, nil, "-sla-sweep: must be positive"},
	}
	for _, tt := range tests {
		c, err := parseServe(tt.args, quiet(fakeEnv(tt.env)))
		if err != nil {
			t.Fatal(err)
		}
		err = c.Validate()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%v: Validate() = %v", tt.args, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%v: Validate() = %v, want %q", tt.args, err, tt.want)
		}
	}
}

// TestDailyReporter drives the daily report with an injected clock: nothing
// before the time, yesterday's figures after it, once only (a restart reads
// the mark), and a day missed while down is still sent.
func TestDailyReporter(t *testing.T) {
	hk, _ := time.LoadLocation("Asia/Hong_Kong")
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "d.db"), boltstore.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	yesterday := time.Date(2026, 12, 6, 15, 0, 0, 0, hk)
	err = st.Update(ctx, func(tx tickets.Tx) error {
		tk := tickets.Ticket{Status: tickets.Open, Intent: "login_failed", Priority: tickets.Normal, Queue: "access",
			Channel: tickets.Web, Lang: "en", CreatedAt: yesterday, SLADue: yesterday.Add(time.Hour),
			FirstResponseAt: yesterday.Add(30 * time.Minute)}
		return tx.CreateTicket(&tk)
	})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 7, 8, 59, 0, 0, hk)
	var sent []string
	d := &dailyReporter{store: st, loc: hk, at: 9 * 60, lang: "en", now: func() time.Time { return now },
		log: slog.New(slog.DiscardHandler),
		send: func(text string, onSent func(context.Context)) bool {
			sent = append(sent, text)
			onSent(ctx)
			return true
		}}
	if got := d.next(now); !got.Equal(time.Date(2026, 12, 7, 9, 0, 0, 0, hk)) {
		t.Errorf("next at 08:59 = %s, want 09:00 today", got)
	}
	if err := d.once(ctx); err != nil || len(sent) != 0 {
		t.Fatalf("at 08:59: %v, sent %q; want nothing yet", err, sent)
	}
	now = now.Add(time.Minute)
	if got := d.next(now); !got.Equal(time.Date(2026, 12, 8, 9, 0, 0, 0, hk)) {
		t.Errorf("next at 09:00 = %s, want 09:00 tomorrow", got)
	}
	if err := d.once(ctx); err != nil || len(sent) != 1 {
		t.Fatalf("at 09:00: %v, sent %d; want the report", err, len(sent))
	}
	for _, want := range []string{"2026-12-06", "1 new tickets", "median first response 30 min", "SLA met 100%"} {
		if !strings.Contains(sent[0], want) {
			t.Errorf("report %q lacks %q", sent[0], want)
		}
	}
	now = now.Add(3 * time.Hour)
	if err := d.once(ctx); err != nil || len(sent) != 1 {
		t.Errorf("later the same day: %v, sent %d; want still 1", err, len(sent))
	}
	now = now.AddDate(0, 0, 2) // down over the 8th's report time: the 9th sends the 8th
	if err := d.once(ctx); err != nil || len(sent) != 2 || !strings.Contains(sent[1], "2026-12-08") {
		t.Errorf("after a gap: %v, sent %q; want the 8th's report", err, sent)
	}
}
