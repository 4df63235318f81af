package escalation

import (
	"fmt"
	"strings"
	"time"
)

// span is one opening period of a day, in minutes after midnight [from, to).
type span struct{ from, to int }

// Calendar is when the team works: opening hours per weekday in one zone,
// minus holidays. It is immutable once built.
type Calendar struct {
	loc      *time.Location
	week     [7][]span          // by time.Weekday, sorted, not overlapping
	holidays map[civilDate]bool // whole days closed
}

// civilDate is a calendar day without a zone.
type civilDate struct {
	y int
	m time.Month
	d int
}

func dateOf(t time.Time) civilDate {
	y, m, d := t.Date()
	return civilDate{y, m, d}
}

// Location is the calendar's zone: due times are shown and report days are
// cut in it.
func (c *Calendar) Location() *time.Location { return c.loc }

// maxCalendarDays bounds every walk over the calendar. A valid calendar has
// opening hours every week, so only a year of holidays could need more; past
// the bound the clock runs 24/7 rather than looping.
const maxCalendarDays = 370

// openAt reports whether the team works at t, and if so until when the
// current period lasts.
func (c *Calendar) openAt(t time.Time) (bool, time.Time) {
	t = t.In(c.loc)
	if c.holidays[dateOf(t)] {
		return false, time.Time{}
	}
	mins := t.Hour()*60 + t.Minute()
	for _, s := range c.week[t.Weekday()] {
		if mins >= s.from && mins < s.to {
			return true, c.at(t, s.to)
		}
	}
	return false, time.Time{}
}

// Open reports whether the team works at t.
func (c *Calendar) Open(t time.Time) bool {
	open, _ := c.openAt(t)
	return open
}

// at is minute m of t's day in the calendar's zone.
func (c *Calendar) at(t time.Time, m int) time.Time {
	y, mo, d := t.Date()
	return time.Date(y, mo, d, m/60, m%60, 0, 0, c.loc)
}

// NextOpen is t when the team works at t, else the start of the next
// opening period.
func (c *Calendar) NextOpen(t time.Time) time.Time {
	t = t.In(c.loc)
	day := t
	for range maxCalendarDays {
		if !c.holidays[dateOf(day)] {
			for _, s := range c.week[day.Weekday()] {
				if c.at(day, s.to).After(t) {
					if start := c.at(day, s.from); start.After(t) {
						return start
					}
					return t
				}
			}
		}
		day = c.at(day, 0).AddDate(0, 0, 1)
	}
	return t
}

// Add returns the time d of working time after start: only opening hours
// count. Seconds are kept, so a ticket created at 17:59:30 with 30 minutes
// left is due the next working morning at 09:29:30.
func (c *Calendar) Add(start time.Time, d time.Duration) time.Time {
	t := start.In(c.loc)
	for range maxCalendarDays * 4 {
		if d <= 0 {
			return t
		}
		t = c.NextOpen(t)
		open, end := c.openAt(t)
		if !open { // no opening left within the bound
			break
		}
		if left := end.Sub(t); d <= left {
			return t.Add(d)
		} else {
			d -= left
			t = end
		}
	}
	return t.Add(d)
}

// Day names as the rules file spells them, by time.Weekday.
var dayNames = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// parseSpan reads "09:00-18:00"; "24:00" may end a period.
func parseSpan(s string) (span, error) {
	from, to, ok := strings.Cut(s, "-")
	if !ok {
		return span{}, fmt.Errorf("want a range such as \"09:00-18:00\", got %q", s)
	}
	f, err1 := parseClock(strings.TrimSpace(from), false)
	e, err2 := parseClock(strings.TrimSpace(to), true)
	switch {
	case err1 != nil:
		return span{}, err1
	case err2 != nil:
		return span{}, err2
	case e <= f:
		return span{}, fmt.Errorf("range %q ends before it starts", s)
	}
	return span{f, e}, nil
}

func parseClock(s string, end bool) (int, error) {
	if end && s == "24:00" {
		return 24 * 60, nil
	}
	t, err := time.Parse("15:04", s)
	if err != nil || len(s) != 5 {
		return 0, fmt.Errorf("want a time such as \"09:00\", got %q", s)
	}
	return t.Hour()*60 + t.Minute(), nil
}
