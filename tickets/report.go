package tickets

import "time"

// ReportRow is what reports need of one ticket, kept in an index next to
// the ticket so a report over months reads no ticket records.
type ReportRow struct {
	ID              string
	Status          Status
	Intent          string
	Priority        Priority
	Queue           string
	Channel         Channel
	Lang            string
	CreatedAt       time.Time
	SLADue          time.Time
	FirstResponseAt time.Time
	ResolvedAt      time.Time
	Breached        bool
	CSATScore       int // 0: not rated
}

// Row is t's report row.
func (t *Ticket) Row() ReportRow {
	r := ReportRow{
		ID: t.ID, Status: t.Status, Intent: t.Intent, Priority: t.Priority, Queue: t.Queue,
		Channel: t.Channel, Lang: t.Lang, CreatedAt: t.CreatedAt, SLADue: t.SLADue,
		FirstResponseAt: t.FirstResponseAt, ResolvedAt: t.ResolvedAt, Breached: t.Breached,
	}
	if t.CSAT != nil {
		r.CSATScore = t.CSAT.Score
	}
	return r
}

// Outcome is how a dialogue about a problem ended, for the containment
// figures of reports.
type Outcome string

// Dialogue outcomes.
const (
	// OutcomeProblem counts each dialogue that reached a problem (the
	// denominator of containment), once.
	OutcomeProblem Outcome = "problem"
	// OutcomeSelfHelp: the user said it was fixed before any ticket.
	OutcomeSelfHelp Outcome = "selfhelp"
	// OutcomeEscalated: the dialogue became a ticket.
	OutcomeEscalated Outcome = "escalated"
)

// Valid reports whether o is a known outcome.
func (o Outcome) Valid() bool {
	return o == OutcomeProblem || o == OutcomeSelfHelp || o == OutcomeEscalated
}
