package simulate

import (
	"regexp"
	"strings"
	"sync"

	"github.com/triagebot/triagebot/intents"
	"github.com/triagebot/triagebot/language"
	"github.com/triagebot/triagebot/prompts"
)

// How the simulated user reads a bot burst: by the sentences of package
// prompts, as a person reads them, in whichever language the bot speaks.
// Nothing of the engine's state is looked at.

// botMsg is one bot message as the user sees it.
type botMsg struct {
	text string
	qr   []string
}

// burst is what the bot sent in answer to one user turn.
type burst struct {
	msgs   []botMsg
	ticket bool // a ticket event was among them
}

func (b burst) text() string {
	var parts []string
	for _, m := range b.msgs {
		parts = append(parts, m.text)
	}
	return strings.Join(parts, "\n")
}

// replies are the quick replies offered last in the burst.
func (b burst) replies() []string {
	for i := len(b.msgs) - 1; i >= 0; i-- {
		if len(b.msgs[i].qr) > 0 {
			return b.msgs[i].qr
		}
	}
	return nil
}

// detailKeys maps the prompts' detail names to the simulator's.
var detailKeys = []struct{ prompt, mine string }{
	{"currency", "currency"}, {"transaction_id", "txn"}, {"screenshot", "screenshot"}, {"error", "error"},
	{"api", "api"}, {"otp_channel", "otp"}, {"amount", "amount"}, {"time", "time"},
}

// detailWords recognise a question the prompts do not have (yet), in its
// last question sentence; the error question mentions screenshots, so it
// is tried first.
var detailWords = []struct {
	mine string
	re   *regexp.Regexp
}{
	{"error", regexp.MustCompile(`(?i)error|錯誤|错误`)},
	{"screenshot", regexp.MustCompile(`(?i)screenshot|截圖|截图`)},
	{"otp", regexp.MustCompile(`(?i)\bSMS\b|短訊|短信`)},
	{"api", regexp.MustCompile(`(?i)\bAPI\b|webhook|回調|回调`)},
	{"txn", regexp.MustCompile(`(?i)transaction ID|reference|編號|编号`)},
	{"currency", regexp.MustCompile(`(?i)currency|貨幣|货币`)},
	{"amount", regexp.MustCompile(`(?i)amount|how much|金額|金额`)},
	{"time", regexp.MustCompile(`(?i)\bwhen\b|幾時|什么时候`)},
}

type texts struct {
	ask, reask   map[string][]string // detail → question in each language
	confirm      map[intents.Intent][]string
	named        map[intents.Intent][]string // "Got it: <problem>" and its kin
	labels       map[prompts.Key]map[string]bool
	intentLabel  map[intents.Intent]map[string]bool
	closedFixed  []string
	offerPerson  []string
	selfHelpAsk  []string
	handedOver   []string               // "I'll hand this to a person" and its kin
	allRendered  map[string]prompts.Key // every key without data, for naming a repeated text
	ticketPrefix []string               // the start of prompts.Escalated
}

var (
	textsOnce sync.Once
	tx        *texts
)

// catalog renders what the user recognises, once.
func catalog() *texts {
	textsOnce.Do(func() {
		t := &texts{
			ask: map[string][]string{}, reask: map[string][]string{}, confirm: map[intents.Intent][]string{},
			named: map[intents.Intent][]string{}, labels: map[prompts.Key]map[string]bool{},
			intentLabel: map[intents.Intent]map[string]bool{}, allRendered: map[string]prompts.Key{},
		}
		for _, lang := range language.All {
			for _, d := range detailKeys {
				t.ask[d.mine] = append(t.ask[d.mine], prompts.Render(lang, prompts.Ask(d.prompt), nil))
				if k := prompts.Reask(d.prompt); prompts.Has(k) {
					t.reask[d.mine] = append(t.reask[d.mine], prompts.Render(lang, k, nil))
				}
			}
			for _, in := range problems {
				if k := prompts.ConfirmRisky(string(in)); prompts.Has(k) {
					t.confirm[in] = append(t.confirm[in], prompts.Render(lang, k, nil))
				}
				label := prompts.Render(lang, prompts.IntentLabel(string(in)), nil)
				for _, k := range []prompts.Key{prompts.ProblemAck, prompts.SwitchProblem, prompts.ConfirmBack} {
					t.named[in] = append(t.named[in], prompts.Render(lang, k, map[string]any{"Problem": label}))
				}
			}
			t.closedFixed = append(t.closedFixed, prompts.Render(lang, prompts.ClosedFixed, nil))
			t.offerPerson = append(t.offerPerson, prompts.Render(lang, prompts.OfferPerson, nil))
			t.selfHelpAsk = append(t.selfHelpAsk, prompts.Render(lang, prompts.SelfHelpAsk, nil))
			for _, k := range []prompts.Key{prompts.HumanNow, prompts.HumanGather, prompts.Unclear, prompts.RiskyUnclear} {
				t.handedOver = append(t.handedOver, prompts.Render(lang, k, nil))
			}
			esc := prompts.Render(lang, prompts.Escalated, map[string]any{"TicketID": "\x00", "Urgent": false, "Due": exampleDue})
			t.ticketPrefix = append(t.ticketPrefix, esc[:strings.IndexByte(esc, 0)])
		}
		for _, k := range []prompts.Key{prompts.LabelFixed, prompts.LabelStill, prompts.LabelPerson, prompts.LabelOther,
			prompts.LabelSMS, prompts.LabelEmail, prompts.LabelHKD, prompts.LabelUSD, prompts.LabelCNY, prompts.LabelYes, prompts.LabelNo} {
			t.labels[k] = renderAll(k)
		}
		for _, in := range intents.All {
			t.intentLabel[in] = renderAll(prompts.IntentLabel(string(in)))
		}
		for _, k := range prompts.Keys() {
			for _, lang := range language.All {
				if s := prompts.Render(lang, k, nil); !strings.HasPrefix(s, "[prompts:") && len(s) > 0 {
					t.allRendered[s] = k
				}
			}
		}
		tx = t
	})
	return tx
}

func renderAll(k prompts.Key) map[string]bool {
	m := map[string]bool{}
	for _, lang := range language.All {
		m[prompts.Render(lang, k, nil)] = true
	}
	return m
}

func containsAny(s string, subs []string) bool {
	for _, x := range subs {
		if x != "" && strings.Contains(s, x) {
			return true
		}
	}
	return false
}

// question is what a burst asks of the user.
type question struct {
	detail    string // the detail asked, if any
	reask     bool
	confirm   intents.Intent // a confirm-before-risk question about this problem
	yesNo     bool           // yes/no quick replies are offered
	selfHelp  bool           // "did this solve it?"
	offer     bool           // the bot offers a person
	closed    bool           // the bot closed the dialogue as solved
	handed    bool           // the bot says a person takes over
	named     intents.Intent // the problem the bot says it is looking at
	clarify   bool           // problems offered as quick replies
	intentsQR []intents.Intent
}

// read understands a burst.
func read(b burst) question {
	t := catalog()
	var q question
	all := b.text()
	qr := b.replies()
	for _, r := range qr {
		if t.labels[prompts.LabelYes][r] || t.labels[prompts.LabelNo][r] {
			q.yesNo = true
		}
		if t.labels[prompts.LabelFixed][r] {
			q.selfHelp = true
		}
		for _, in := range problems {
			if t.intentLabel[in][r] {
				q.clarify = true
				q.intentsQR = append(q.intentsQR, in)
			}
		}
	}
	q.selfHelp = q.selfHelp || containsAny(all, t.selfHelpAsk)
	q.offer = containsAny(all, t.offerPerson)
	q.closed = containsAny(all, t.closedFixed)
	q.handed = containsAny(all, t.handedOver)
	for _, in := range problems {
		if containsAny(all, t.confirm[in]) {
			q.confirm = in
		}
		if containsAny(all, t.named[in]) {
			q.named = in
		}
	}
	// The detail asked is in the last message that asks one.
	for i := len(b.msgs) - 1; i >= 0 && q.detail == ""; i-- {
		q.detail, q.reask = detailAsked(b.msgs[i].text)
	}
	return q
}

// detailAsked names the detail a message asks for: by the prompts' own
// questions, else by words in its last question sentence.
func detailAsked(text string) (string, bool) {
	t := catalog()
	for _, d := range detailKeys {
		if containsAny(text, t.reask[d.mine]) {
			return d.mine, true
		}
	}
	for _, d := range detailKeys {
		if containsAny(text, t.ask[d.mine]) {
			return d.mine, false
		}
	}
	// Words are only looked for in a question, and only in the last one.
	end := strings.LastIndexAny(text, "?？")
	if end < 0 {
		return "", false
	}
	last := text[:end]
	if start := strings.LastIndexAny(last, "?？.。!！\n"); start >= 0 {
		last = last[start:]
	}
	for _, w := range detailWords {
		if w.re.MatchString(last) {
			return w.mine, false
		}
	}
	return "", false
}

// keyOf names the prompt a bot text was rendered from, for grouping
// failures; "" when it is not one fixed sentence.
func keyOf(text string) string {
	t := catalog()
	if k, ok := t.allRendered[text]; ok {
		return string(k)
	}
	// A text joined from several sentences: name the sentences found.
	var ks []string
	for _, line := range strings.Split(text, "\n") {
		if k, ok := t.allRendered[line]; ok {
			ks = append(ks, string(k))
		}
	}
	if len(ks) > 0 {
		return strings.Join(ks, "+")
	}
	if containsAny(text, t.ticketPrefix) {
		return string(prompts.Escalated)
	}
	return "text"
}

// label returns the quick reply among qr that is k in any language.
func label(qr []string, k prompts.Key) (string, bool) {
	for _, r := range qr {
		if catalog().labels[k][r] {
			return r, true
		}
	}
	return "", false
}

func intentReply(qr []string, in intents.Intent) (string, bool) {
	for _, r := range qr {
		if catalog().intentLabel[in][r] {
			return r, true
		}
	}
	return "", false
}
