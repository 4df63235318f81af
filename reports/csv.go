package reports

import (
	"encoding/csv"
	"io"
	"strconv"
	"time"

	"github.com/triagebot/triagebot/tickets"
)

// CSVHeader names the columns of WriteCSV, one row per ticket.
var CSVHeader = []string{
	"id", "created_at", "channel", "lang", "intent", "queue", "priority", "status",
	"sla_due", "first_response_at", "first_response_s", "resolved_at", "resolution_s",
	"sla", "breached", "csat_score",
}

// WriteCSV writes the tickets created in rg, oldest first, with times in
// rg's zone. Empty cells are unknown (no response yet, not rated).
func WriteCSV(w io.Writer, tx tickets.Tx, rg Range, now time.Time) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	stamp := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(rg.Loc).Format(time.RFC3339)
	}
	secs := func(from, to time.Time) string {
		if to.IsZero() {
			return ""
		}
		return strconv.FormatInt(int64(to.Sub(from).Seconds()), 10)
	}
	row := make([]string, len(CSVHeader))
	err := tx.ReportRows(rg.From, rg.end(), func(r tickets.ReportRow) error {
		sla := "pending"
		switch SLAOf(r, now) {
		case SLAMet:
			sla = "met"
		case SLAMissed:
			sla = "missed"
		}
		score := ""
		if r.CSATScore > 0 {
			score = strconv.Itoa(r.CSATScore)
		}
		resolved := r.ResolvedAt
		if r.Status != tickets.Resolved {
			resolved = time.Time{}
		}
		row = append(row[:0], r.ID, stamp(r.CreatedAt), string(r.Channel), r.Lang, r.Intent, r.Queue,
			string(r.Priority), string(r.Status), stamp(r.SLADue), stamp(r.FirstResponseAt),
			secs(r.CreatedAt, r.FirstResponseAt), stamp(resolved), secs(r.CreatedAt, resolved),
			sla, strconv.FormatBool(r.Breached), score)
		return cw.Write(row)
	})
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}
