package bot

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/triagebot/triagebot/intents"
	"github.com/triagebot/triagebot/tickets"
)

// propPool is what random users say: openings in every language, detail
// answers, don't-knows, small talk, corrections, secrets and noise.
var propPool = []string{
	"我提款去銀行三日都未到", "我的提现一直没到账", "my withdrawal never reached my bank",
	"轉數快俾咗錢對方冇收到", "转账给朋友他说没收到", "I sent money by FPS but it was not received",
	"被重复扣款了", "同一單扣咗我兩次錢", "I got charged twice",
	"退款未收到", "退款还没到", "my refund has not arrived",
	"有筆唔係我做嘅交易", "有一笔我没做过的消费", "there is a payment I did not make",
	"個戶口俾人凍結咗", "账户被冻结了", "my account is frozen",
	"登入唔到", "登录不了", "I cannot log in", "收唔到驗證碼", "收不到验证码", "the code never arrives",
	"App成日閃退", "app打不开", "the app keeps crashing", "webhook callbacks are not arriving", "驗簽失敗",
	"人臉識別失敗", "face id fails every time", "付款失敗", "my card payment was declined",
	"我要搵真人", "转人工", "let me talk to a person", "我的工单怎么样了", "any update on my ticket?",
	"你好", "谢谢", "hello", "thanks", "今日天氣點呀", "what is the meaning of life",
	"10月31號下晝3點", "昨天下午4点", "yesterday 3pm", "2 Nov 2025 at 10:15",
	"港幣3000蚊", "500港元", "HK$1,200", "sorry it was HK$800 not 1200", "TX20251031A7", "交易编号 WD88812345", "ref FPS1234567890",
	"唔記得", "不记得了", "I don't know", "no idea", "冇",
	"我張卡係4111111111111111", "验证码是 918273", "my password is hunter2",
	"???", "🙂🙂🙂", "a", strings.Repeat("很長的訊息", 50), "SMS", "電郵",
}

// propSecrets must never be stored.
var propSecrets = []string{"4111111111111111", "918273", "hunter2"}

// TestRandomDialogues plays seeded random dialogues through the engine and
// checks invariants after every turn: no error, no detail asked that the
// dialogue already holds or the user already gave, no detail asked more than
// once plainly and once with an example, every user message kept, no secret
// stored.
func TestRandomDialogues(t *testing.T) {
	const dialogues, turns = 120, 14
	r := newRig(t, true)
	ctx := context.Background()
	for d := range dialogues {
		rng := rand.New(rand.NewPCG(uint64(d), 42))
		id := fmt.Sprintf("prop-%d", d)
		user := tickets.User{ID: id}
		if _, _, err := r.eng.Open(ctx, OpenRequest{ID: id, Channel: tickets.Web, User: user, Greet: rng.IntN(2) == 0}); err != nil {
			t.Fatal(err)
		}
		r.drain(id)
		var (
			said    []string
			asks    askCounter
			given   = map[Detail]bool{} // parsed details the user gave in this dialogue
			replies []string
			log     []string
			last    string // the bot's answer to the previous user turn
		)
		fail := func(format string, args ...any) {
			t.Helper()
			t.Fatalf("dialogue %d: "+format+"\n%s", append([]any{d}, append(args, strings.Join(log, "\n"))...)...)
		}
		for range turns {
			r.clock.Advance(30e9)
			in := Inbound{Channel: tickets.Web, ConversationID: id, User: user}
			switch k := rng.IntN(10); {
			case k == 0:
				in.Upload = &Upload{Filename: "s.png", ContentType: "image/png", Data: smallPNG}
				log = append(log, "> [image]")
			case k < 4 && len(replies) > 0:
				in.Text = replies[rng.IntN(len(replies))]
			case k == 4:
				// Agent side now and then.
				conv, _ := r.conversation(id)
				if conv.TicketID != "" {
					if rng.IntN(2) == 0 {
						_, _ = r.eng.Claim(ctx, conv.TicketID, "alice")
					} else if _, err := r.eng.Resolve(ctx, conv.TicketID, "alice", "done"); err != nil {
						fail("resolve: %v", err)
					}
					log = append(log, "/agent")
					last = ""
					for _, m := range r.drain(id) {
						asks.see(t, id, m)
						log = append(log, "  "+string(m.From)+": "+m.Text)
						if isDialogueEnd(m.Text) {
							given = map[Detail]bool{}
						}
					}
					continue
				}
				fallthrough
			default:
				in.Text = propPool[rng.IntN(len(propPool))]
			}
			if in.Text != "" {
				said = append(said, in.Text)
				log = append(log, "> "+in.Text)
				ents := intents.Extract(in.Text, r.clock.Now().In(hk))
				given[DetailTime] = given[DetailTime] || ents.Time != nil
				given[DetailAmount] = given[DetailAmount] || ents.Amount != nil
				given[DetailTxn] = given[DetailTxn] || ents.TransactionID != nil
			}
			if err := r.eng.Handle(ctx, in); err != nil {
				fail("handle %q: %v", in.Text, err)
			}
			conv, st := r.conversation(id)
			replies = nil
			out := r.drain(id)
			var answer strings.Builder
			for _, m := range out {
				answer.WriteString(m.Text + "\n")
			}
			// Before a ticket exists no two user turns get the same answer.
			if a := answer.String(); conv.TicketID == "" && a != "" && a == last {
				fail("the same answer twice in a row before a ticket: %q", a)
			}
			last = answer.String()
			for _, m := range out {
				asks.see(t, id, m)
				log = append(log, "  "+string(m.From)+": "+m.Text)
				if len(m.QuickReplies) > 0 {
					replies = m.QuickReplies
				}
				if q, _, ok := questionOf(m.Text); ok {
					if st.has(q) {
						fail("asked for %s, which the dialogue holds", q)
					}
					if q.parsed() && given[q] {
						fail("asked for %s, which the user already gave", q)
					}
				}
				if isDialogueEnd(m.Text) {
					given = map[Detail]bool{}
				}
			}
		}
		conv, st := r.conversation(id)
		list := r.userTickets(tickets.Web, id)
		checkKept(t, said, st, list)
		checkAbsent(t, r, id, propSecrets, conv, list)
		if t.Failed() {
			t.Fatalf("dialogue %d:\n%s", d, strings.Join(log, "\n"))
		}
	}
}

// TestConcurrentTurns: many messages to one conversation at once are
// serialised (each kept once), while other conversations run alongside.
func TestConcurrentTurns(t *testing.T) {
	r := newRig(t, true)
	ctx := context.Background()
	const convs, msgs = 4, 12
	var wg sync.WaitGroup
	for c := range convs {
		id := fmt.Sprintf("conc-%d", c)
		if _, _, err := r.eng.Open(ctx, OpenRequest{ID: id, Channel: tickets.Web, User: tickets.User{ID: id}}); err != nil {
			t.Fatal(err)
		}
		for m := range msgs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				text := fmt.Sprintf("%s message %d about my refund", id, m)
				if err := r.eng.Handle(ctx, Inbound{Channel: tickets.Web, ConversationID: id, Text: text}); err != nil {
					t.Error(err)
				}
			}()
		}
	}
	wg.Wait()
	for c := range convs {
		id := fmt.Sprintf("conc-%d", c)
		_, st := r.conversation(id)
		var said []string
		for m := range msgs {
			said = append(said, fmt.Sprintf("%s message %d about my refund", id, m))
		}
		checkKept(t, said, st, r.userTickets(tickets.Web, id))
		n := 0
		for _, e := range st.Transcript {
			if e.From == tickets.FromUser {
				n++
			}
		}
		for _, tk := range r.userTickets(tickets.Web, id) {
			for _, e := range tk.Transcript {
				if e.From == tickets.FromUser {
					n++
				}
			}
		}
		// A user line copied into a ticket is counted twice at most once per message.
		if n < msgs {
			t.Errorf("%s: %d user entries for %d messages", id, n, msgs)
		}
	}
}
