package bot

import (
	"cmp"
	"errors"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/triagebot/triagebot/intents"
	"github.com/triagebot/triagebot/language"
	"github.com/triagebot/triagebot/prompts"
	"github.com/triagebot/triagebot/tickets"
)

// Thresholds of the dialogue, on the classifier's calibrated confidence.
const (
	// switchAbove is the confidence a message needs to change the problem
	// in the middle of gathering details: an answer ("it says network
	// error") often looks like another problem, so the bar is above
	// intents.ClarifyBelow.
	switchAbove = 0.75
	// switchAboveFree is the bar while a free-text answer (an error
	// message, an API name) is expected: almost any text answers it.
	switchAboveFree = 0.9
	// candidateAbove is the least confidence for a problem to be offered
	// when clarifying; below it, offering it would be a wild guess.
	candidateAbove = 0.08
	// maxCandidates is how many problems a clarifying question offers.
	maxCandidates = 3
	// maxFreeText bounds a free-text detail kept for the agent.
	maxFreeText = 300
	// maxStatusTickets is how many tickets a status answer lists.
	maxStatusTickets = 3
)

// turn is one user event being applied to a conversation inside a
// transaction.
type turn struct {
	e    *Engine
	tx   tickets.Tx
	conv *tickets.Conversation
	st   *state
	an   *analysis
	up   *upload
	now  time.Time
	out  outbox

	ticket  *tickets.Ticket // the conversation's open ticket, if any
	created bool            // ticket was created in this turn

	phaseBefore phase // the phase the turn began in (outcomes.go)
}

func (t *turn) lang() language.Lang { return conversationLang(*t.conv) }

func (t *turn) render(k prompts.Key, data any) string { return prompts.Render(t.lang(), k, data) }

// say sends a bot message and records it in the transcript.
func (t *turn) say(text string, quickReplies []string) {
	t.out.say(tickets.FromBot, text, quickReplies)
	t.record(tickets.Entry{From: tickets.FromBot, Text: text, At: t.now})
}

// record adds an entry to the ticket's transcript once there is a ticket,
// else to the dialogue's.
func (t *turn) record(e tickets.Entry) {
	if t.ticket != nil {
		t.ticket.Transcript = append(t.ticket.Transcript, e)
		t.ticket.UpdatedAt = t.now
		return
	}
	t.st.record(e)
}

// join makes one message of several sentences (nil-safe for empty parts).
func join(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		if p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString(p)
	}
	return b.String()
}

func (t *turn) run() error {
	if t.st.Rating != "" {
		// The satisfaction question of a resolved ticket is open (csat.go).
		if done, err := t.onRating(); done || err != nil {
			return err
		}
	}
	if t.conv.TicketID != "" {
		tk, err := t.tx.Ticket(t.conv.TicketID)
		switch {
		case err == nil && tk.Status != tickets.Resolved:
			t.ticket = &tk
			return t.withTicket()
		case err != nil && !errors.Is(err, tickets.ErrNotFound):
			return err
		}
		// Resolved (or gone): whatever the user says now is a new dialogue.
		t.conv.TicketID = ""
		t.st.reset()
	}
	if t.st.Phase == phaseEscalated || t.st.Phase == phaseClosed {
		t.st.reset()
	}
	if t.an.text != "" && !t.an.classified() {
		return errNeedClassify
	}
	t.updateLang()
	if t.up != nil {
		return t.noRepeat(t.onUpload())
	}
	t.record(tickets.Entry{From: tickets.FromUser, Text: t.an.masked, At: t.now})
	t.mergeEntities(true)
	return t.noRepeat(t.onText())
}

// noRepeat keeps the promise that, before a ticket exists, no two user
// turns get the same answer: an answer that would repeat the previous one
// is replaced by the next rung of the fallback ladder (whose own texts
// differ, and whose last rung is a ticket).
func (t *turn) noRepeat(err error) error {
	if err != nil || t.ticket != nil {
		return err
	}
	said := t.out.text()
	if said != "" && said == t.st.LastSaid {
		t.unsay()
		if err := t.climb(); err != nil || t.ticket != nil {
			return err
		}
		said = t.out.text()
	}
	t.st.LastSaid = said
	return nil
}

// unsay takes back what this turn said (not yet sent: the outbox is
// written when the transaction commits).
func (t *turn) unsay() {
	n := 0
	for _, m := range t.out.msgs {
		if m.Kind == tickets.KindMessage {
			n++
		}
	}
	t.out.msgs = nil
	tr := t.st.Transcript
	for n > 0 && len(tr) > 0 && tr[len(tr)-1].From == tickets.FromBot {
		tr, n = tr[:len(tr)-1], n-1
	}
	t.st.Transcript = tr
}

// updateLang follows the language of the latest message that says enough.
func (t *turn) updateLang() {
	if t.an.text == "" {
		return
	}
	lang := intents.DetectLang(t.an.text)
	if t.an.res != nil && t.an.res.Lang.Valid() {
		lang = t.an.res.Lang
	}
	if !lang.Valid() {
		return
	}
	if t.conv.Lang == "" || langSignal(t.an.text, lang) && scriptSwitch(language.Lang(t.conv.Lang), lang, t.an.text) {
		t.conv.Lang = string(lang)
	}
}

// mergeEntities copies the message's details into the dialogue; a later
// value replaces an earlier one (a correction). With overwrite false only
// empty fields are filled (messages to an agent after the dialogue ended).
func (t *turn) mergeEntities(overwrite bool) {
	d, en := &t.st.Details, t.an.ents
	if en.Time != nil && (overwrite || d.Time == "") {
		d.Time, d.TimeGrain = en.Time.Value.Format(time.RFC3339), string(en.Time.Grain)
	}
	if en.Amount != nil && (overwrite || d.Amount == "") {
		d.Amount, d.Currency = en.Amount.Value, en.Amount.Currency
	}
	if en.TransactionID != nil && (overwrite || d.TransactionID == "") {
		d.TransactionID = en.TransactionID.Value
	}
}

// found reports whether this message gave detail d.
func (t *turn) found(d Detail) bool {
	switch d {
	case DetailTime:
		return t.an.ents.Time != nil
	case DetailAmount:
		return t.an.ents.Amount != nil
	case DetailTxn:
		return t.an.ents.TransactionID != nil
	}
	return false
}

// onText handles a user's text. A request for a person comes first in
// every phase; then the answer to a confirming question, then a quick
// reply, then what the message means in the dialogue's phase.
func (t *turn) onText() error {
	act := matchLabel(t.an.text)
	// A person is always reachable: a request for one, in any phase and
	// any phrasing, opens a ticket now.
	if act.kind == actPerson || act.kind == actNone && t.asksPerson() {
		return t.toPerson()
	}
	if t.st.Phase == phaseConfirm {
		if done, err := t.onConfirm(act); done {
			return err
		}
	}
	if done, err := t.onQuickReply(act); done {
		return err
	}
	if h, ok := textInPhase[t.st.Phase]; ok {
		return h(t)
	}
	return t.textStart()
}

// textInPhase is what a message means in each phase of a dialogue that
// has no ticket yet (escalated and closed dialogues start over in run).
var textInPhase = map[phase]func(*turn) error{
	phaseStart:    (*turn).textStart,
	phaseClarify:  (*turn).textStart,
	phaseGather:   (*turn).textGather,
	phaseSelfHelp: (*turn).textSelfHelp,
}

// sure reports a verdict confident enough to act on.
func (t *turn) sure() bool { return t.an.res.Confidence >= intents.ClarifyBelow }

// onQuickReply acts on a quick reply, which says exactly what the user
// wants; done is false when the reply means nothing in this phase.
func (t *turn) onQuickReply(act action) (done bool, err error) {
	st := t.st
	switch act.kind {
	case actStill:
		if st.Phase == phaseSelfHelp {
			return true, t.escalate("")
		}
		return true, t.toPerson()
	case actFixed:
		if st.Phase == phaseSelfHelp || st.Phase == phaseGather {
			return true, t.closeFixed()
		}
	case actIntent:
		if act.intent != st.Intent {
			return true, t.startProblem(act.intent, st.Phase == phaseGather || st.Phase == phaseSelfHelp)
		}
	case actOther:
		if st.Phase == phaseClarify {
			st.enter(phaseStart)
			t.say(t.render(prompts.Describe, nil), nil)
			return true, nil
		}
	}
	return false, nil
}

// textGather reads a message while a detail is asked for: first as the
// answer, then as a new problem only when it clearly states one.
func (t *turn) textGather() error {
	st, r := t.st, t.an.res
	risk := t.an.riskOf()
	switch {
	case t.noneGiven():
		// An answer is read as an answer first: "I don't know" or "I
		// don't have a screenshot" is never a new problem (classifiers
		// read both as "a payment I didn't make").
	case risk != "" && risk != st.Intent:
		return t.startProblem(risk, true)
	case intents.NotIt(t.an.text) && !t.found(st.Pending):
		return t.notIt()
	case t.sure() && r.Intent == intents.TicketStatus && !t.found(st.Pending):
		return t.status()
	case st.Pending == DetailAPI:
		// An API's name ("the refund API") reads like a problem; it is
		// the answer.
	case r.Intent.IsProblem() && r.Intent != st.Intent && r.Confidence >= t.switchBar() && !t.found(st.Pending):
		return t.switchTo(r.Intent)
	}
	return t.absorb()
}

// notIt goes back to asking what happened when the user says the bot
// named the wrong problem; what they told so far is kept.
func (t *turn) notIt() error {
	st := t.st
	st.Intent, st.Pending = "", ""
	st.enter(phaseStart)
	t.say(t.render(prompts.Describe, nil), nil)
	return nil
}

// textSelfHelp reads the answer to "did this solve the problem?".
func (t *turn) textSelfHelp() error {
	st, r, sure := t.st, t.an.res, t.sure()
	risk := t.an.riskOf()
	switch {
	case intents.Solved(t.an.text):
		return t.closeFixed()
	case intents.YesNo(t.an.text) == intents.No || t.bareDontKnow() || intents.NoneGiven(t.an.text):
		// "Not sure if it helped" is not a new problem (classifiers read
		// "I don't know" as "a payment I don't know of"): a person checks.
		return t.escalate("")
	case risk != "" && risk != st.Intent:
		return t.startProblem(risk, true)
	case intents.NotIt(t.an.text):
		return t.notIt()
	case sure && r.Intent.IsProblem() && r.Intent != st.Intent:
		return t.switchTo(r.Intent)
	case sure && r.Intent == intents.TicketStatus:
		return t.status()
	}
	// Anything else after self-help (noise, "hello? still there?") means
	// it did not help: only a yes, a thank-you or "it works" closes.
	return t.escalate("")
}

// textStart reads a message while no problem is known yet (phaseStart or
// phaseClarify).
func (t *turn) textStart() error {
	st, r, sure := t.st, t.an.res, t.sure()
	risk := t.an.riskOf()
	detailsOnly := t.an.ents != (intents.Entities{}) &&
		!(sure && (r.Intent.IsProblem() || r.Intent == intents.TicketStatus))
	switch {
	case risk != "":
		// Words of a theft or a freeze are unmistakable, whether or not
		// the classifier placed them: the risky route, urgent.
		return t.startProblem(risk, false)
	case sure && r.Intent.IsProblem():
		if risky(r.Intent) {
			// Without such words a risky verdict is asked about first:
			// "my wallet has a problem" must not raise an urgent alarm.
			return t.confirm(r.Intent)
		}
		return t.startProblem(r.Intent, false)
	case t.bareDontKnow() || detailsOnly:
		// A bare "I don't know" says nothing about the problem yet; details
		// before the problem ("HK$300", "TX123") are kept, and the user is
		// asked what happened.
		t.say(t.render(prompts.Describe, nil), nil)
		return nil
	case sure && r.Intent == intents.TicketStatus:
		return t.status()
	case sure && r.Intent == intents.Greeting:
		t.say(t.render(prompts.GreetingReply, nil), nil)
		return nil
	case sure && r.Intent == intents.OutOfScope && st.Misses == 0:
		// Not a payment question: the ladder's first rung, saying what
		// the bot is for.
		st.Misses = 1
		return t.offerChoices(prompts.OutOfScope)
	}
	return t.climb()
}

// guessAbove is the least confidence for the likeliest problem to be put on
// a ticket the user asks a person for before choosing one.
const guessAbove = 0.25

// asksPerson reports a request for a person: the words of one in any of
// the three languages, or the classifier's confident verdict.
func (t *turn) asksPerson() bool {
	if t.an.asksForPerson() {
		return true
	}
	r := t.an.res
	if t.st.Phase == phaseGather {
		// While an answer is expected the bar is higher: "I need it for
		// my rent" is not a request for a person.
		return r.Intent == intents.HumanAgent && r.Confidence >= t.switchBar()
	}
	return wantsHuman(r)
}

// climb is one rung up the fallback ladder, taken when the bot did not
// understand (or would repeat itself): first the likeliest problems and a
// person as choices, then a person outright, then a ticket.
func (t *turn) climb() error {
	st := t.st
	st.Misses++
	switch {
	case st.Misses == 1 && (st.Phase == phaseStart || st.Phase == phaseClarify):
		return t.offerChoices("")
	case st.Misses <= 2:
		t.say(t.render(prompts.OfferPerson, nil), labels(t.lang(), prompts.LabelPerson))
		return nil
	}
	if st.Intent == "" {
		if risk := t.dialogueRisk(); risk != "" {
			return t.startProblem(risk, false)
		}
		st.Intent = st.Guess // "" when nothing stood out: the general queue
	}
	return t.escalate(prompts.Unclear)
}

// offerChoices asks which of the likeliest problems it is, with "something
// else" and "talk to a person" as ways out. key, when set, is the question
// (else Clarify, or ClarifyAgain when no problem stands out).
func (t *turn) offerChoices(key prompts.Key) error {
	st := t.st
	cands := problemCandidates(t.an.res, candidateAbove)
	if key == "" {
		key = prompts.Clarify
	}
	if len(cands) == 0 {
		// Nothing stands out: offer the likeliest anyway, and say that
		// the message was not understood.
		// Risky problems are left out of these: offering "a payment I
		// didn't make" for words it does not resemble would alarm.
		if key == prompts.Clarify {
			key = prompts.ClarifyAgain
		}
		for _, c := range problemCandidates(t.an.res, 0) {
			if !risky(c) {
				cands = append(cands, c)
			}
		}
	}
	st.enter(phaseClarify)
	st.Candidates, st.Guess = cands, guessOf(t.an.res)
	keys := make([]prompts.Key, 0, len(cands)+2)
	for _, c := range cands {
		keys = append(keys, prompts.IntentLabel(string(c)))
	}
	keys = append(keys, prompts.LabelOther, prompts.LabelPerson)
	t.say(t.render(key, nil), labels(t.lang(), keys...))
	return nil
}

// guessOf is the likeliest problem of a verdict when it stands out enough
// to put on a ticket, or "". Risky problems are never guessed: a wrong
// guess would be a false alarm, so those need their words.
func guessOf(r *intents.Result) intents.Intent {
	if r == nil {
		return ""
	}
	for _, c := range r.Candidates {
		if c.Intent.IsProblem() && !risky(c.Intent) {
			if c.Confidence >= guessAbove {
				return c.Intent
			}
			break
		}
	}
	return ""
}

// toPerson opens a ticket for a person. A problem already known or
// guessed goes on the ticket; when nothing was asked about it yet, the few
// details an agent needs are asked while the ticket waits (each may be
// skipped, and asking for a person again ends the questions).
func (t *turn) toPerson() error {
	st := t.st
	if st.Phase == phaseConfirm {
		// Asked whether it is a theft and answered "a person": the team
		// that can tell gets it.
		st.Intent = st.Confirm
		st.enter(st.Resume)
	}
	if st.Intent == "" {
		// The choices' guess, else what this very message is about ("a
		// person please, my withdrawal is stuck"); a confident risky
		// verdict counts here, as no question can be asked first.
		st.Intent = cmp.Or(st.Guess, guessOf(t.an.res))
		if r := t.an.res; st.Intent == "" && r != nil && risky(r.Intent) && r.Confidence >= intents.ClarifyBelow {
			st.Intent = r.Intent
		}
	}
	if st.Intent == "" {
		if risk := t.dialogueRisk(); risk != "" {
			// A theft report the bot could not read still goes urgent to
			// the fraud route, never as a plain request at normal priority.
			return t.startProblem(risk, false)
		}
	}
	early := st.Phase == phaseStart || st.Phase == phaseClarify
	if _, missing := st.missing(); early && missing && !risky(st.Intent) {
		if err := t.openTicket(""); err != nil {
			return err
		}
		st.Gathering = true
		return t.askNext(t.render(prompts.HumanGather, nil))
	}
	return t.escalate(prompts.HumanNow)
}

// dialogueRisk is the risky problem any of the user's messages in this
// dialogue states unmistakably, or "".
func (t *turn) dialogueRisk() intents.Intent {
	for _, e := range t.st.dialogueTranscript() {
		if e.From == tickets.FromUser {
			if risk := intents.RiskOf(e.Text); risk != "" {
				return risk
			}
		}
	}
	return ""
}

// switchTo changes the problem mid-dialogue; a switch to a risky problem on
// words that are not unmistakable asks first, so a misread answer never
// raises a false alarm.
func (t *turn) switchTo(in intents.Intent) error {
	if risky(in) {
		return t.confirm(in)
	}
	return t.startProblem(in, true)
}

// confirm asks whether the risky problem in is really what happened.
func (t *turn) confirm(in intents.Intent) error {
	st := t.st
	st.Confirm, st.Resume = in, st.Phase
	st.enter(phaseConfirm)
	t.say(t.render(prompts.ConfirmRisky(string(in)), nil), labels(t.lang(), prompts.LabelYes, prompts.LabelNo))
	return nil
}

// onConfirm reads the answer to the confirming question. Yes (or the
// unmistakable words) starts the risky problem; no goes back to where the
// dialogue was; anything else is read in that phase as if not asked.
func (t *turn) onConfirm(act action) (bool, error) {
	st := t.st
	in := st.Confirm
	st.enter(st.Resume)
	yn := intents.YesNo(t.an.text)
	switch {
	case act.kind == actNo || yn == intents.No:
		return true, t.resume()
	case act.kind == actYes || yn == intents.Yes || t.an.riskOf() == in || t.bareDontKnow():
		// "Not sure" cannot rule a theft out: the team that can check gets it.
		return true, t.startProblem(in, st.Phase == phaseGather || st.Phase == phaseSelfHelp)
	}
	return false, nil
}

// resume goes back to the question that was open before the confirming
// one, introduced by the problem it is about.
func (t *turn) resume() error {
	st := t.st
	if st.Intent == "" {
		st.enter(phaseStart)
		t.say(t.render(prompts.Describe, nil), nil)
		return nil
	}
	problem := t.render(prompts.IntentLabel(string(st.Intent)), nil)
	lead := t.render(prompts.ConfirmBack, map[string]any{"Problem": problem})
	if st.Phase == phaseSelfHelp {
		t.say(join(lead, t.render(prompts.SelfHelpAsk, nil)),
			labels(t.lang(), prompts.LabelFixed, prompts.LabelStill, prompts.LabelPerson))
		return nil
	}
	return t.askNext(lead)
}

// closeFixed ends a dialogue the user says is solved.
func (t *turn) closeFixed() error {
	t.st.enter(phaseClosed)
	t.say(t.render(prompts.ClosedFixed, nil), nil)
	return nil
}

// noneGiven reports an answer that gives nothing for the open question:
// "don't know", or for a screenshot or an error message any way of saying
// there is none ("I didn't take one", 冇截到, 没存).
func (t *turn) noneGiven() bool {
	if t.an.dontKnow {
		return true
	}
	switch t.st.Pending {
	case DetailScreenshot, DetailError:
		return intents.NoneGiven(t.an.text)
	}
	return false
}

// humanSecond is the least confidence for human_agent as the runner-up
// behind out_of_scope to count as a request for a person: "I still need
// someone to help me" often scores that way.
const humanSecond = 0.3

// wantsHuman reports a confident request for a person.
func wantsHuman(r *intents.Result) bool {
	if r.Intent == intents.HumanAgent && r.Confidence >= intents.ClarifyBelow {
		return true
	}
	c := r.Candidates
	return len(c) > 1 && c[0].Intent == intents.OutOfScope && c[1].Intent == intents.HumanAgent && c[1].Confidence >= humanSecond
}

func (t *turn) switchBar() float64 {
	if p := t.st.Pending; p != "" && !p.parsed() && p != DetailScreenshot {
		return switchAboveFree
	}
	return max(switchAbove, intents.ClarifyBelow)
}

// problemCandidates are the likeliest problems at or above the confidence
// floor, best first.
func problemCandidates(r *intents.Result, floor float64) []intents.Intent {
	if r == nil {
		return nil
	}
	var out []intents.Intent
	for _, c := range r.Candidates {
		if c.Intent.IsProblem() && c.Intent.Valid() && c.Confidence >= floor {
			out = append(out, c.Intent)
			if len(out) == maxCandidates {
				break
			}
		}
	}
	return out
}

// startProblem begins (or switches to) gathering for a problem.
func (t *turn) startProblem(in intents.Intent, switched bool) error {
	st := t.st
	st.Intent, st.Candidates, st.Pending, st.Guess, st.Misses = in, nil, "", "", 0
	problem := t.render(prompts.IntentLabel(string(in)), nil)
	lead := t.render(prompts.ProblemAck, map[string]any{"Problem": problem})
	if switched {
		lead = t.render(prompts.SwitchProblem, map[string]any{"Problem": problem})
	}
	t.prefill()
	if risky(in) {
		// The urgent ticket exists at once, so the team sees it even if the
		// user leaves now; the user hears its id once the few quick
		// questions are done, when the ticket holds what they told us.
		t.say(join(lead, t.render(prompts.SafetyKey(string(in)), nil)), nil)
		if err := t.openTicket(""); err != nil {
			return err
		}
		st.Gathering = true
		return t.askNext("")
	}
	st.enter(phaseGather)
	return t.askNext(lead)
}

// prefill takes from the message that names the problem the free-text
// details it already holds, so they are not asked again: the error shown
// ("it says 'session expired'", 提示「系統繁忙」) and where a code should
// arrive.
func (t *turn) prefill() {
	st := t.st
	req := Required[st.Intent]
	if slices.Contains(req, DetailError) && st.Details.ErrorMessage == "" {
		if q := errorQuote(t.an.masked); q != "" {
			st.Details.ErrorMessage = clip(q)
		}
	}
	if slices.Contains(req, DetailOTPChannel) && st.OTPChannel == "" {
		st.OTPChannel = otpChannel(t.an.masked)
	}
}

// errorQuotes find the words of an error message in a report: quoted, or
// after "says" / 顯示 / 提示 / 話.
var errorQuotes = []*regexp.Regexp{
	regexp.MustCompile(`[“"「『]([^”"」』]{3,120})[”"」』]`),
	regexp.MustCompile(`(?i)\b(?:it says|says|said|shows|showing|displays|error(?: message)?:)\s*[:：]?\s*([^.!?。！？\n]{3,120})`),
	regexp.MustCompile(`(?:提示|顯示|显示|報錯|报错|寫住|写着|彈出|弹出)[:：]?\s*([^。！？!?\n]{2,120})`),
}

func errorQuote(text string) string {
	for _, re := range errorQuotes {
		if m := re.FindStringSubmatch(text); m != nil {
			return strings.TrimSpace(m[len(m)-1])
		}
	}
	return ""
}

// absorb takes the user's message as the answer to the pending question,
// then asks for what is still missing.
func (t *turn) absorb() error {
	st := t.st
	p := st.Pending
	prefix := ""
	text := strings.TrimSpace(t.an.masked)
	// A message may say where the code should go while answering
	// something else ("it never comes to my e-mail").
	if slices.Contains(Required[st.Intent], DetailOTPChannel) && !st.has(DetailOTPChannel) {
		st.OTPChannel = otpChannel(text)
	}
	// Small talk ("thanks") is not an answer to a free-text question.
	chat := t.an.res != nil && t.an.res.Intent == intents.Greeting && t.an.res.Confidence >= intents.ClarifyBelow
	if p != "" && !st.has(p) {
		switch {
		case t.noneGiven():
			st.Skipped = append(st.Skipped, p)
			prefix = t.render(prompts.Skip, nil)
		case p == DetailError && !chat:
			st.Details.ErrorMessage = clip(text)
		case p == DetailAPI && !chat:
			st.API = clip(text)
		case p == DetailAmount && t.bareAmount(text):
			// "800" answering "how much?": the currency question follows. (A
			// figure alone is never small talk, even when it scores so: "2k".)
		case p == DetailCurrency:
			// Asked once only (it has no re-ask text): a reply that names no
			// currency leaves it open.
			st.Details.Currency = intents.Currency(text)
		case p.parsed() && t.gaveOther(p):
			// A correction of another detail ("sorry, it was 500 not 300"):
			// acknowledge it, then ask again for what is still missing.
			prefix = t.render(prompts.Noted, nil)
		case p.parsed() && st.Asked[p] < 2:
			// Not found in the answer: say so before asking again.
			prefix = t.render(prompts.NotFound, nil)
		}
	}
	if t.ticket != nil {
		t.ticket.Details = st.Details
	}
	return t.askNext(prefix)
}

// otpChannel reads where the code should arrive from a quick reply or
// words in the text; "" when it says neither.
func otpChannel(text string) string {
	switch act := matchLabel(text); act.kind {
	case actSMS:
		return "sms"
	case actEmail:
		return "email"
	}
	low := strings.ToLower(text)
	for _, w := range []string{"mail", "郵", "邮"} {
		if strings.Contains(low, w) {
			return "email"
		}
	}
	for _, w := range []string{"sms", "text message", "短訊", "短信", "手機", "手机", "phone"} {
		if strings.Contains(low, w) {
			return "sms"
		}
	}
	return ""
}

func clip(s string) string {
	if utf8.RuneCountInString(s) <= maxFreeText {
		return s
	}
	return string([]rune(s)[:maxFreeText]) + "…"
}

// askNext asks for the next missing detail, or, when nothing is missing,
// moves on: self-help before a ticket, a closing note after one. A detail is
// asked at most twice: plainly, then once more with an example when the
// answer did not parse. After that it is skipped.
func (t *turn) askNext(prefix string) error {
	st := t.st
	for {
		d, ok := st.missing()
		if !ok {
			break
		}
		n := st.Asked[d]
		key := prompts.Ask(string(d))
		if n >= 1 {
			key = prompts.Reask(string(d))
			if n >= 2 || !prompts.Has(key) {
				st.Skipped = append(st.Skipped, d)
				continue
			}
		}
		if st.Asked == nil {
			st.Asked = map[Detail]int{}
		}
		st.Asked[d] = n + 1
		st.Pending = d
		var qr []string
		switch d {
		case DetailOTPChannel:
			qr = labels(t.lang(), prompts.LabelSMS, prompts.LabelEmail)
		case DetailCurrency:
			qr = labels(t.lang(), prompts.LabelHKD, prompts.LabelUSD, prompts.LabelCNY)
		}
		t.say(join(prefix, t.render(key, nil)), qr)
		return nil
	}
	st.Pending = ""
	if t.ticket != nil {
		if st.Gathering {
			st.Gathering = false
			if prefix != "" {
				t.say(prefix, nil)
			}
			t.ticket.Details = st.Details
			t.tellTicket()
		}
		return nil
	}
	return t.selfHelp(prefix)
}

// selfHelp shows the problem's self-help steps and asks whether they
// worked; a problem without self-help goes straight to a person.
func (t *turn) selfHelp(prefix string) error {
	key, ok := prompts.SelfHelpKey(string(t.st.Intent))
	if !ok {
		if prefix != "" {
			t.say(prefix, nil)
		}
		return t.escalate("")
	}
	t.st.enter(phaseSelfHelp)
	t.say(join(prefix, t.render(key, nil), t.render(prompts.SelfHelpAsk, nil)),
		labels(t.lang(), prompts.LabelFixed, prompts.LabelStill, prompts.LabelPerson))
	return nil
}

// onUpload stores an attachment and treats it as the answer to a request
// for a screenshot (or an error screen).
func (t *turn) onUpload() error {
	st := t.st
	if err := t.storeUpload(); err != nil {
		return err
	}
	st.Attachments = append(st.Attachments, t.up.att)
	t.record(tickets.Entry{From: tickets.FromUser, Text: t.attachmentNote(), At: t.now})
	switch st.Phase {
	case phaseGather:
		if st.Pending == DetailScreenshot || st.Pending == DetailError || st.Pending == "" {
			return t.askNext(t.render(prompts.Received, nil))
		}
		t.say(t.render(prompts.Received, nil), nil)
	case phaseSelfHelp:
		t.say(t.render(prompts.Received, nil), nil)
	default:
		t.say(t.render(prompts.ReceivedEarly, nil), nil)
	}
	return nil
}

func (t *turn) attachmentNote() string {
	return t.render(prompts.AttachmentNote, map[string]any{"Filename": t.up.att.Filename})
}

// withTicket handles a message while a person has the conversation: the
// user's words go to the ticket; the bot only still asks for details of a
// risky problem it escalated at once, and acknowledges once.
func (t *turn) withTicket() error {
	st, tk := t.st, t.ticket
	t.updateLang()
	if t.up != nil {
		if err := t.storeUpload(); err != nil {
			return err
		}
		st.Attachments = append(st.Attachments, t.up.att)
		tk.Attachments = append(tk.Attachments, t.up.att)
		t.record(tickets.Entry{From: tickets.FromUser, Text: t.attachmentNote(), At: t.now})
	} else {
		t.record(tickets.Entry{From: tickets.FromUser, Text: t.an.masked, At: t.now})
	}
	if st.Gathering {
		if t.up == nil {
			if act := matchLabel(t.an.text).kind; act == actPerson || act == actStill || t.an.asksForPerson() {
				// Asked for a person again while the questions run: stop
				// asking, the ticket is theirs now.
				t.mergeEntities(true)
				st.Gathering, st.Pending = false, ""
				tk.Details = st.Details
				t.tellTicket()
				return nil
			}
			t.mergeEntities(true)
			return t.absorb()
		}
		if st.Pending == DetailScreenshot || st.Pending == DetailError {
			return t.askNext(t.render(prompts.Received, nil))
		}
		t.say(t.render(prompts.Received, nil), nil)
		return nil
	}
	if t.up == nil {
		t.mergeEntities(false)
		tk.Details = st.Details
	}
	if !st.Acked {
		st.Acked = true
		t.say(t.render(prompts.AddedToTicket, map[string]any{"TicketID": tk.ID}), nil)
	}
	return nil
}

// status answers "what happened to my ticket?".
func (t *turn) status() error {
	list, err := t.tx.TicketsOfUser(t.conv.Channel, t.conv.User.ID)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		t.say(t.render(prompts.StatusNone, nil), nil)
		return nil
	}
	rows := make([]map[string]string, 0, maxStatusTickets)
	for _, tk := range list[:min(len(list), maxStatusTickets)] {
		rows = append(rows, map[string]string{
			"ID": tk.ID, "Queue": tk.Queue, "Status": t.render(prompts.StatusLabel(string(tk.Status)), nil),
		})
	}
	t.say(t.render(prompts.StatusList, map[string]any{"Tickets": rows}), nil)
	return nil
}

// bareDontKnow reports whether the message is only a "don't know" answer
// ("not sure", 唔知), as opposed to a report that starts with one
// (「唔知邊個碌咗我張卡」, "I don't know who made this payment").
func (t *turn) bareDontKnow() bool {
	if !t.an.dontKnow {
		return false
	}
	text := strings.TrimSpace(t.an.text)
	for _, r := range text {
		if unicode.Is(unicode.Han, r) {
			return utf8.RuneCountInString(text) <= 5
		}
	}
	return len(strings.Fields(text)) <= 4
}

// gaveOther reports whether this message gave a parsed detail other than d
// (mergeEntities has already taken it in).
func (t *turn) gaveOther(d Detail) bool {
	for _, o := range []Detail{DetailTime, DetailAmount, DetailTxn} {
		if o != d && t.found(o) {
			return true
		}
	}
	return false
}

// bareAmount takes a reply that is only a figure as the amount asked for
// (the extractor alone reads "800" as no amount: out of context it is not
// money).
func (t *turn) bareAmount(text string) bool {
	a := intents.AmountAnswer(text, t.now)
	if a == nil {
		return false
	}
	t.st.Details.Amount, t.st.Details.Currency = a.Value, a.Currency
	return true
}
