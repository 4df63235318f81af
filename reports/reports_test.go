package reports

import (
	"bytes"
	"context"
	"encoding/csv"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
)

var hk = time.FixedZone("HKT", 8*3600)

func open(t testing.TB) *boltstore.Store {
	s, err := boltstore.Open(filepath.Join(t.TempDir(), "r.db"), boltstore.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestParseRange(t *testing.T) {
	now := time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC) // 09:00 in Hong Kong
	tests := []struct {
		from, to, want, err string
	}{
		{"", "", "2026-12-01..2026-12-07", ""},
		{"2026-12-01", "2026-12-01", "2026-12-01..2026-12-01", ""},
		{"2026-12-02", "2026-12-01", "", "after"},
		{"2025-01-01", "2026-12-01", "", "at most 366"},
		{"12/01/2026", "", "", "want a date"},
		{"", "tomorrow", "", "want a date"},
	}
	for _, tc := range tests {
		rg, err := ParseRange(tc.from, tc.to, hk, now)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseRange(%q, %q) error = %v, want %q", tc.from, tc.to, err, tc.err)
			}
			continue
		}
		got := rg.From.Format(time.DateOnly) + ".." + rg.To.Format(time.DateOnly)
		if err != nil || got != tc.want {
			t.Errorf("ParseRange(%q, %q) = %s, %v; want %s", tc.from, tc.to, got, err, tc.want)
		}
	}
}

// TestCompute checks every figure on a small set worked out by hand, with
// a ticket on each edge of the range (the days are Hong Kong's, not UTC's).
func TestCompute(t *testing.T) {
	s := open(t)
	day := time.Date(2026, 12, 7, 0, 0, 0, 0, hk)
	mk := func(tx tickets.Tx, created time.Duration, intent string, ch tickets.Channel, resp, resolve time.Duration, breached bool, score int) error {
		tk := tickets.Ticket{Status: tickets.Open, Intent: intent, Priority: tickets.Normal, Queue: "payments",
			Channel: ch, Lang: "en", CreatedAt: day.Add(created), SLADue: day.Add(created + time.Hour), Breached: breached}
		if resp > 0 {
			tk.FirstResponseAt = tk.CreatedAt.Add(resp)
		}
		if resolve > 0 {
			tk.Status, tk.Assignee, tk.ResolvedAt = tickets.Resolved, "amy", tk.CreatedAt.Add(resolve)
		}
		if score > 0 {
			tk.CSAT = &tickets.CSAT{Score: score, At: tk.CreatedAt}
		}
		return tx.CreateTicket(&tk)
	}
	err := s.Update(context.Background(), func(tx tickets.Tx) error {
		for _, e := range []error{
			mk(tx, -time.Second, "refund_not_received", tickets.Web, 0, 0, false, 0),                // the day before: out
			mk(tx, 0, "withdrawal_failed", tickets.Web, 10*time.Minute, 2*time.Hour, false, 5),      // met
			mk(tx, 9*time.Hour, "withdrawal_failed", tickets.Telegram, 20*time.Minute, 0, false, 0), // met
			mk(tx, 10*time.Hour, "login_failed", tickets.Web, 2*time.Hour, 4*time.Hour, false, 2),   // missed: answered late
			mk(tx, 30*time.Hour, "login_failed", tickets.Web, 0, 0, true, 0),                        // missed: breached (next day)
			mk(tx, 47*time.Hour, "app_problem", tickets.Telegram, 0, 0, false, 0),                   // pending at now
			mk(tx, 48*time.Hour, "app_problem", tickets.Web, 0, 0, false, 0),                        // after the range: out
			tx.CountOutcome(day.Add(time.Hour), tickets.OutcomeProblem),
			tx.CountOutcome(day.Add(time.Hour), tickets.OutcomeSelfHelp),
			tx.CountOutcome(day.Add(2*time.Hour), tickets.OutcomeProblem),
			tx.CountOutcome(day.Add(2*time.Hour), tickets.OutcomeEscalated),
			tx.CountOutcome(day.Add(25*time.Hour), tickets.OutcomeProblem),
			tx.CountOutcome(day.Add(26*time.Hour), tickets.OutcomeProblem),
			tx.CountOutcome(day.Add(26*time.Hour), tickets.OutcomeEscalated),
		} {
			if e != nil {
				return e
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	now := day.Add(47*time.Hour + 30*time.Minute)
	rg, err := ParseRange("2026-12-07", "2026-12-08", hk, now)
	if err != nil {
		t.Fatal(err)
	}
	var rep Report
	err = s.View(context.Background(), func(tx tickets.Tx) error {
		rep, err = Compute(tx, rg, now)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	f := func(p *float64) float64 {
		if p == nil {
			return -1
		}
		return *p
	}
	checks := []struct {
		name      string
		got, want float64
	}{
		{"tickets", float64(rep.Tickets), 5},
		{"by_intent withdrawal_failed", float64(rep.ByIntent["withdrawal_failed"]), 2},
		{"by_channel telegram", float64(rep.ByChannel["telegram"]), 2},
		{"by_lang en", float64(rep.ByLang["en"]), 5},
		{"by_queue payments", float64(rep.ByQueue["payments"]), 5},
		{"first_response_p50_s", f(rep.FirstResponseP50S), 20 * 60}, // of 10m, 20m, 2h
		{"first_response_p90_s", f(rep.FirstResponseP90S), 2 * 3600},
		{"resolution_p50_s", f(rep.ResolutionP50S), 2 * 3600}, // of 2h, 4h
		{"sla_met_ratio", f(rep.SLAMetRatio), 0.5},            // 2 met, 2 missed, 1 pending
		{"csat_avg", f(rep.CSATAvg), 3.5},
		{"csat_count", float64(rep.CSATCount), 2},
		{"containment_ratio", f(rep.ContainmentRatio), 0.25}, // 1 of 4 problem dialogues
		{"escalation_ratio", f(rep.EscalationRatio), 0.5},
		{"days", float64(len(rep.Days)), 2},
		{"day 1 tickets", float64(rep.Days[0].Tickets), 3},
		{"day 2 sla missed", float64(rep.Days[1].SLAMissed), 1},
		{"day 2 problem dialogues", float64(rep.Days[1].ProblemDialogues), 2},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}

	var buf bytes.Buffer
	err = s.View(context.Background(), func(tx tickets.Tx) error { return WriteCSV(&buf, tx, rg, now) })
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 6 || strings.Join(rows[0], ",") != strings.Join(CSVHeader, ",") {
		t.Fatalf("csv: %d rows, header %v; want 1 + 5", len(rows), rows[0])
	}
	want := []string{"T-000002", "2026-12-07T00:00:00+08:00", "web", "en", "withdrawal_failed", "payments", "normal", "resolved",
		"2026-12-07T01:00:00+08:00", "2026-12-07T00:10:00+08:00", "600", "2026-12-07T02:00:00+08:00", "7200", "met", "false", "5"}
	if strings.Join(rows[1], ",") != strings.Join(want, ",") {
		t.Errorf("csv row 1 = %v\nwant %v", rows[1], want)
	}
	if got := rows[5][13]; got != "pending" {
		t.Errorf("csv last row sla = %q, want pending", got)
	}
}

// BenchmarkCompute100k is the report of a whole year over 100,000 tickets;
// the target is under 200 ms per report.
func BenchmarkCompute100k(b *testing.B) {
	s := open(b)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, hk)
	const n = 100_000
	intents := []string{"withdrawal_failed", "login_failed", "app_problem", "refund_not_received", "human_agent"}
	for batch := 0; batch < n; batch += 5000 {
		err := s.Update(context.Background(), func(tx tickets.Tx) error {
			for i := batch; i < batch+5000; i++ {
				created := start.Add(time.Duration(i) * 5 * time.Minute) // ~347 days
				tk := tickets.Ticket{Status: tickets.Resolved, Assignee: "amy", Intent: intents[i%len(intents)],
					Priority: tickets.Normal, Queue: "payments", Channel: tickets.Web, Lang: "en",
					CreatedAt: created, SLADue: created.Add(time.Hour), FirstResponseAt: created.Add(time.Duration(i%90) * time.Minute),
					ResolvedAt: created.Add(3 * time.Hour)}
				if i%3 == 0 {
					tk.CSAT = &tickets.CSAT{Score: 1 + i%5, At: created}
				}
				if err := tx.CreateTicket(&tk); err != nil {
					return err
				}
				if err := tx.CountOutcome(created, tickets.OutcomeProblem); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	rg, err := ParseRange("2026-01-01", "2026-12-31", hk, start)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	cpu0 := cpuTime()
	for b.Loop() {
		err := s.View(context.Background(), func(tx tickets.Tx) error {
			rep, err := Compute(tx, rg, start.AddDate(1, 0, 0))
			if err == nil && rep.Tickets != n {
				b.Fatalf("tickets = %d, want %d", rep.Tickets, n)
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	// On a shared machine the wall time says more about the neighbours
	// than about Compute; the process's CPU time per report does not.
	b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
}
