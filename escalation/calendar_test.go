package escalation

import (
	"testing"
	"time"

	"github.com/triagebot/triagebot/tickets"
)

var hk = must(time.LoadLocation("Asia/Hong_Kong"))

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func hkt(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, hk) }

// TestDefaultCalendar walks the default Hong Kong calendar through the
// cases a due time meets: inside hours, across a close, a Saturday half
// day, a Sunday, a holiday run, and a priority that counts around the clock.
func TestDefaultCalendar(t *testing.T) {
	r := Default()
	tests := []struct {
		name string
		p    tickets.Priority
		from time.Time
		want time.Time
	}{
		{"within the day", tickets.High, hkt(2026, 12, 2, 10, 0), hkt(2026, 12, 2, 12, 0)},
		{"across the close", tickets.High, hkt(2026, 12, 2, 17, 0), hkt(2026, 12, 3, 10, 0)},
		{"before opening", tickets.High, hkt(2026, 12, 2, 6, 15), hkt(2026, 12, 2, 11, 0)},
		{"friday evening to saturday", tickets.High, hkt(2026, 12, 4, 20, 0), hkt(2026, 12, 5, 11, 0)},
		{"saturday half day to monday", tickets.High, hkt(2026, 12, 5, 12, 0), hkt(2026, 12, 7, 10, 0)},
		{"sunday", tickets.Normal, hkt(2026, 12, 6, 15, 0), hkt(2026, 12, 7, 17, 0)},
		{"normal spans two days", tickets.Normal, hkt(2026, 12, 2, 14, 0), hkt(2026, 12, 3, 13, 0)},
		{"christmas and the day after", tickets.High, hkt(2026, 12, 24, 17, 30), hkt(2026, 12, 28, 10, 30)},
		{"lunar new year 2027", tickets.High, hkt(2027, 2, 5, 17, 0), hkt(2027, 2, 10, 10, 0)},
		{"urgent is around the clock", tickets.Urgent, hkt(2026, 12, 6, 3, 0), hkt(2026, 12, 6, 3, 30)},
		{"seconds are kept", tickets.High, hkt(2026, 12, 2, 17, 59).Add(30 * time.Second), hkt(2026, 12, 3, 10, 59).Add(30 * time.Second)},
		{"from another zone", tickets.High, time.Date(2026, 12, 2, 2, 0, 0, 0, time.UTC), hkt(2026, 12, 2, 12, 0)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := r.Due(tc.p, tc.from)
			if !got.Equal(tc.want) {
				t.Errorf("Due(%s, %s) = %s, want %s", tc.p, tc.from, got.In(hk), tc.want)
			}
		})
	}
}

func TestOpenAndNextOpen(t *testing.T) {
	c := Default().Calendar()
	tests := []struct {
		at   time.Time
		open bool
		next time.Time
	}{
		{hkt(2026, 12, 7, 9, 0), true, hkt(2026, 12, 7, 9, 0)},
		{hkt(2026, 12, 7, 18, 0), false, hkt(2026, 12, 8, 9, 0)},
		{hkt(2026, 12, 5, 13, 0), false, hkt(2026, 12, 7, 9, 0)},
		{hkt(2026, 12, 25, 10, 0), false, hkt(2026, 12, 28, 9, 0)},
		{hkt(2026, 12, 31, 23, 59), false, hkt(2027, 1, 2, 9, 0)},
	}
	for _, tc := range tests {
		if got := c.Open(tc.at); got != tc.open {
			t.Errorf("Open(%s) = %v, want %v", tc.at, got, tc.open)
		}
		if got := c.NextOpen(tc.at); !got.Equal(tc.next) {
			t.Errorf("NextOpen(%s) = %s, want %s", tc.at, got, tc.next)
		}
	}
}

// TestCalendarFromFile: a file changes one day, the zone and the holidays;
// the rest of the default week stays.
func TestCalendarFromFile(t *testing.T) {
	r, err := Parse("r.json", []byte(`{
  "business_hours": {"zone": "Europe/London", "week": {"sat": [], "mon": ["08:00-12:00", "13:00-17:00"]}, "holidays": ["2026-12-08"]},
  "sla_business_time": {"urgent": true},
  "breach_raise": 2
}`))
	if err != nil {
		t.Fatal(err)
	}
	lon := must(time.LoadLocation("Europe/London"))
	at := func(m time.Month, d, h, min int) time.Time { return time.Date(2026, m, d, h, min, 0, 0, lon) }
	tests := []struct {
		p          tickets.Priority
		from, want time.Time
	}{
		{tickets.High, at(12, 7, 11, 0), at(12, 7, 14, 0)},     // lunch does not count
		{tickets.High, at(12, 4, 17, 30), at(12, 7, 9, 30)},    // Saturday closed now, Friday as before
		{tickets.Urgent, at(12, 7, 16, 50), at(12, 9, 9, 20)},  // urgent counts business time; the 8th is a holiday
		{tickets.Normal, at(12, 25, 10, 0), at(12, 25, 18, 0)}, // Hong Kong's holidays are replaced
	}
	for _, tc := range tests {
		if got := r.Due(tc.p, tc.from); !got.Equal(tc.want) {
			t.Errorf("Due(%s, %s) = %s, want %s", tc.p, tc.from, got.In(lon), tc.want)
		}
	}
	if got := r.BreachRaise(tickets.Low); got != tickets.High {
		t.Errorf("BreachRaise(low) = %s, want high", got)
	}
}

func TestBreachRaise(t *testing.T) {
	r := Default()
	for p, want := range map[tickets.Priority]tickets.Priority{
		tickets.Low: tickets.Normal, tickets.Normal: tickets.High, tickets.High: tickets.Urgent, tickets.Urgent: tickets.Urgent,
	} {
		if got := r.BreachRaise(p); got != want {
			t.Errorf("BreachRaise(%s) = %s, want %s", p, got, want)
		}
	}
}
