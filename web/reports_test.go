package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/triagebot/triagebot/tickets"
)

// TestReportsAPI: the figures and the CSV of a range, every field of the
// contract present, and clear 400s for a bad range.
func TestReportsAPI(t *testing.T) {
	f := newFixture(t)
	a := f.ticket(tickets.High, "payments", 2*time.Hour)
	f.ticket(tickets.Normal, "tech", 30*time.Minute)
	f.ticket(tickets.Low, "general", 48*time.Hour) // two days before: outside
	err := f.store.Update(context.Background(), func(tx tickets.Tx) error {
		tk, err := tickets.AppendEntry(tx, a.ID, tickets.Entry{From: tickets.FromAgent, Agent: "alice", Text: "hi", At: a.CreatedAt.Add(15 * time.Minute)})
		if err != nil {
			return err
		}
		tk.CSAT = &tickets.CSAT{Score: 4, At: t0}
		return tx.PutTicket(&tk)
	})
	if err != nil {
		t.Fatal(err)
	}

	r := f.do("GET", "/api/reports?from=2025-11-03&to=2025-11-03", "alice", nil)
	if r.status != http.StatusOK {
		t.Fatalf("reports: %d %s", r.status, r.body)
	}
	var raw map[string]any
	if err := json.Unmarshal(r.body, &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"tickets", "by_intent", "by_channel", "by_lang", "by_queue", "first_response_p50_s",
		"first_response_p90_s", "resolution_p50_s", "sla_met_ratio", "csat_avg", "csat_count", "containment_ratio",
		"escalation_ratio", "days"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("report has no %q", k)
		}
	}
	if raw["tickets"] != 2.0 || raw["first_response_p50_s"] != 900.0 || raw["csat_avg"] != 4.0 || raw["resolution_p50_s"] != nil {
		t.Errorf("report = %s", r.body)
	}

	r = f.do("GET", "/api/reports.csv?from=2025-11-03&to=2025-11-03", "alice", nil)
	if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %d %s %s", r.status, r.header.Get("Content-Type"), r.body)
	}
	if cd := r.header.Get("Content-Disposition"); !strings.Contains(cd, "tickets-2025-11-03-2025-11-03.csv") {
		t.Errorf("Content-Disposition = %q", cd)
	}
	rows, err := csv.NewReader(bytes.NewReader(r.body)).ReadAll()
	if err != nil || len(rows) != 3 || rows[1][0] != a.ID {
		t.Errorf("csv rows = %v, %v; want a header and 2 tickets, %s first", rows, err, a.ID)
	}

	for _, q := range []string{"from=2025-11-04&to=2025-11-03", "from=yesterday", "from=2020-01-01&to=2025-11-03"} {
		for _, p := range []string{"/api/reports?", "/api/reports.csv?"} {
			if r := f.do("GET", p+q, "alice", nil); r.status != http.StatusBadRequest || r.errCode() != CodeBadRequest {
				t.Errorf("%s%s: %d %s, want 400 bad_request", p, q, r.status, r.body)
			}
		}
	}
	if r := f.do("GET", "/api/reports.csv", "carol", nil); r.status != http.StatusForbidden || r.errCode() != CodeForbidden {
		t.Errorf("reports for an agent of one queue: %d %s, want 403", r.status, r.body)
	}
	if r := f.do("GET", "/api/reports", "", nil); r.status != http.StatusUnauthorized {
		t.Errorf("reports without a token: %d, want 401", r.status)
	}
}
