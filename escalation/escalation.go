// Package escalation decides, for a problem handed to people, how urgent it
// is, which queue works it and when it is due.
//
// The rules are data: an embedded default file (default_rules.json) that an
// optional -routing file overrides. Route is pure: the same Input gives the
// same Decision, with the clock passed in, so it is tested by tables and
// reproducible from a stored ticket.
package escalation

import (
	"fmt"
	"math/big"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/triagebot/triagebot/tickets"
)

// Input is what the engine knows when it escalates.
type Input struct {
	Intent   string // an intent id; unknown or "" takes the fallback route
	Channel  tickets.Channel
	Lang     string // recorded for the agent; every queue serves all languages
	Amount   string // decimal as the extractor gives it ("1200.00"); "" when none
	Currency string // ISO 4217, or "" (taken as HKD)
	Text     string // the user's words, masked
	Now      time.Time
	// History holds the user's earlier tickets (any status), for the repeat
	// rule. Order does not matter.
	History []tickets.Ticket
}

// Decision is where a ticket goes.
type Decision struct {
	Priority tickets.Priority
	Queue    string
	SLADue   time.Time
	// Related are the ids of the user's tickets on the same intent within
	// the repeat window, oldest first.
	Related []string
	// Reasons explain the decision in order, for the agent and the logs.
	Reasons []string
}

// Router applies one rule set. It is immutable, so safe for concurrent use.
type Router struct {
	rules rules
}

// Route decides priority, queue and SLA for in. The steps run in a fixed
// order: the intent's route, then the amount, repeat and keyword rules
// (each can only raise the priority), then the channel's queue map, then
// the SLA of the final priority.
func (r *Router) Route(in Input) Decision {
	var d Decision
	rs, ok := r.rules.intents[in.Intent]
	if ok {
		d.Reasons = append(d.Reasons, fmt.Sprintf("intent %s: queue %s, priority %s", in.Intent, rs.queue, rs.priority))
	} else {
		rs = r.rules.fallback
		d.Reasons = append(d.Reasons, fmt.Sprintf("intent %q has no route: fallback queue %s, priority %s", in.Intent, rs.queue, rs.priority))
	}
	d.Queue, d.Priority = rs.queue, rs.priority

	r.amountRule(in, &d)
	r.repeatRule(in, &d)
	r.keywordRules(in, &d)

	if to, ok := r.rules.channelQueues[in.Channel][d.Queue]; ok {
		d.Reasons = append(d.Reasons, fmt.Sprintf("channel %s: queue %s → %s", in.Channel, d.Queue, to))
		d.Queue = to
	}
	sla := r.rules.sla[d.Priority]
	d.SLADue = r.Due(d.Priority, in.Now)
	clock := "around the clock"
	if r.BusinessTime(d.Priority) {
		clock = "in business hours"
	}
	d.Reasons = append(d.Reasons, fmt.Sprintf("SLA for %s: %s %s", d.Priority, sla, clock))
	return d
}

// amountRE is what the extractor produces, with thousands separators
// allowed; anything else is not compared rather than guessed at.
var amountRE = regexp.MustCompile(`^[0-9]{1,15}(\.[0-9]{1,6})?$`)

func (r *Router) amountRule(in Input, d *Decision) {
	ar := r.rules.amount
	if ar.threshold == nil || in.Amount == "" || (ar.raise == 0 && ar.atLeast == "") {
		return
	}
	amount := strings.ReplaceAll(strings.TrimSpace(in.Amount), ",", "")
	if !amountRE.MatchString(amount) {
		d.Reasons = append(d.Reasons, fmt.Sprintf("amount %q not understood: not compared", in.Amount))
		return
	}
	cur := strings.ToUpper(strings.TrimSpace(in.Currency))
	if cur == "" {
		cur = baseCurrency
	}
	rate, ok := r.rules.rates[cur]
	if cur == baseCurrency {
		rate, ok = big.NewRat(1, 1), true
	}
	if !ok {
		d.Reasons = append(d.Reasons, fmt.Sprintf("no rate for currency %s: amount not compared", cur))
		return
	}
	x, _ := new(big.Rat).SetString(amount) // cannot fail: amountRE matched
	hkd := x.Mul(x, rate)
	if hkd.Cmp(ar.threshold) < 0 {
		return
	}
	p := atLeast(raise(d.Priority, ar.raise), ar.atLeast)
	d.Reasons = append(d.Reasons, fmt.Sprintf("amount %s %s ≈ HKD %s ≥ HKD %s: %s → %s",
		cur, amount, hkd.FloatString(2), ar.threshold.FloatString(2), d.Priority, p))
	d.Priority = p
}

func (r *Router) repeatRule(in Input, d *Decision) {
	rr := r.rules.repeat
	if rr.window <= 0 || in.Intent == "" {
		return
	}
	var earlier []tickets.Ticket
	for _, t := range in.History {
		age := in.Now.Sub(t.CreatedAt)
		if t.Intent == in.Intent && age >= 0 && age <= rr.window {
			earlier = append(earlier, t)
		}
	}
	if len(earlier) == 0 {
		return
	}
	sort.Slice(earlier, func(i, j int) bool {
		if !earlier[i].CreatedAt.Equal(earlier[j].CreatedAt) {
			return earlier[i].CreatedAt.Before(earlier[j].CreatedAt)
		}
		return earlier[i].ID < earlier[j].ID
	})
	for _, t := range earlier {
		d.Related = append(d.Related, t.ID)
	}
	p := raise(d.Priority, rr.raise)
	d.Reasons = append(d.Reasons, fmt.Sprintf("repeat of %s within %s: %s → %s",
		strings.Join(d.Related, ", "), rr.window, d.Priority, p))
	d.Priority = p
}

func (r *Router) keywordRules(in Input, d *Decision) {
	if len(r.rules.keywords) == 0 || in.Text == "" {
		return
	}
	text := strings.ToLower(in.Text)
	for _, kw := range r.rules.keywords {
		for _, w := range kw.words {
			if !strings.Contains(text, w) {
				continue
			}
			if p := atLeast(d.Priority, kw.priority); p != d.Priority {
				d.Reasons = append(d.Reasons, fmt.Sprintf("keyword %q: %s → %s", w, d.Priority, p))
				d.Priority = p
			}
			break
		}
	}
}

// raise moves p up by steps, stopping at the most urgent.
func raise(p tickets.Priority, steps int) tickets.Priority {
	i := min(p.Rank(), len(tickets.Priorities)-1) // an unknown p counts as the lowest
	return tickets.Priorities[max(i-steps, 0)]
}

// atLeast returns the more urgent of p and floor ("" is no floor).
func atLeast(p, floor tickets.Priority) tickets.Priority {
	if floor != "" && floor.Rank() < p.Rank() {
		return floor
	}
	return p
}

// Queues lists every queue a ticket can be routed to, sorted: for checking
// an agent's -queues and for filters in the console.
func (r *Router) Queues() []string {
	set := map[string]bool{r.rules.fallback.queue: true}
	for _, rs := range r.rules.intents {
		set[rs.queue] = true
	}
	for _, m := range r.rules.channelQueues {
		for _, to := range m {
			set[to] = true
		}
	}
	qs := make([]string, 0, len(set))
	for q := range set {
		qs = append(qs, q)
	}
	sort.Strings(qs)
	return qs
}

// SLA returns how long a ticket of priority p may wait.
func (r *Router) SLA(p tickets.Priority) time.Duration { return r.rules.sla[p] }

// Due is when a ticket of priority p created at from needs its first agent
// response: the priority's SLA counted in business hours or around the
// clock, as the rules say.
func (r *Router) Due(p tickets.Priority, from time.Time) time.Time {
	sla := r.rules.sla[p]
	if r.rules.businessTime[p] {
		return r.rules.calendar.Add(from, sla)
	}
	return from.Add(sla)
}

// BusinessTime reports whether priority p's SLA counts only business hours.
func (r *Router) BusinessTime(p tickets.Priority) bool { return r.rules.businessTime[p] }

// Calendar is when the team works.
func (r *Router) Calendar() *Calendar { return r.rules.calendar }

// Location is the zone of the calendar: due times are told, and report
// days cut, in it.
func (r *Router) Location() *time.Location { return r.rules.calendar.loc }

// BreachRaise is the priority a ticket of priority p gets when its SLA
// passes without an agent response (breach_raise steps up).
func (r *Router) BreachRaise(p tickets.Priority) tickets.Priority {
	return raise(p, r.rules.breachRaise)
}
