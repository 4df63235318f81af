package simulate

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/triagebot/triagebot/bot"
	"github.com/triagebot/triagebot/intents"
	"github.com/triagebot/triagebot/language"
	"github.com/triagebot/triagebot/tickets"
)

// behaviour is one way real users depart from the happy path.
type behaviour string

const (
	bAllInOpening  behaviour = "all_in_opening" // every detail in the first message
	bOutOfOrder    behaviour = "out_of_order"   // answers another detail than the one asked
	bDontKnow      behaviour = "dont_know"      // does not know one or two details
	bNoScreenshot  behaviour = "no_screenshot"  // has no screenshot (also for "what error do you see?")
	bCorrection    behaviour = "correction"     // gives a wrong amount, then corrects it
	bSwitchLang    behaviour = "switch_lang"    // changes language mid-way
	bOffTopic      behaviour = "off_topic"      // asks something unrelated, then goes on
	bGibberish     behaviour = "gibberish"      // sends noise once
	bPerson        behaviour = "person"         // asks for a person at some point
	bSilence       behaviour = "silence"        // goes quiet for hours, then writes again
	bVague         behaviour = "vague"          // opens with two vague messages before saying what happened
	bSmallTalk     behaviour = "small_talk"     // says "ok, thanks" instead of answering once
	bSelfHelpFixed behaviour = "selfhelp_fixed" // self-help worked
	bSelfHelpStill behaviour = "selfhelp_still" // self-help did not work
)

// primaries are cycled through so every behaviour meets every problem,
// language and channel; others are added at random. Their number must
// share no factor with combos() (72).
var primaries = []behaviour{bAllInOpening, bOutOfOrder, bDontKnow, bNoScreenshot, bCorrection,
	bSwitchLang, bOffTopic, bGibberish, bPerson, bSilence, bSelfHelpFixed, bVague, bSmallTalk}

// problems are the 12 problem intents, in the contract's order.
var problems = func() []intents.Intent {
	var out []intents.Intent
	for _, in := range intents.All {
		if in.IsProblem() {
			out = append(out, in)
		}
	}
	return out
}()

var channels = []tickets.Channel{tickets.Web, tickets.Telegram}

// combos is problems × languages × channels.
func combos() int { return len(problems) * len(language.All) * len(channels) }

// scenario is one simulated user: who, what happened, how they behave.
// Everything follows from seed.
type scenario struct {
	seed    int64
	intent  intents.Intent
	lang    language.Lang
	channel tickets.Channel
	hint    string // the channel's language hint
	start   bool   // Telegram: the user sends /start first

	has    map[behaviour]bool
	person int // user turn of the request for a person (0: in the opening)
	// personAlone: the opening is only a request for a person.
	personAlone bool
	offTopicAt  int
	smallTalkAt int
	gibberishAt int
	silenceAt   int
	silence     int // hours
	switchAt    int
	switchTo    language.Lang

	// Facts.
	timeIdx    int
	amount     int
	currency   string // HKD, USD or CNY
	wrongAmt   int    // bCorrection: what is said first
	bareAmount bool   // says "800" without a currency
	txn        string
	shot       bool // has a screenshot
	errIdx     int
	noError    bool // the screen shows no error text
	apiIdx     int
	otp        string // "sms" or "email"
	unknown    map[string]bool
	fixed      bool // self-help works for this user
}

func (sc *scenario) risky() bool {
	return sc.intent == intents.UnauthorizedTransaction || sc.intent == intents.AccountFrozen
}

// volunteered are the details a user of this problem knows to give: what
// an agent needs for it (bot.Required), screenshots aside.
func (sc *scenario) volunteered() []string {
	var out []string
	for _, d := range bot.Required[sc.intent] {
		switch d {
		case bot.DetailTime:
			out = append(out, "time")
		case bot.DetailAmount:
			out = append(out, "amount")
		case bot.DetailTxn:
			out = append(out, "txn")
		case bot.DetailError:
			if !sc.noError {
				out = append(out, "error")
			}
		case bot.DetailAPI:
			out = append(out, "api")
		case bot.DetailOTPChannel:
			out = append(out, "otp")
		}
	}
	return out
}

func newScenario(seed int64) *scenario {
	n := int64(combos())
	idx := (seed - 1) % n
	if idx < 0 {
		idx += n
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5eed))
	sc := &scenario{
		seed:    seed,
		intent:  problems[idx/int64(len(language.All)*len(channels))],
		lang:    language.All[(idx/int64(len(channels)))%int64(len(language.All))],
		channel: channels[idx%int64(len(channels))],
		has:     map[behaviour]bool{},
		unknown: map[string]bool{},
	}
	sc.hint = pick(rng, hints(sc.channel, sc.lang))
	sc.start = sc.channel == tickets.Telegram && rng.IntN(10) < 6

	// The primary behaviour walks the list with the seed; one or two more
	// join at random.
	// (len(primaries) and combos() share no factor, so over their product
	// every behaviour is primary once for every problem, language and
	// channel.)
	sc.has[primaries[int((seed-1)%int64(len(primaries)))]] = true
	for extra := rng.IntN(3); extra > 0; extra-- {
		sc.has[pick(rng, primaries)] = true
	}
	if sc.has[bAllInOpening] && sc.has[bOutOfOrder] {
		delete(sc.has, bOutOfOrder) // nothing left to give out of order
	}
	if !sc.has[bSelfHelpFixed] {
		sc.has[bSelfHelpStill] = true
	}
	sc.fixed = sc.has[bSelfHelpFixed]

	// Facts.
	sc.timeIdx = rng.IntN(len(timeTexts.en))
	sc.currency = pick(rng, []string{"HKD", "HKD", "HKD", "USD", "CNY"})
	// Amounts stay below the router's large-amount threshold (HK$10,000)
	// so that only risk, not size, may make a ticket urgent.
	sc.amount = pick(rng, []int{38, 120, 260, 480, 800, 1200, 2600})
	if sc.currency == "USD" {
		sc.amount = pick(rng, []int{25, 60, 150, 300})
	}
	sc.wrongAmt = sc.amount + pick(rng, []int{-20, 100, 200})
	sc.bareAmount = rng.IntN(6) == 0
	sc.txn = fmt.Sprintf("TX202511%02d%s", 1+rng.IntN(3), randCode(rng, 4))
	sc.shot = !sc.has[bNoScreenshot] && rng.IntN(3) > 0
	sc.errIdx = rng.IntN(8)
	sc.noError = sc.intent == intents.AppProblem && rng.IntN(3) == 0
	sc.apiIdx = rng.IntN(len(apiTexts.en))
	sc.otp = pick(rng, []string{"sms", "sms", "email"})
	if sc.has[bDontKnow] {
		vol := slices.DeleteFunc(sc.volunteered(), func(s string) bool { return s == "otp" || s == "api" })
		rng.Shuffle(len(vol), func(i, j int) { vol[i], vol[j] = vol[j], vol[i] })
		for _, d := range vol[:min(len(vol), 1+rng.IntN(2))] {
			sc.unknown[d] = true
		}
		if len(vol) == 0 {
			sc.unknown["screenshot"] = true // says "don't know" to the screenshot question
		}
	}

	// When the departures happen, in user turns after the opening.
	if sc.has[bPerson] {
		switch r := rng.IntN(10); {
		case r < 2:
			sc.person, sc.personAlone = 0, true
		case r < 3:
			sc.person = 0 // problem and request in one message
		default:
			sc.person = 1 + rng.IntN(4)
		}
	}
	sc.offTopicAt = 1 + rng.IntN(3)
	sc.gibberishAt = 1 + rng.IntN(3)
	sc.smallTalkAt = 1 + rng.IntN(4)
	sc.silenceAt = 1 + rng.IntN(4)
	sc.silence = 2 + rng.IntN(28)
	sc.switchAt = 1 + rng.IntN(3)
	others := slices.DeleteFunc(slices.Clone(language.All), func(l language.Lang) bool { return l == sc.lang })
	sc.switchTo = pick(rng, others)
	return sc
}

// hints are the language hints a channel gives for a user of lang: a
// Telegram language_code (often English on a Hong Kong phone) or the web
// page's ?lang=.
func hints(ch tickets.Channel, lang language.Lang) []string {
	if ch == tickets.Web {
		return []string{"", string(lang)}
	}
	switch lang {
	case language.ZhHant:
		return []string{"zh-hk", "zh-hant", "en", ""}
	case language.ZhHans:
		return []string{"zh-hans", "zh-cn", "zh", ""}
	}
	return []string{"en", "en-gb", ""}
}

func (sc *scenario) behaviours() []behaviour {
	var out []behaviour
	for _, b := range append(primaries, bSelfHelpStill) {
		if sc.has[b] {
			out = append(out, b)
		}
	}
	return out
}

func (sc *scenario) String() string {
	var bs []string
	for _, b := range sc.behaviours() {
		s := string(b)
		switch b {
		case bPerson:
			s += fmt.Sprintf("@%d", sc.person)
			if sc.personAlone {
				s += "(alone)"
			}
		case bOffTopic:
			s += fmt.Sprintf("@%d", sc.offTopicAt)
		case bGibberish:
			s += fmt.Sprintf("@%d", sc.gibberishAt)
		case bSmallTalk:
			s += fmt.Sprintf("@%d", sc.smallTalkAt)
		case bSilence:
			s += fmt.Sprintf("@%d+%dh", sc.silenceAt, sc.silence)
		case bSwitchLang:
			s += fmt.Sprintf("@%d→%s", sc.switchAt, sc.switchTo)
		}
		bs = append(bs, s)
	}
	var facts []string
	if len(sc.unknown) > 0 {
		var u []string
		for k := range sc.unknown {
			u = append(u, k)
		}
		slices.Sort(u)
		facts = append(facts, "unknown="+strings.Join(u, ","))
	}
	facts = append(facts, fmt.Sprintf("screenshot=%v", sc.shot))
	return fmt.Sprintf("seed %d: %s %s %s hint=%q [%s] %s", sc.seed, sc.intent, sc.lang, sc.channel, sc.hint,
		strings.Join(bs, " "), strings.Join(facts, " "))
}

func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

func randCode(rng *rand.Rand, n int) string {
	const alnum = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = alnum[rng.IntN(len(alnum))]
	}
	return string(b)
}

// fill replaces {x} (and {new}, {old}) in a template.
func fill(tmpl string, kv ...string) string {
	r := strings.NewReplacer(kv...)
	return r.Replace(tmpl)
}

// amountText writes an amount as a user of lang would.
func amountText(rng *rand.Rand, lang language.Lang, v int, cur string, bare bool) string {
	if bare {
		return fmt.Sprint(v)
	}
	var forms []string
	switch lang {
	case language.ZhHant:
		forms = map[string][]string{"HKD": {"港幣%d", "%d蚊", "HK$%d"}, "USD": {"美金%d", "%d美元"}, "CNY": {"人民幣%d", "%d人民幣"}}[cur]
	case language.ZhHans:
		forms = map[string][]string{"HKD": {"%d港币", "港币%d元"}, "USD": {"%d美元", "美元%d"}, "CNY": {"人民币%d元", "%d元人民币"}}[cur]
	default:
		forms = map[string][]string{"HKD": {"HK$%d", "%d HKD", "%d Hong Kong dollars"}, "USD": {"US$%d", "%d USD"}, "CNY": {"RMB %d", "%d CNY"}}[cur]
	}
	return fmt.Sprintf(pick(rng, forms), v)
}
