package web

import (
	"net/http"
	"time"
)

// Hours is the team's business-hours calendar (escalation.Calendar): the
// widget tells a user outside them when the team is back.
type Hours interface {
	Open(t time.Time) bool
	// NextOpen is t when the team works at t, else when it next does.
	NextOpen(t time.Time) time.Time
}

// hoursAnswer is the body of GET /hours.
type hoursAnswer struct {
	Open bool `json:"open"`
	// Reopens is when the team is back (RFC 3339 in the calendar's zone),
	// and Zone that zone's abbreviation ("HKT"); both only when closed.
	Reopens string `json:"reopens,omitempty"`
	Zone    string `json:"zone,omitempty"`
}

// handleHours is GET /hours, public like the widget: whether the team
// works now and, if not, when it is back. The widget words the notice in
// its page's language. Without a calendar the team is always there.
func (s *Server) handleHours(w http.ResponseWriter, r *http.Request) {
	now := s.now()
	ans := hoursAnswer{Open: true}
	if s.hours != nil && !s.hours.Open(now) {
		// A calendar that never opens (a rules file without hours, used
		// by no priority) names no time to come back: no notice.
		if back := s.hours.NextOpen(now); back.After(now) {
			ans = hoursAnswer{Reopens: back.Format(time.RFC3339), Zone: back.Format("MST")}
		}
	}
	// writeJSON sets no-store: the answer changes with the clock.
	s.writeJSON(w, http.StatusOK, ans)
}
