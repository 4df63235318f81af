package web

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/triagebot/triagebot/tickets"
)

// TestBrowserReports signs in on the reports page itself (no console
// token), in Traditional Chinese, picks a range of three days and checks
// the charts hold those days: volume stacked by problem, the SLA line, the
// CSAT line and containment.
func TestBrowserReports(t *testing.T) {
	exe := chromium(t)
	sk := newStack(t, nil)
	day := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	err := sk.store.Update(context.Background(), func(tx tickets.Tx) error {
		for i, intent := range []string{"withdrawal_failed", "login_failed", "withdrawal_failed", "app_problem"} {
			created := day.Add(time.Duration(i%3) * 24 * time.Hour)
			tk := tickets.Ticket{Status: tickets.Resolved, Assignee: "alice", Intent: intent, Priority: tickets.Normal,
				Queue: "payments", Channel: tickets.Web, Lang: "zh-Hant", CreatedAt: created, SLADue: created.Add(time.Hour),
				FirstResponseAt: created.Add(time.Duration(20+40*i) * time.Minute), ResolvedAt: created.Add(3 * time.Hour),
				CSAT: &tickets.CSAT{Score: 5 - i, At: created}}
			if err := tx.CreateTicket(&tk); err != nil {
				return err
			}
			if err := tx.CountOutcome(created, tickets.OutcomeProblem); err != nil {
				return err
			}
		}
		// Days 4 to 7, outside the range checked below, make the
		// screenshot's week look like a week.
		intents := []string{"withdrawal_failed", "login_failed", "app_problem", "payment_not_received", "refund_not_received"}
		for i := range 60 {
			created := day.AddDate(0, 0, 3+i%4).Add(time.Duration(i*37%480) * time.Minute)
			tk := tickets.Ticket{Status: tickets.Resolved, Assignee: "alice", Intent: intents[i*7%5], Priority: tickets.Normal,
				Queue: "payments", Channel: tickets.Web, Lang: "en", CreatedAt: created, SLADue: created.Add(2 * time.Hour),
				FirstResponseAt: created.Add(time.Duration(10+i*13%150) * time.Minute), ResolvedAt: created.Add(5 * time.Hour)}
			if i%3 == 0 {
				tk.CSAT = &tickets.CSAT{Score: 3 + i%3, At: created}
			}
			if err := tx.CreateTicket(&tk); err != nil {
				return err
			}
			if err := tx.CountOutcome(created, tickets.OutcomeProblem); err != nil {
				return err
			}
			outcome := tickets.OutcomeEscalated
			if i%3 == 1 {
				outcome = tickets.OutcomeSelfHelp
			}
			if err := tx.CountOutcome(created, outcome); err != nil {
				return err
			}
		}
		return tx.CountOutcome(day, tickets.OutcomeSelfHelp)
	})
	if err != nil {
		t.Fatal(err)
	}
	tab := newBrowser(t, exe)
	err = chromedp.Do(tab,
		chromedp.Navigate(sk.srv.URL+"/agent/reports?lang=zh-HK"),
		chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), sk.token),
		chromedp.Click(chromedp.CSS("#signin-button")),
		chromedp.WaitVisible(chromedp.CSS("#from")),
	)
	if err != nil {
		t.Fatal(err)
	}
	// Date inputs take their value from script; then the range is shown.
	err = chromedp.Do(tab,
		chromedp.SetValue(chromedp.CSS("#from"), "2026-12-01"),
		chromedp.SetValue(chromedp.CSS("#to"), "2026-12-03"),
		chromedp.Click(chromedp.CSS("#show")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if err := waitJS(tab, `document.body.dataset.ready === '2026-12-01..2026-12-03'`, 10*time.Second); err != nil {
		t.Fatalf("the range was not shown: %v", err)
	}
	type chartsState struct {
		Title    string    `json:"title"`
		Labels   []string  `json:"labels"`
		Intents  []string  `json:"intents"`
		Volume   []float64 `json:"volume"` // withdrawal_failed per day
		SLA      []any     `json:"sla"`
		CSAT     []any     `json:"csat"`
		Contain  []any     `json:"contain"`
		Tickets  string    `json:"tickets"`
		Canvases int       `json:"canvases"`
	}
	got, err := chromedp.Run(tab, chromedp.Evaluate[chartsState](`(() => {
  const v = Chart.getChart('c-volume').data;
  return {
    title: document.getElementById('title').textContent,
    labels: v.labels,
    intents: v.datasets.map(d => d.label),
    volume: v.datasets.find(d => d.label === 'withdrawal_failed').data,
    sla: Chart.getChart('c-sla').data.datasets[0].data,
    csat: Chart.getChart('c-csat').data.datasets[0].data,
    contain: Chart.getChart('c-containment').data.datasets[0].data,
    tickets: document.querySelector('#tiles .tile .v').textContent,
    canvases: Array.from(document.querySelectorAll('canvas')).filter(c => c.width > 0 && c.height > 0).length
  };
})()`))
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "報表" || got.Tickets != "4" || got.Canvases != 4 {
		t.Errorf("title %q, tickets %q, drawn canvases %d; want 報表, 4, 4", got.Title, got.Tickets, got.Canvases)
	}
	if want := []string{"2026-12-01", "2026-12-02", "2026-12-03"}; len(got.Labels) != 3 || got.Labels[0] != want[0] || got.Labels[2] != want[2] {
		t.Errorf("days %v, want %v", got.Labels, want)
	}
	if len(got.Intents) != 3 || len(got.Volume) != 3 || got.Volume[0] != 1 || got.Volume[2] != 1 {
		t.Errorf("volume: intents %v, withdrawal_failed per day %v; want 3 problems and 1, 0, 1", got.Intents, got.Volume)
	}
	// Day 1: responses after 20 and 140 minutes (SLA 1 h): 50 %; CSAT 5 and 2.
	if len(got.SLA) != 3 || got.SLA[0] != 50.0 || got.CSAT[0] != 3.5 || got.Contain[0] != 50.0 {
		t.Errorf("day 1: sla %v, csat %v, containment %v; want 50, 3.5, 50", got.SLA, got.CSAT, got.Contain)
	}

	if os.Getenv("TRIAGEBOT_SCREENSHOTS") == "1" {
		err = chromedp.Do(tab,
			chromedp.EmulateViewport(1280, 1100),
			chromedp.Navigate(sk.srv.URL+"/agent/reports?lang=en"),
			chromedp.WaitVisible(chromedp.CSS("#from")),
			chromedp.SetValue(chromedp.CSS("#from"), "2026-12-01"),
			chromedp.SetValue(chromedp.CSS("#to"), "2026-12-07"),
			chromedp.Click(chromedp.CSS("#show")),
		)
		if err != nil {
			t.Fatal(err)
		}
		if err := waitJS(tab, `document.body.dataset.ready === '2026-12-01..2026-12-07'`, 10*time.Second); err != nil {
			t.Fatal(err)
		}
		screenshot(t, tab, "reports.png")
	}
}
