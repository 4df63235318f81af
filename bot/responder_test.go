package bot

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/triagebot/triagebot/language"
	"github.com/triagebot/triagebot/prompts"
	"github.com/triagebot/triagebot/tickets"
)

// The acceptance client (shared/accept) plays a simulated user who reads
// the bot's words with the rules below (a port of its responder.go). These
// tests make sure our questions are understood by it the way we mean them.

var simEscalationWords = []string{"still", "need help", "not solved", "didn't help", "didn’t help", "person", "human",
	"agent", "staff", "人工", "真人", "客服", "職員", "职员", "仍", "還是", "还是", "未解決", "未解决",
	"唔得", "冇用", "沒有用", "没有用", "轉介", "转介", "聯絡", "联系", "聯繫"}

var simAskPatterns = []struct {
	kind string
	re   *regexp.Regexp
}{
	{"screenshot", regexp.MustCompile(`(?i)\b(screenshots?|photos?|images?|pictures?)\b|截圖|截图|圖片|图片|相片|影相`)},
	{"transaction_id", regexp.MustCompile(`(?i:\b(transactions?|references?|ref|orders?)\b)|\bID\b|交易編號|交易编号|編號|编号|參考|参考|單號|单号|訂單|订单`)},
	{"amount", regexp.MustCompile(`(?i)\b(amount|how much)\b|金額|金额|幾多|多少`)},
	{"time", regexp.MustCompile(`(?i)\b(when|time|date)\b|時間|时间|幾時|几时|何時|什么时候|日期`)},
}

func simAskedFor(text string) string {
	var sentences []string
	start := 0
	for i, c := range text {
		if strings.ContainsRune(".!?。！？\n", c) {
			end := i + len(string(c))
			sentences = append(sentences, text[start:end])
			start = end
		}
	}
	if start < len(text) {
		sentences = append(sentences, text[start:])
	}
	kind := func(s string) string {
		for _, p := range simAskPatterns {
			if p.re.MatchString(s) {
				return p.kind
			}
		}
		return ""
	}
	for i := len(sentences) - 1; i >= 0; i-- {
		if s := sentences[i]; strings.ContainsAny(s, "?？") {
			if k := kind(s); k != "" {
				return k
			}
		}
	}
	return kind(text)
}

func simEscalates(reply string) bool {
	low := strings.ToLower(reply)
	for _, w := range simEscalationWords {
		if strings.Contains(low, w) {
			return true
		}
	}
	return false
}

// TestQuestionsReadAsMeant: each question names its detail for the
// simulated user, and sentences that ask nothing name none.
func TestQuestionsReadAsMeant(t *testing.T) {
	for _, lang := range language.All {
		for _, d := range []Detail{DetailTime, DetailAmount, DetailTxn, DetailScreenshot} {
			for _, k := range []prompts.Key{prompts.Ask(string(d)), prompts.Reask(string(d))} {
				if got := simAskedFor(prompts.Render(lang, k, nil)); got != string(d) {
					t.Errorf("%s %s: read as asking for %q", lang, k, got)
				}
			}
		}
		for _, k := range []prompts.Key{prompts.Clarify, prompts.Describe, prompts.Skip, prompts.Received,
			prompts.SelfHelpAsk, prompts.GreetingReply, prompts.Ask(string(DetailAPI)), prompts.Ask(string(DetailOTPChannel))} {
			if got := simAskedFor(prompts.Render(lang, k, nil)); got != "" {
				t.Errorf("%s %s: read as asking for %q", lang, k, got)
			}
		}
		// Quick replies: only "still" and "person" ask for more help.
		for _, k := range []prompts.Key{prompts.LabelStill, prompts.LabelPerson} {
			if !simEscalates(prompts.Render(lang, k, nil)) {
				t.Errorf("%s %s: not read as asking for help", lang, k)
			}
		}
		keys := []prompts.Key{prompts.LabelFixed, prompts.LabelOther, prompts.LabelSMS, prompts.LabelEmail}
		for intent := range Required {
			keys = append(keys, prompts.IntentLabel(string(intent)))
		}
		for _, k := range keys {
			if l := prompts.Render(lang, k, nil); simEscalates(l) {
				t.Errorf("%s %s: label %q would be read as asking for a person", lang, k, l)
			}
		}
	}
}

// simScenario is a user of the acceptance client's kind.
type simScenario struct {
	name, lang, open  string
	txn, amount, when string
	screenshot        bool
	dontKnow, insist  string
	// expected ticket
	intent, wantAmount, currency, date string
	attachments                        int
	priorities                         []string
	absent                             []string
}

var simDontKnow = map[string]string{"zh-Hant": "唔記得", "zh-Hans": "不记得了", "en": "I don't know"}
var simInsist = map[string]string{"zh-Hant": "我仲係需要人幫手", "zh-Hans": "我还是需要人工帮忙", "en": "I still need help from a person"}

// simPlay plays sc against the engine like the acceptance client does and
// returns the ticket and the number of user turns.
func simPlay(t *testing.T, r *rig, sc simScenario) (tickets.Ticket, int) {
	ctx := context.Background()
	conv := "sim-" + sc.name
	user := tickets.User{ID: "sim-" + sc.name}
	if _, _, err := r.eng.Open(ctx, OpenRequest{ID: conv, Channel: tickets.Web, User: user, Greet: true}); err != nil {
		t.Fatal(err)
	}
	r.drain(conv)
	sent := map[string]bool{}
	detail := map[string]string{"transaction_id": sc.txn, "amount": sc.amount, "time": sc.when}
	send := func(text string) {
		r.clock.Advance(20 * 1e9)
		if err := r.eng.Handle(ctx, Inbound{Channel: tickets.Web, ConversationID: conv, User: user, Text: text}); err != nil {
			t.Fatalf("%s: %v", sc.name, err)
		}
	}
	send(sc.open)
	var log []string
	log = append(log, "> "+sc.open)
	for turn := 1; turn <= 14; turn++ {
		msgs := r.drain(conv)
		var last tickets.OutMessage
		var replies []string
		for _, m := range msgs {
			if m.Kind == tickets.KindTicket {
				tk := r.ticket(m.Ticket.TicketID)
				return tk, turn
			}
			log = append(log, "  bot: "+m.Text)
			last = m
			if len(m.QuickReplies) > 0 {
				replies = m.QuickReplies
				break
			}
		}
		if len(msgs) == 0 {
			t.Fatalf("%s: bot said nothing\n%s", sc.name, strings.Join(log, "\n"))
		}
		next := ""
		for _, q := range replies {
			if simEscalates(q) {
				next = q
				break
			}
		}
		if next == "" {
			switch kind := simAskedFor(last.Text); {
			case kind == "screenshot" && sc.screenshot && !sent[kind]:
				sent[kind] = true
				log = append(log, "> [screenshot]")
				r.clock.Advance(20 * 1e9)
				if err := r.eng.Handle(ctx, Inbound{Channel: tickets.Web, ConversationID: conv, User: user,
					Upload: &Upload{Filename: "screenshot.png", ContentType: "image/png", Data: smallPNG}}); err != nil {
					t.Fatal(err)
				}
				continue
			case kind != "" && kind != "screenshot" && detail[kind] != "" && !sent[kind]:
				sent[kind] = true
				next = detail[kind]
			case kind != "":
				next = sc.dontKnow
			case len(replies) > 0:
				next = replies[0]
			default:
				var rest []string
				for _, k := range []string{"transaction_id", "amount", "time"} {
					if detail[k] != "" && !sent[k] {
						sent[k] = true
						rest = append(rest, detail[k])
					}
				}
				sep := "，"
				if sc.lang == "en" {
					sep = ", "
				}
				next = strings.Join(rest, sep)
				if next == "" {
					next = sc.insist
				}
			}
		}
		log = append(log, "> "+next)
		send(next)
	}
	t.Fatalf("%s: no ticket after 14 turns\n%s", sc.name, strings.Join(log, "\n"))
	return tickets.Ticket{}, 0
}

// simScenarios: the acceptance client's examples, and more of our own in
// the same form.
var simScenarios = []simScenario{
	{name: "hk-withdrawal-card-number", lang: "zh-Hant", open: "我提款去銀行到而家都未收到錢，我張卡係4111111111111111",
		txn: "TX20251031A7", amount: "港幣3000蚊", when: "2025年10月31日下午3點", screenshot: true,
		intent: "withdrawal_failed", wantAmount: "3000.00", currency: "HKD", date: "2025-10-31", attachments: 1,
		priorities: []string{"urgent", "high"}, absent: []string{"4111111111111111"}},
	{name: "cn-duplicate-charge-otp", lang: "zh-Hans", open: "同一笔付款被重复扣款了两次，验证码是 123456",
		txn: "TX20251101B2", amount: "500港元", when: "2025年11月1日上午10点",
		intent: "duplicate_charge", wantAmount: "500.00", currency: "HKD", date: "2025-11-01",
		priorities: []string{"high", "normal"}, absent: []string{"123456"}},
	{name: "en-fps-not-received", lang: "en", open: "I sent money by FPS to my landlord but he says he never received it",
		txn: "FPS1234567890", amount: "HK$12,500", when: "2 Nov 2025 at 3pm", screenshot: true,
		intent: "payment_not_received", wantAmount: "12500.00", currency: "HKD", date: "2025-11-02", attachments: 1,
		priorities: []string{"urgent", "high"}},
	{name: "tg-hk-fps-not-received", lang: "zh-Hant", open: "我用轉數快俾咗錢，但係對方話冇收到",
		txn: "FPS20251102C3", amount: "800蚊", when: "2025年11月2日晏晝2點", screenshot: true,
		intent: "payment_not_received", wantAmount: "800.00", currency: "HKD", date: "2025-11-02", attachments: 1,
		priorities: []string{"high", "normal"}},
	{name: "en-refund-no-screenshot", lang: "en", open: "The shop promised a refund two weeks ago and it still hasn't come back to my wallet",
		txn: "RF88120034", amount: "HKD 460", when: "20 Oct 2025",
		intent: "refund_not_received", wantAmount: "460.00", currency: "HKD", date: "2025-10-20"},
	{name: "hans-withdrawal-dont-know-txn", lang: "zh-Hans", open: "我申请提现到银行卡三天了还没到账",
		amount: "2000元", when: "10月30日下午5点", screenshot: true,
		intent: "withdrawal_failed", wantAmount: "2000.00", date: "2025-10-30", attachments: 1},
	{name: "en-login", lang: "en", open: "I can't log in, it keeps saying my password is wrong even after I reset it",
		when: "since this morning around 9am", screenshot: true, intent: "login_failed", attachments: 1},
	{name: "hk-unauthorized", lang: "zh-Hant", open: "我個戶口今朝有幾筆唔係我做嘅交易，好似俾人盜用咗",
		intent: "unauthorized_transaction", priorities: []string{"urgent"}},
}

// TestAcceptanceResponder plays the scenarios the way the acceptance client
// does and checks the ticket it would fetch right after the ticket frame.
func TestAcceptanceResponder(t *testing.T) {
	r := newRig(t, true)
	for _, sc := range simScenarios {
		if sc.dontKnow == "" {
			sc.dontKnow = simDontKnow[sc.lang]
		}
		if sc.insist == "" {
			sc.insist = simInsist[sc.lang]
		}
		tk, turns := simPlay(t, r, sc)
		bad := []string{}
		if tk.Intent != sc.intent {
			bad = append(bad, "intent "+tk.Intent)
		}
		if tk.Lang != sc.lang {
			bad = append(bad, "lang "+tk.Lang)
		}
		if sc.wantAmount != "" && tk.Details.Amount != sc.wantAmount {
			bad = append(bad, "amount "+tk.Details.Amount)
		}
		if sc.currency != "" && tk.Details.Currency != sc.currency {
			bad = append(bad, "currency "+tk.Details.Currency)
		}
		if sc.txn != "" && tk.Details.TransactionID != sc.txn {
			bad = append(bad, "txn "+tk.Details.TransactionID)
		}
		if sc.date != "" && !strings.HasPrefix(tk.Details.Time, sc.date) {
			bad = append(bad, "time "+tk.Details.Time)
		}
		if len(tk.Attachments) != sc.attachments {
			bad = append(bad, "attachments")
		}
		if len(sc.priorities) > 0 && !containsAny(sc.priorities, string(tk.Priority)) {
			bad = append(bad, "priority "+string(tk.Priority))
		}
		for _, a := range sc.absent {
			for _, e := range tk.Transcript {
				if strings.Contains(e.Text, a) {
					bad = append(bad, "secret "+a+" in transcript")
				}
			}
		}
		if len(bad) > 0 {
			t.Errorf("%s: ticket %s after %d turns: %s\n%+v", sc.name, tk.ID, turns, strings.Join(bad, "; "), tk.Transcript)
		} else {
			t.Logf("%s: %s in %d turns", sc.name, tk.ID, turns)
		}
	}
}
