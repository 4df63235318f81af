package simulate

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/triagebot/triagebot/bot"
	"github.com/triagebot/triagebot/language"
	"github.com/triagebot/triagebot/prompts"
)

// move is what the simulated user does next.
type move struct {
	text    string
	upload  *bot.Upload
	agent   bool          // Telegram's /agent command
	advance time.Duration // silence before the move
	kind    string        // what it is, for grouping failures
	person  bool          // asks for a person
	states  bool          // states the problem
}

// user plays one scenario.
type user struct {
	sc   *scenario
	rng  *rand.Rand
	lang language.Lang
	turn int // user turns sent; the opening is turn 0

	given      map[string]bool
	used       map[string]bool // phrases said, to vary them
	did        map[behaviour]bool
	restates   int
	ticket     bool // a ticket event was seen
	saidFixed  bool
	notThat    bool // told the bot it named the wrong problem
	offers     int
	lastPerson bool // the previous move asked for a person
	// spontaneous: asked for a person of its own accord (not because the
	// bot could not follow), and whether the bot had named the problem then.
	spontaneous, namedBefore bool
	forced                   bool // accepted a person after the bot did not understand
	namedOurs                bool
	misread                  bool // the bot's last naming of the problem was wrong
	afterTicket              int  // turns after the ticket appeared
	notes                    []string
	negative                 map[string]string // detail → the "none" answer given to it
}

func newUser(sc *scenario) *user {
	return &user{sc: sc, rng: rand.New(rand.NewPCG(uint64(sc.seed), 0x05e7)), lang: sc.lang,
		given: map[string]bool{}, used: map[string]bool{}, did: map[behaviour]bool{},
		negative: map[string]string{}}
}

// say picks one of the phrases, preferring one not said yet.
func (u *user) say(p phrases) string {
	return u.sayFrom(p.in(u.lang))
}

func (u *user) sayFrom(list []string) string {
	fresh := slices.DeleteFunc(slices.Clone(list), func(s string) bool { return u.used[s] })
	if len(fresh) == 0 {
		fresh = list
	}
	s := pick(u.rng, fresh)
	u.used[s] = true
	return s
}

// opening is the first message.
func (u *user) opening() move {
	sc := u.sc
	if sc.has[bPerson] && sc.person == 0 {
		u.did[bPerson], u.spontaneous, u.lastPerson = true, true, true
		if sc.personAlone {
			return u.personMove("person_opening")
		}
		m := u.statement()
		m.text += u.say(separators) + u.say(personRequests)
		m.kind, m.person = "opening+person", true
		return m
	}
	if sc.has[bVague] {
		u.did[bVague] = true
		return move{text: u.say(vagueOpen), kind: "vague"}
	}
	m := u.statement()
	if sc.has[bNoScreenshot] && !u.asksForImage() {
		// Nothing will ask for one, so the user says it up front, as the
		// issue's double-charged coffee buyer did ("I didn't take a
		// screenshot"): a negated verb that is no fraud.
		u.did[bNoScreenshot] = true
		m.text += u.say(separators) + u.say(noScreenshot)
		m.kind = "opening+no_screenshot"
	}
	if sc.has[bAllInOpening] {
		u.did[bAllInOpening] = true
		parts := []string{m.text}
		for _, d := range u.sc.volunteered() {
			if sc.unknown[d] {
				continue
			}
			parts = append(parts, fill(pick(u.rng, inOpening[d].in(u.lang)), "{x}", u.fact(d)))
			u.given[d] = true
		}
		m.text = strings.Join(parts, u.say(separators))
		m.kind = "opening(all details)"
	}
	return m
}

// statement states the problem in a paraphrase not used yet.
func (u *user) statement() move {
	list := openings[u.sc.intent].in(u.lang)
	u.restates++
	return move{text: u.sayFrom(list), kind: "opening", states: true}
}

// fact is a detail's value as this user writes it.
func (u *user) fact(d string) string {
	sc := u.sc
	switch d {
	case "time":
		return timeTexts.in(u.lang)[sc.timeIdx]
	case "amount":
		return amountText(u.rng, u.lang, sc.amount, sc.currency, false)
	case "txn":
		return sc.txn
	case "error":
		list := errorTexts[sc.intent].in(u.lang)
		if len(list) == 0 {
			return u.say(noErrorShown)
		}
		return list[sc.errIdx%len(list)]
	case "api":
		return apiTexts.in(u.lang)[sc.apiIdx]
	case "otp":
		return pick(u.rng, otpTexts[sc.otp].in(u.lang))
	}
	return ""
}

// asksForImage reports whether the problem's questions include one a
// screenshot answers.
func (u *user) asksForImage() bool {
	req := bot.Required[u.sc.intent]
	return slices.Contains(req, bot.DetailScreenshot) || slices.Contains(req, bot.DetailError)
}

// natural reports whether a user of this problem has detail d at all.
func (u *user) natural(d string) bool {
	vol := u.sc.volunteered()
	switch d {
	case "screenshot":
		return true
	case "time":
		return true // every problem started some time
	case "currency":
		return slices.Contains(vol, "amount")
	case "error":
		return slices.Contains(bot.Required[u.sc.intent], bot.DetailError)
	}
	return slices.Contains(vol, d)
}

func (u *user) personMove(kind string) move {
	u.lastPerson = true
	if u.sc.channel == "telegram" && u.rng.IntN(10) < 3 {
		return move{agent: true, kind: kind + "(/agent)", person: true}
	}
	return move{text: u.say(personRequests), kind: kind, person: true}
}

// next decides the user's answer to a burst; done when the user has
// nothing more to say.
func (u *user) next(b burst) (m move, done bool) {
	sc := u.sc
	q := read(b)
	if b.ticket || q.handed {
		// Told of a ticket, or that a person takes over: the user waits
		// for them, only answering what is still asked.
		u.ticket = true
	}
	switch {
	case q.named == sc.intent:
		u.namedOurs, u.misread = true, false
	case q.named != "":
		u.misread = true
	}
	if u.saidFixed {
		return move{}, true
	}
	if q.closed {
		// Closed though the user never said it worked: what comes next is
		// a new dialogue, asking everything again.
		u.given, u.negative = map[string]bool{}, map[string]string{}
		u.namedOurs, u.misread = false, false
	}
	if u.ticket {
		u.afterTicket++
		// With a ticket, the user only answers what is still asked.
		if q.detail == "" && !q.yesNo || u.afterTicket > 8 {
			return move{}, true
		}
	}
	if u.turn == 0 {
		u.turn++
		return u.opening(), false
	}
	defer func() { u.turn++ }()
	var adv time.Duration
	if sc.has[bSilence] && u.turn == sc.silenceAt {
		u.did[bSilence] = true
		adv = time.Duration(sc.silence) * time.Hour
	}
	if sc.has[bSwitchLang] && u.turn == sc.switchAt {
		u.did[bSwitchLang] = true
		u.lang = sc.switchTo
	}
	if adv > 0 && u.rng.IntN(2) == 0 && !u.ticket {
		m = move{text: u.say(back), kind: "back after silence"}
	} else {
		m = u.decide(q, b)
	}
	m.advance = adv
	u.lastPerson = m.person
	return m, false
}

func (u *user) decide(q question, b burst) move {
	sc := u.sc
	qr := b.replies()
	// A request for a person the bot did not act on: take its offer, else insist.
	if u.lastPerson && !u.ticket {
		if r, ok := label(qr, prompts.LabelPerson); ok {
			return move{text: r, kind: "person(tap)", person: true}
		}
		if r, ok := label(qr, prompts.LabelYes); ok && q.confirm == "" {
			return move{text: r, kind: "person(yes)", person: true}
		}
		return u.personMove("person(insist)")
	}
	if !u.ticket {
		switch {
		case sc.has[bPerson] && sc.person == u.turn && !u.did[bPerson]:
			u.did[bPerson], u.spontaneous, u.namedBefore = true, true, u.namedOurs
			if r, ok := label(qr, prompts.LabelPerson); ok && u.rng.IntN(2) == 0 {
				return move{text: r, kind: "person(tap)", person: true}
			}
			return u.personMove("person")
		case sc.has[bVague] && u.turn == 1 && u.restates == 0 && !slices.Contains(q.intentsQR, sc.intent):
			return move{text: u.say(vagueMore), kind: "vague"}
		case sc.has[bSmallTalk] && sc.smallTalkAt == u.turn:
			u.did[bSmallTalk] = true
			return move{text: u.say(smallTalk), kind: "small_talk"}
		case sc.has[bOffTopic] && sc.offTopicAt == u.turn:
			u.did[bOffTopic] = true
			return move{text: u.say(offTopic), kind: "off_topic"}
		case sc.has[bGibberish] && sc.gibberishAt == u.turn:
			u.did[bGibberish] = true
			return move{text: u.sayFrom(gibberish), kind: "gibberish"}
		case sc.has[bCorrection] && u.given["wrong_amount"] && !u.did[bCorrection]:
			u.did[bCorrection] = true
			tmpl := u.say(corrections)
			return move{text: fill(tmpl,
				"{new}", amountText(u.rng, u.lang, sc.amount, sc.currency, false),
				"{old}", amountText(u.rng, u.lang, sc.wrongAmt, sc.currency, false)), kind: "correction"}
		}
	}
	switch {
	case q.confirm != "" || q.yesNo && !q.offer:
		// Yes only to the question about its own, risky, problem.
		yes := q.confirm == sc.intent || q.confirm == "" && sc.risky()
		k := prompts.LabelNo
		typed := noTyped
		if yes {
			k, typed = prompts.LabelYes, yesTyped
		}
		if r, ok := label(qr, k); ok && u.rng.IntN(4) > 0 {
			return move{text: r, kind: "confirm(tap)"}
		}
		return move{text: u.say(typed), kind: "confirm(typed)"}
	case q.selfHelp:
		return u.selfHelpAnswer(qr)
	case q.offer:
		u.offers++
		if u.offers == 1 && u.restates < len(openings[sc.intent].in(u.lang)) {
			m := u.statement()
			m.kind = "restate(after offer)"
			return m
		}
		u.forced = true
		if r, ok := label(qr, prompts.LabelPerson); ok {
			return move{text: r, kind: "accept person(tap)", person: true}
		}
		if r, ok := label(qr, prompts.LabelYes); ok {
			return move{text: r, kind: "accept person(yes)", person: true}
		}
		return move{text: u.say(yesTyped), kind: "accept person(typed)", person: true}
	case u.misread && !u.notThat && !u.ticket:
		// The bot took it for another problem: say so, once.
		u.notThat = true
		m := u.statement()
		m.text = u.say(notThat) + m.text
		m.kind = "not that problem"
		return m
	case q.detail != "":
		return u.answer(q.detail, q.reask, qr)
	case q.clarify:
		if r, ok := intentReply(qr, sc.intent); ok {
			return move{text: r, kind: "clarify(tap)"}
		}
		if r, ok := label(qr, prompts.LabelOther); ok && u.rng.IntN(2) == 0 {
			return move{text: r, kind: "clarify(other)"}
		}
	}
	if u.restates >= len(openings[sc.intent].in(u.lang)) {
		u.forced = true
		return u.personMove("gave up")
	}
	m := u.statement()
	m.kind = "restate"
	return m
}

func (u *user) selfHelpAnswer(qr []string) move {
	// Steps for a problem the user does not have cannot have worked.
	if u.sc.fixed && !u.misread {
		u.did[bSelfHelpFixed], u.saidFixed = true, true
		if r, ok := label(qr, prompts.LabelFixed); ok && u.rng.IntN(3) > 0 {
			return move{text: r, kind: "selfhelp fixed(tap)"}
		}
		return move{text: u.say(fixedTyped), kind: "selfhelp fixed(typed)"}
	}
	u.did[bSelfHelpStill] = true
	if r, ok := label(qr, prompts.LabelStill); ok && u.rng.IntN(3) > 0 {
		return move{text: r, kind: "selfhelp still(tap)"}
	}
	return move{text: u.say(stillTyped), kind: "selfhelp still(typed)"}
}

// answer answers a detail question from the scenario.
func (u *user) answer(d string, reask bool, qr []string) move {
	sc := u.sc
	if sc.has[bOutOfOrder] && !u.did[bOutOfOrder] && d != "screenshot" && d != "currency" {
		var others []string
		for _, o := range sc.volunteered() {
			if o != d && !u.given[o] && !sc.unknown[o] {
				others = append(others, o)
			}
		}
		if len(others) > 0 {
			u.did[bOutOfOrder] = true
			u.rng.Shuffle(len(others), func(i, j int) { others[i], others[j] = others[j], others[i] })
			var parts []string
			for _, o := range others {
				parts = append(parts, u.fact(o))
				u.given[o] = true
			}
			return move{text: strings.Join(parts, u.say(separators)), kind: "out_of_order(asked " + d + ")"}
		}
	}
	if !u.natural(d) {
		return move{text: u.say(notApplicable), kind: "not applicable(" + d + ")"}
	}
	switch {
	case u.negative[d] != "":
		u.notes = append(u.notes, fmt.Sprintf("asked again for %s after %q", d, u.negative[d]))
	case u.given[d] && !reask && d != "currency":
		u.notes = append(u.notes, "asked again for "+d+", already given")
	}
	m := u.answerDetail(d, reask, qr)
	if strings.HasPrefix(m.kind, "dont_know") || strings.HasPrefix(m.kind, "no") {
		u.negative[d] = m.text // no_screenshot…, not applicable, no error shown
	}
	return m
}

func (u *user) answerDetail(d string, reask bool, qr []string) move {
	sc := u.sc
	if sc.unknown[d] {
		u.did[bDontKnow] = true
		return move{text: u.say(dontKnow), kind: "dont_know(" + d + ")"}
	}
	defer func() { u.given[d] = true }()
	switch d {
	case "time":
		form := timeTexts.in(u.lang)[sc.timeIdx]
		if reask { // said another way, as a person asked again would
			form = timeTexts.in(u.lang)[(sc.timeIdx+1)%len(timeTexts.en)]
		}
		return move{text: fill(u.say(timeAnswers), "{x}", form), kind: "time"}
	case "amount":
		if sc.has[bCorrection] && !u.given["wrong_amount"] {
			u.given["wrong_amount"] = true
			return move{text: fill(u.say(amountAnswers), "{x}", amountText(u.rng, u.lang, sc.wrongAmt, sc.currency, sc.bareAmount && !reask)), kind: "amount(wrong)"}
		}
		return move{text: fill(u.say(amountAnswers), "{x}", amountText(u.rng, u.lang, sc.amount, sc.currency, sc.bareAmount && !reask)), kind: "amount"}
	case "currency":
		k := map[string]prompts.Key{"HKD": prompts.LabelHKD, "USD": prompts.LabelUSD, "CNY": prompts.LabelCNY}[sc.currency]
		if r, ok := label(qr, k); ok {
			return move{text: r, kind: "currency(tap)"}
		}
		return move{text: sc.currency, kind: "currency"}
	case "txn":
		return move{text: fill(u.say(txnAnswers), "{x}", sc.txn), kind: "txn"}
	case "screenshot":
		if sc.shot {
			return u.screenshot()
		}
		u.did[bNoScreenshot] = sc.has[bNoScreenshot]
		return move{text: u.say(noScreenshot), kind: "no_screenshot"}
	case "error":
		switch {
		case sc.has[bNoScreenshot] && !u.given["error"]:
			// The false alarm: "I don't have a screenshot" to
			// "what error do you see? ... or send a screenshot".
			u.did[bNoScreenshot] = true
			return move{text: u.say(noScreenshot), kind: "no_screenshot(error)"}
		case sc.shot && u.rng.IntN(3) == 0:
			return u.screenshot()
		case sc.noError:
			return move{text: u.say(noErrorShown), kind: "no error shown"}
		}
		return move{text: fill(u.say(errorAnswers), "{x}", u.fact("error")), kind: "error"}
	case "api":
		return move{text: fill(u.say(apiAnswers), "{x}", u.fact("api")), kind: "api"}
	case "otp":
		k := map[string]prompts.Key{"sms": prompts.LabelSMS, "email": prompts.LabelEmail}[sc.otp]
		if r, ok := label(qr, k); ok && u.rng.IntN(10) < 7 {
			return move{text: r, kind: "otp(tap)"}
		}
		return move{text: u.fact("otp"), kind: "otp"}
	}
	return move{text: u.say(notApplicable), kind: "not applicable(" + d + ")"}
}

// screenshot sends the status screen: a PNG on the web; on Telegram a
// photo (which Telegram recompresses to JPEG) or a PNG document, sometimes
// with a caption.
func (u *user) screenshot() move {
	m := move{kind: "screenshot"}
	switch {
	case u.sc.channel == "telegram" && u.rng.IntN(2) == 0:
		m.upload = &bot.Upload{Filename: "photo-" + randCode(u.rng, 8) + ".jpg", ContentType: "image/jpeg", Data: smallJPEG}
	default:
		m.upload = &bot.Upload{Filename: "screenshot.png", ContentType: "image/png", Data: smallPNG}
	}
	if u.sc.channel == "telegram" && u.rng.IntN(5) == 0 {
		m.text = map[language.Lang]string{language.ZhHant: "呢張係截圖", language.ZhHans: "这是截图", language.English: "here's the screenshot"}[u.lang]
		m.kind = "screenshot+caption"
	}
	return m
}

// smallPNG and smallJPEG are real 8×8 images of a status screen's colours.
var smallPNG, smallJPEG = func() ([]byte, []byte) {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for y := range 8 {
		for x := range 8 {
			img.Set(x, y, color.RGBA{R: uint8(30 * x), G: 120, B: uint8(30 * y), A: 255})
		}
	}
	var p, j bytes.Buffer
	if err := png.Encode(&p, img); err != nil {
		panic(fmt.Sprintf("png: %v", err))
	}
	if err := jpeg.Encode(&j, img, nil); err != nil {
		panic(fmt.Sprintf("jpeg: %v", err))
	}
	return p.Bytes(), j.Bytes()
}()
