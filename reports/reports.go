// Package reports computes the service figures of a range of days: volume,
// first response and resolution times, SLA, CSAT and how much self-help
// solved. It reads the store's report index and dialogue outcome counts,
// never the tickets themselves, so a year of tickets costs milliseconds.
package reports

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/triagebot/triagebot/tickets"
)

// MaxDays bounds one report's range.
const MaxDays = 366

// Range is a span of whole days [From, To] in a zone.
type Range struct {
	From, To time.Time // midnight of the first day; midnight of the last day
	Loc      *time.Location
}

// ParseRange reads "YYYY-MM-DD" dates in loc; an empty to is today, an
// empty from is six days before to (a week).
func ParseRange(from, to string, loc *time.Location, now time.Time) (Range, error) {
	r := Range{Loc: loc}
	var err error
	if to == "" {
		y, m, d := now.In(loc).Date()
		r.To = time.Date(y, m, d, 0, 0, 0, 0, loc)
	} else if r.To, err = time.ParseInLocation(time.DateOnly, to, loc); err != nil {
		return r, fmt.Errorf("to %.20q: want a date such as 2026-12-07", to)
	}
	if from == "" {
		r.From = r.To.AddDate(0, 0, -6)
	} else if r.From, err = time.ParseInLocation(time.DateOnly, from, loc); err != nil {
		return r, fmt.Errorf("from %.20q: want a date such as 2026-12-01", from)
	}
	switch n := r.days(); {
	case n < 1:
		return r, fmt.Errorf("from %s is after to %s", r.From.Format(time.DateOnly), r.To.Format(time.DateOnly))
	case n > MaxDays:
		return r, fmt.Errorf("%d days from %s to %s: at most %d", n, r.From.Format(time.DateOnly), r.To.Format(time.DateOnly), MaxDays)
	}
	return r, nil
}

// days counts the days of r, both ends included.
func (r Range) days() int {
	n := 0
	for d := r.From; !d.After(r.To) && n <= MaxDays; d = d.AddDate(0, 0, 1) {
		n++
	}
	return n
}

// end is the first instant after the range.
func (r Range) end() time.Time { return r.To.AddDate(0, 0, 1) }

// Report is the answer of GET /api/reports. Figures that had nothing to
// measure (no rating, no answered ticket) are null, not 0.
type Report struct {
	From              string         `json:"from"`
	To                string         `json:"to"`
	Zone              string         `json:"zone"`
	Tickets           int            `json:"tickets"`
	ByIntent          map[string]int `json:"by_intent"`
	ByChannel         map[string]int `json:"by_channel"`
	ByLang            map[string]int `json:"by_lang"`
	ByQueue           map[string]int `json:"by_queue"`
	FirstResponseP50S *float64       `json:"first_response_p50_s"`
	FirstResponseP90S *float64       `json:"first_response_p90_s"`
	ResolutionP50S    *float64       `json:"resolution_p50_s"`
	SLAMetRatio       *float64       `json:"sla_met_ratio"`
	SLAMet            int            `json:"sla_met"`
	SLAMissed         int            `json:"sla_missed"`
	CSATAvg           *float64       `json:"csat_avg"`
	CSATCount         int            `json:"csat_count"`
	ContainmentRatio  *float64       `json:"containment_ratio"`
	EscalationRatio   *float64       `json:"escalation_ratio"`
	ProblemDialogues  int            `json:"problem_dialogues"`
	Days              []Day          `json:"days"`
}

// Day is one day of the range, for charts.
type Day struct {
	Date             string         `json:"date"`
	Tickets          int            `json:"tickets"`
	ByIntent         map[string]int `json:"by_intent"`
	SLAMet           int            `json:"sla_met"`
	SLAMissed        int            `json:"sla_missed"`
	CSATSum          int            `json:"csat_sum"`
	CSATCount        int            `json:"csat_count"`
	ProblemDialogues int            `json:"problem_dialogues"`
	SelfHelp         int            `json:"selfhelp"`
	Escalated        int            `json:"escalated"`
}

// SLAState is whether a ticket's first response kept its SLA.
type SLAState int

// SLA states.
const (
	SLAPending SLAState = iota // no response yet, not yet due (or no SLA)
	SLAMet
	SLAMissed
)

// SLAOf judges a row at now: answered by sla_due is met; answered later,
// marked breached, or unanswered past due (the sweep not yet there) is missed.
func SLAOf(r tickets.ReportRow, now time.Time) SLAState {
	switch {
	case r.SLADue.IsZero():
		return SLAPending
	case !r.FirstResponseAt.IsZero() && !r.FirstResponseAt.After(r.SLADue) && !r.Breached:
		return SLAMet
	case !r.FirstResponseAt.IsZero() || r.Breached || now.After(r.SLADue):
		return SLAMissed
	}
	return SLAPending
}

// Compute builds the report of rg from tx at now.
func Compute(tx tickets.Tx, rg Range, now time.Time) (Report, error) {
	rep := Report{
		From: rg.From.Format(time.DateOnly), To: rg.To.Format(time.DateOnly), Zone: rg.Loc.String(),
		ByIntent: map[string]int{}, ByChannel: map[string]int{}, ByLang: map[string]int{}, ByQueue: map[string]int{},
	}
	for d := rg.From; !d.After(rg.To); d = d.AddDate(0, 0, 1) {
		day := Day{Date: d.Format(time.DateOnly), ByIntent: map[string]int{}}
		o, err := tx.Outcomes(d, d.AddDate(0, 0, 1))
		if err != nil {
			return rep, err
		}
		day.ProblemDialogues, day.SelfHelp, day.Escalated = o[tickets.OutcomeProblem], o[tickets.OutcomeSelfHelp], o[tickets.OutcomeEscalated]
		rep.Days = append(rep.Days, day)
	}
	var firstResp, resolution []float64
	csatSum := 0
	// Rows come oldest first, so the day moves forward only: a comparison
	// per row instead of formatting a date.
	di, next := 0, rg.From.AddDate(0, 0, 1)
	err := tx.ReportRows(rg.From, rg.end(), func(r tickets.ReportRow) error {
		for !r.CreatedAt.Before(next) && di < len(rep.Days)-1 {
			di++
			next = next.AddDate(0, 0, 1)
		}
		day := &rep.Days[di]
		rep.Tickets++
		day.Tickets++
		rep.ByIntent[r.Intent]++
		day.ByIntent[r.Intent]++
		rep.ByChannel[string(r.Channel)]++
		rep.ByLang[r.Lang]++
		rep.ByQueue[r.Queue]++
		if !r.FirstResponseAt.IsZero() {
			firstResp = append(firstResp, r.FirstResponseAt.Sub(r.CreatedAt).Seconds())
		}
		if r.Status == tickets.Resolved && !r.ResolvedAt.IsZero() {
			resolution = append(resolution, r.ResolvedAt.Sub(r.CreatedAt).Seconds())
		}
		switch SLAOf(r, now) {
		case SLAMet:
			rep.SLAMet++
			day.SLAMet++
		case SLAMissed:
			rep.SLAMissed++
			day.SLAMissed++
		}
		if r.CSATScore > 0 {
			rep.CSATCount++
			csatSum += r.CSATScore
			day.CSATSum += r.CSATScore
			day.CSATCount++
		}
		return nil
	})
	if err != nil {
		return rep, err
	}
	rep.FirstResponseP50S = percentile(firstResp, 50)
	rep.FirstResponseP90S = percentile(firstResp, 90)
	rep.ResolutionP50S = percentile(resolution, 50)
	rep.SLAMetRatio = ratio(rep.SLAMet, rep.SLAMet+rep.SLAMissed)
	rep.CSATAvg = ratio(csatSum, rep.CSATCount)
	var selfHelp, escalated int
	for _, d := range rep.Days {
		rep.ProblemDialogues += d.ProblemDialogues
		selfHelp += d.SelfHelp
		escalated += d.Escalated
	}
	rep.ContainmentRatio = ratio(selfHelp, rep.ProblemDialogues)
	rep.EscalationRatio = ratio(escalated, rep.ProblemDialogues)
	return rep, nil
}

// percentile is the nearest-rank p-th percentile of xs (which it sorts),
// nil when xs is empty.
func percentile(xs []float64, p int) *float64 {
	if len(xs) == 0 {
		return nil
	}
	slices.Sort(xs)
	i := int(math.Ceil(float64(p)/100*float64(len(xs)))) - 1
	v := xs[min(max(i, 0), len(xs)-1)]
	return &v
}

// ratio is a/b rounded to four places, nil when b is 0.
func ratio(a, b int) *float64 {
	if b == 0 {
		return nil
	}
	v := math.Round(float64(a)/float64(b)*10000) / 10000
	return &v
}
