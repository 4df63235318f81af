package escalation

import (
	_ "embed"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/big"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // the calendar's zone must load on a host without zoneinfo

	"github.com/triagebot/triagebot/intents"
	"github.com/triagebot/triagebot/tickets"
)

// ErrRules is wrapped by every error about the content of a rules file, so
// callers tell a bad file (exit with the message) from a missing one.
var ErrRules = errors.New("invalid routing rules")

//go:embed default_rules.json
var defaultRulesJSON []byte

// DefaultRulesJSON returns the embedded default rules, the starting point
// for a -routing file (triagebot can print it for an operator to edit).
func DefaultRulesJSON() []byte { return append([]byte(nil), defaultRulesJSON...) }

// routeSpec is where an intent goes before the adjusting rules run.
type routeSpec struct {
	queue    string
	priority tickets.Priority
	off      int // where the file last set it, for errors found afterwards
}

// amountRule raises the priority of large amounts.
type amountRule struct {
	threshold *big.Rat // in HKD; nil turns the rule off
	raise     int      // steps up
	atLeast   tickets.Priority
}

// repeatRule raises the priority of a user's second ticket on one problem.
type repeatRule struct {
	window time.Duration // 0 turns the rule off
	raise  int
}

// keywordRule lifts the priority when the text holds one of the words.
type keywordRule struct {
	priority tickets.Priority
	words    []string // lower case
}

// rules is one complete, validated rule set. It is never changed after
// build returns, so a Router may share it between goroutines.
type rules struct {
	sla           map[tickets.Priority]time.Duration
	fallback      routeSpec
	intents       map[string]routeSpec
	amount        amountRule
	rates         map[string]*big.Rat // HKD per unit; the *big.Rat are never mutated
	repeat        repeatRule
	keywords      []keywordRule
	channelQueues map[tickets.Channel]map[string]string
	// calendar is when the team works; businessTime says, per priority,
	// whether its SLA counts only that time (false: around the clock).
	calendar     *Calendar
	businessTime map[tickets.Priority]bool
	// breachRaise is how many steps a ticket goes up when its SLA passes.
	breachRaise int
	calOff      int // where the file set business_hours, for errors found afterwards
}

func emptyRules() rules {
	return rules{
		sla:           map[tickets.Priority]time.Duration{},
		intents:       map[string]routeSpec{},
		rates:         map[string]*big.Rat{},
		channelQueues: map[tickets.Channel]map[string]string{},
		calendar:      &Calendar{loc: time.UTC, holidays: map[civilDate]bool{}},
		businessTime:  map[tickets.Priority]bool{},
	}
}

// clone copies r deeply enough that a file applied over the copy cannot
// change r: the maps (the inner channel maps too) and the keyword list.
func (r rules) clone() rules {
	c := r
	c.sla = maps.Clone(r.sla)
	c.intents = maps.Clone(r.intents)
	c.rates = maps.Clone(r.rates) // the *big.Rat are never mutated
	c.keywords = slices.Clone(r.keywords)
	c.businessTime = maps.Clone(r.businessTime)
	// The calendar is copied when a file changes it (businessHours).
	c.channelQueues = make(map[tickets.Channel]map[string]string, len(r.channelQueues))
	for ch, m := range r.channelQueues {
		c.channelQueues[ch] = maps.Clone(m)
	}
	return c
}

// baseCurrency is the currency of amount thresholds; "" means it too.
const baseCurrency = "HKD"

// defaultRules parses the embedded file once. It is part of the binary and
// covered by tests, so a failure is a build mistake: panic at first use.
var defaultRules = sync.OnceValue(func() rules {
	r, err := build("default_rules.json", defaultRulesJSON, nil)
	if err != nil {
		panic(fmt.Sprintf("escalation: embedded default rules: %v", err))
	}
	return r
})

// Default returns a Router on the embedded default rules.
func Default() *Router { return &Router{rules: defaultRules()} }

// Parse reads rules from data (name is used in error messages) over the
// embedded defaults: what the file sets replaces the default, the rest
// stays, unless the file says "replace": true. Errors are file:line:col
// messages wrapping ErrRules, joined when there are several.
func Parse(name string, data []byte) (*Router, error) {
	base := defaultRules()
	r, err := build(name, data, &base)
	if err != nil {
		return nil, err
	}
	return &Router{rules: r}, nil
}

// Load reads a rules file from path; see Parse.
func Load(path string) (*Router, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("escalation: read routing rules: %w", err)
	}
	defer f.Close()
	// One byte over the limit is enough for parseTree to report the size.
	data, err := io.ReadAll(io.LimitReader(f, maxRulesSize+1))
	if err != nil {
		return nil, fmt.Errorf("escalation: read routing rules %s: %w", path, err)
	}
	return Parse(path, data)
}

// maxErrors bounds the messages of one file: past that, more are noise.
const maxErrors = 20

// build parses data over base (nil: from nothing, as for the embedded file)
// and checks the result is complete.
func build(name string, data []byte, base *rules) (rules, error) {
	root, err := parseTree(name, data)
	if err != nil {
		return rules{}, err
	}
	d := &ruleDecoder{name: name, data: data, chanOff: map[[2]string]int{}}
	if !d.want(root, kindObject) {
		return rules{}, d.err()
	}
	r := emptyRules()
	if base != nil && !d.replace(root) {
		r = base.clone()
	}
	d.apply(root, &r)
	d.check(root, &r)
	if err := d.err(); err != nil {
		return rules{}, err
	}
	return r, nil
}

// ruleDecoder walks the tree into rules, collecting every error it finds.
type ruleDecoder struct {
	name string
	data []byte
	errs []error
	// chanOff remembers where this file mapped a channel's queue, so a
	// mapping from a queue no route uses is reported at its line.
	chanOff map[[2]string]int
}

func (d *ruleDecoder) errorf(off int, format string, args ...any) {
	d.errs = append(d.errs, errorAt(d.name, d.data, off, format, args...))
}

func (d *ruleDecoder) err() error {
	if len(d.errs) > maxErrors {
		extra := len(d.errs) - maxErrors
		d.errs = append(d.errs[:maxErrors], fmt.Errorf("%s: %d more errors: %w", d.name, extra, ErrRules))
	}
	return errors.Join(d.errs...)
}

func (d *ruleDecoder) want(n *node, k kind) bool {
	if n.kind != k {
		d.errorf(n.off, "want %s, got %s", k, n.kind)
		return false
	}
	return true
}

// fields calls the handler of each member of object n, in file order.
// Keys starting with "_" are comments (JSON has none of its own).
func (d *ruleDecoder) fields(n *node, handlers map[string]func(*node)) {
	if !d.want(n, kindObject) {
		return
	}
	for _, m := range n.members {
		if strings.HasPrefix(m.key, "_") {
			continue
		}
		h, ok := handlers[m.key]
		if !ok {
			d.errorf(m.keyOff, "unknown field %q (want one of: %s)", m.key, knownKeys(handlers))
			continue
		}
		h(m.val)
	}
}

func knownKeys(handlers map[string]func(*node)) string {
	ks := make([]string, 0, len(handlers))
	for k := range handlers {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, ", ")
}

// replace reports whether the file asks to start from nothing.
func (d *ruleDecoder) replace(root *node) bool {
	for _, m := range root.members {
		if m.key == "replace" && m.val.kind == kindBool {
			return m.val.b
		}
	}
	return false
}

func (d *ruleDecoder) apply(root *node, r *rules) {
	d.fields(root, map[string]func(*node){
		"replace": func(n *node) { d.want(n, kindBool) },
		"sla_minutes": func(n *node) {
			d.keyed(n, func(key string, keyOff int, v *node) {
				p, ok := d.priorityName(key, keyOff)
				if !ok {
					return
				}
				if m, ok := d.integer(v, 1, 525600, "minutes"); ok {
					r.sla[p] = time.Duration(m) * time.Minute
				}
			})
		},
		"sla_business_time": func(n *node) {
			d.keyed(n, func(key string, keyOff int, v *node) {
				p, ok := d.priorityName(key, keyOff)
				if ok && d.want(v, kindBool) {
					r.businessTime[p] = v.b
				}
			})
		},
		"business_hours": func(n *node) {
			r.calOff = n.off
			r.calendar = d.businessHours(n, r.calendar)
		},
		"breach_raise": func(n *node) {
			if x, ok := d.integer(n, 0, len(tickets.Priorities)-1, "steps"); ok {
				r.breachRaise = x
			}
		},
		"fallback": func(n *node) { r.fallback = d.route(n, r.fallback) },
		"intents": func(n *node) {
			d.keyed(n, func(key string, keyOff int, v *node) {
				if !intents.Intent(key).Valid() {
					d.errorf(keyOff, "unknown intent %q", key)
					return
				}
				r.intents[key] = d.route(v, r.intents[key])
			})
		},
		"amount": func(n *node) {
			d.fields(n, map[string]func(*node){
				"threshold": func(v *node) {
					if x, ok := d.decimal(v, "threshold"); ok {
						r.amount.threshold = x
					}
				},
				"raise": func(v *node) {
					if x, ok := d.integer(v, 0, len(tickets.Priorities)-1, "steps"); ok {
						r.amount.raise = x
					}
				},
				"at_least": func(v *node) { r.amount.atLeast = d.optionalPriority(v) },
			})
		},
		"rates": func(n *node) {
			d.keyed(n, func(key string, keyOff int, v *node) {
				if !currencyRE.MatchString(key) {
					d.errorf(keyOff, "invalid currency %q: want an ISO 4217 code such as \"USD\"", key)
					return
				}
				x, ok := d.decimal(v, "rate")
				if !ok {
					return
				}
				if key == baseCurrency && x.Cmp(big.NewRat(1, 1)) != 0 {
					d.errorf(v.off, "the rate of %s must be 1: thresholds are in %s", baseCurrency, baseCurrency)
					return
				}
				r.rates[key] = x
			})
		},
		"repeat": func(n *node) {
			d.fields(n, map[string]func(*node){
				"window": func(v *node) {
					if w, ok := d.duration(v); ok {
						r.repeat.window = w
					}
				},
				"raise": func(v *node) {
					if x, ok := d.integer(v, 0, len(tickets.Priorities)-1, "steps"); ok {
						r.repeat.raise = x
					}
				},
			})
		},
		"keywords": func(n *node) {
			if !d.want(n, kindArray) {
				return
			}
			// A list cannot be merged item by item: the file's list replaces
			// the default one.
			r.keywords = nil
			for _, e := range n.elems {
				if kw, ok := d.keywordRule(e); ok {
					r.keywords = append(r.keywords, kw)
				}
			}
		},
		"channel_queues": func(n *node) {
			d.keyed(n, func(key string, keyOff int, v *node) {
				ch := tickets.Channel(key)
				if ch != tickets.Web && ch != tickets.Telegram {
					d.errorf(keyOff, "unknown channel %q (want web or telegram)", key)
					return
				}
				m := r.channelQueues[ch]
				if m == nil {
					m = map[string]string{}
					r.channelQueues[ch] = m
				}
				d.keyed(v, func(from string, fromOff int, to *node) {
					if !d.queueName(from, fromOff) {
						return
					}
					s, ok := d.str(to)
					switch {
					case !ok:
					case s == "": // drops a mapping the defaults made
						delete(m, from)
					case d.queueName(s, to.off):
						m[from] = s
						d.chanOff[[2]string{key, from}] = fromOff
					}
				})
			})
		},
	})
}

// keyed calls fn for each member of object n (comments skipped).
func (d *ruleDecoder) keyed(n *node, fn func(key string, keyOff int, v *node)) {
	if !d.want(n, kindObject) {
		return
	}
	for _, m := range n.members {
		if strings.HasPrefix(m.key, "_") {
			continue
		}
		fn(m.key, m.keyOff, m.val)
	}
}

// route reads a {"queue", "priority"} object over prev: a file may change
// only one of the two.
func (d *ruleDecoder) route(n *node, prev routeSpec) routeSpec {
	rs := prev
	rs.off = n.off
	d.fields(n, map[string]func(*node){
		"queue": func(v *node) {
			if s, ok := d.str(v); ok && d.queueName(s, v.off) {
				rs.queue = s
			}
		},
		"priority": func(v *node) {
			if p, ok := d.priority(v); ok {
				rs.priority = p
			}
		},
	})
	return rs
}

func (d *ruleDecoder) keywordRule(n *node) (keywordRule, bool) {
	var kw keywordRule
	ok := true
	d.fields(n, map[string]func(*node){
		"priority": func(v *node) {
			p, good := d.priority(v)
			kw.priority = p
			ok = ok && good
		},
		"words": func(v *node) {
			if !d.want(v, kindArray) {
				ok = false
				return
			}
			for _, e := range v.elems {
				s, good := d.str(e)
				if good && strings.TrimSpace(s) == "" {
					d.errorf(e.off, "empty keyword")
					good = false
				}
				if !good {
					ok = false
					continue
				}
				kw.words = append(kw.words, strings.ToLower(strings.TrimSpace(s)))
			}
		},
	})
	if n.kind != kindObject || !ok {
		return kw, false
	}
	if kw.priority == "" {
		d.errorf(n.off, "keyword rule without a priority")
		return kw, false
	}
	if len(kw.words) == 0 {
		d.errorf(n.off, "keyword rule without words")
		return kw, false
	}
	return kw, true
}

func (d *ruleDecoder) str(n *node) (string, bool) {
	if !d.want(n, kindString) {
		return "", false
	}
	return n.str, true
}

var (
	// Queue names are used in URLs (?queue=) and in the comma-separated
	// -queues flag of "agents add", hence the plain alphabet.
	queueRE    = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,39}$`)
	currencyRE = regexp.MustCompile(`^[A-Z]{3}$`)
	// Plain decimals only: an exponent ("1e999999") would make big.Rat
	// build an enormous number from a few bytes.
	decimalRE = regexp.MustCompile(`^[0-9]{1,12}(\.[0-9]{1,12})?$`)
)

// QueueNameForm says what ValidQueueName accepts, for error messages.
const QueueNameForm = "1 to 40 of a-z, 0-9, '-', '_', '.', starting with a letter or digit"

// ValidQueueName reports whether name has the form of a queue name: the
// rules' queues and an agent's -queues are held to the same form.
func ValidQueueName(name string) bool { return queueRE.MatchString(name) }

func (d *ruleDecoder) queueName(s string, off int) bool {
	if !queueRE.MatchString(s) {
		d.errorf(off, "invalid queue name %q: want %s", s, QueueNameForm)
		return false
	}
	return true
}

const priorityList = "urgent, high, normal or low"

func (d *ruleDecoder) priorityName(s string, off int) (tickets.Priority, bool) {
	p := tickets.Priority(s)
	if !p.Valid() {
		d.errorf(off, "unknown priority %q (want %s)", s, priorityList)
		return "", false
	}
	return p, true
}

func (d *ruleDecoder) priority(n *node) (tickets.Priority, bool) {
	s, ok := d.str(n)
	if !ok {
		return "", false
	}
	return d.priorityName(s, n.off)
}

// optionalPriority reads a priority where "" means none.
func (d *ruleDecoder) optionalPriority(n *node) tickets.Priority {
	if n.kind == kindString && n.str == "" {
		return ""
	}
	p, _ := d.priority(n)
	return p
}

func (d *ruleDecoder) integer(n *node, lo, hi int, what string) (int, bool) {
	if !d.want(n, kindNumber) {
		return 0, false
	}
	x, err := strconv.Atoi(n.num.String())
	if err != nil || x < lo || x > hi {
		d.errorf(n.off, "want a whole number of %s from %d to %d, got %s", what, lo, hi, n.num)
		return 0, false
	}
	return x, true
}

// decimal reads a positive decimal, given as a JSON number or a string.
func (d *ruleDecoder) decimal(n *node, what string) (*big.Rat, bool) {
	var s string
	switch n.kind {
	case kindNumber:
		s = n.num.String()
	case kindString:
		s = n.str
	default:
		d.errorf(n.off, "want a number for the %s, got %s", what, n.kind)
		return nil, false
	}
	x, ok := new(big.Rat).SetString(s)
	if !decimalRE.MatchString(s) || !ok || x.Sign() <= 0 {
		d.errorf(n.off, "invalid %s %s: want a positive plain decimal such as 7.8", what, s)
		return nil, false
	}
	return x, true
}

// maxWindow bounds the repeat window: past a month a "repeat" is a new problem.
const maxWindow = 31 * 24 * time.Hour

func (d *ruleDecoder) duration(n *node) (time.Duration, bool) {
	s, ok := d.str(n)
	if !ok {
		return 0, false
	}
	w, err := time.ParseDuration(s)
	if err != nil || w < 0 || w > maxWindow {
		d.errorf(n.off, "invalid window %q: want a duration such as \"24h\", at most \"%dh\"", s, maxWindow/time.Hour)
		return 0, false
	}
	return w, true
}

// check reports what is missing once the whole file is applied: only a
// "replace" file or the embedded one can leave gaps, and a mapping from a
// queue no route uses is a typo whichever way it came.
func (d *ruleDecoder) check(root *node, r *rules) {
	for _, p := range tickets.Priorities {
		if _, ok := r.sla[p]; !ok {
			d.errorf(root.off, "sla_minutes has no entry for %q", p)
		}
	}
	business := false
	for _, on := range r.businessTime {
		business = business || on
	}
	if business && !r.calendar.hasHours() {
		d.errorf(r.calOff, "business_hours.week has no opening hours: an SLA in business time would never end")
	}
	if r.fallback.queue == "" || r.fallback.priority == "" {
		d.errorf(r.fallback.off, "fallback needs both a queue and a priority")
	}
	names := make([]string, 0, len(r.intents))
	for k := range r.intents {
		names = append(names, k)
	}
	sort.Strings(names)
	used := map[string]bool{r.fallback.queue: true}
	for _, k := range names {
		rs := r.intents[k]
		if rs.queue == "" || rs.priority == "" {
			d.errorf(rs.off, "intent %s needs both a queue and a priority", k)
		}
		used[rs.queue] = true
	}
	if (r.amount.raise > 0 || r.amount.atLeast != "") && r.amount.threshold == nil {
		d.errorf(root.off, "amount needs a threshold to raise or set a priority")
	}
	keys := make([][2]string, 0, len(d.chanOff))
	for k := range d.chanOff {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return d.chanOff[keys[i]] < d.chanOff[keys[j]] })
	for _, k := range keys {
		if _, still := r.channelQueues[tickets.Channel(k[0])][k[1]]; still && !used[k[1]] {
			d.errorf(d.chanOff[k], "channel_queues.%s: no route uses queue %q", k[0], k[1])
		}
	}
}

// businessHours reads the calendar over prev: the zone if given, each
// weekday given replaces that day, and a holidays list replaces the list.
func (d *ruleDecoder) businessHours(n *node, prev *Calendar) *Calendar {
	c := &Calendar{loc: prev.loc, week: prev.week, holidays: maps.Clone(prev.holidays)}
	d.fields(n, map[string]func(*node){
		"zone": func(v *node) {
			s, ok := d.str(v)
			if !ok {
				return
			}
			loc, err := time.LoadLocation(s)
			if err != nil || s == "" || s == "Local" {
				d.errorf(v.off, "unknown time zone %q: want an IANA name such as \"Asia/Hong_Kong\"", s)
				return
			}
			c.loc = loc
		},
		"week": func(v *node) {
			d.keyed(v, func(key string, keyOff int, ranges *node) {
				day := slices.Index(dayNames[:], key)
				if day < 0 {
					d.errorf(keyOff, "unknown day %q (want one of: %s)", key, strings.Join(dayNames[:], ", "))
					return
				}
				if spans, ok := d.spans(ranges); ok {
					c.week[day] = spans
				}
			})
		},
		"holidays": func(v *node) {
			if !d.want(v, kindArray) {
				return
			}
			c.holidays = map[civilDate]bool{}
			for _, e := range v.elems {
				s, ok := d.str(e)
				if !ok {
					continue
				}
				t, err := time.Parse(time.DateOnly, s)
				if err != nil {
					d.errorf(e.off, "invalid holiday %q: want a date such as \"2026-12-25\"", s)
					continue
				}
				if c.holidays[dateOf(t)] {
					d.errorf(e.off, "holiday %s listed twice", s)
					continue
				}
				c.holidays[dateOf(t)] = true
			}
		},
	})
	return c
}

// spans reads one day's list of ranges; they must not overlap.
func (d *ruleDecoder) spans(n *node) ([]span, bool) {
	if !d.want(n, kindArray) {
		return nil, false
	}
	var out []span
	ok := true
	for _, e := range n.elems {
		s, good := d.str(e)
		if !good {
			ok = false
			continue
		}
		sp, err := parseSpan(s)
		if err != nil {
			d.errorf(e.off, "%v", err)
			ok = false
			continue
		}
		out = append(out, sp)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].from < out[j].from })
	for i := 1; i < len(out); i++ {
		if out[i].from < out[i-1].to {
			d.errorf(n.off, "opening hours overlap")
			return nil, false
		}
	}
	return out, ok
}

// hasHours reports whether the calendar opens at all in a week.
func (c *Calendar) hasHours() bool {
	for _, day := range c.week {
		if len(day) > 0 {
			return true
		}
	}
	return false
}
