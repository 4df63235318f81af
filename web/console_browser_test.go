package web

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/triagebot/triagebot/tickets"
)

// The console's browser tests work on tickets made directly in the store,
// in the three languages, so each feature is reached in a few steps.

// seedTicket is one ticket for the console tests, with its conversation.
type seedTicket struct {
	key      string // the test's name for it
	lang     string
	channel  tickets.Channel
	userID   string
	userName string
	intent   string
	priority tickets.Priority
	queue    string
	status   tickets.Status
	assignee string
	age      time.Duration // created this long before now
	details  tickets.Details
	lines    []string // alternately user and bot, the user first
}

// seed stores the tickets and returns their ids by key.
func seed(t *testing.T, sk *stack, now time.Time, ts []seedTicket) map[string]string {
	t.Helper()
	ids := map[string]string{}
	err := sk.store.Update(context.Background(), func(tx tickets.Tx) error {
		for i, s := range ts {
			created := now.Add(-s.age)
			user := tickets.User{ID: s.userID, Name: s.userName}
			conv := tickets.Conversation{ID: fmt.Sprintf("conv-%s-%d", s.userID, i), Channel: s.channel, User: user}
			if err := tx.PutConversation(&conv); err != nil {
				return err
			}
			var tr []tickets.Entry
			for j, l := range s.lines {
				from := tickets.FromUser
				if j%2 == 1 {
					from = tickets.FromBot
				}
				tr = append(tr, tickets.Entry{From: from, Text: l, At: created.Add(time.Duration(j-len(s.lines)) * 40 * time.Second)})
			}
			status := s.status
			if status == "" {
				status = tickets.Open
			}
			tk := tickets.Ticket{Status: status, Intent: s.intent, Priority: s.priority, Queue: s.queue,
				SLADue: created.Add(slaFor(s.priority)), Channel: s.channel, User: user, Lang: s.lang,
				Details: s.details, Transcript: tr, Assignee: s.assignee, ConversationID: conv.ID,
				CreatedAt: created, UpdatedAt: created}
			if status == tickets.Resolved {
				tk.ResolvedAt = created.Add(time.Hour)
				tk.UpdatedAt = tk.ResolvedAt
			}
			if err := tx.CreateTicket(&tk); err != nil {
				return err
			}
			ids[s.key] = tk.ID
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func slaFor(p tickets.Priority) time.Duration {
	switch p {
	case tickets.Urgent:
		return 15 * time.Minute
	case tickets.High:
		return time.Hour
	case tickets.Normal:
		return 4 * time.Hour
	}
	return 24 * time.Hour
}

// addAgent creates another agent and returns its token.
func addAgent(t *testing.T, sk *stack, name string, admin bool, queues ...string) string {
	t.Helper()
	tok, hash, err := tickets.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	err = sk.store.Update(context.Background(), func(tx tickets.Tx) error {
		return tx.CreateAgent(&tickets.Agent{Name: name, Admin: admin, Queues: queues, TokenHash: hash})
	})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// signIn opens the console in lang and signs in with token.
func signIn(ctx context.Context, base, lang, token string) error {
	return chromedp.Do(ctx,
		chromedp.Navigate(base+"/agent?lang="+lang),
		chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), token),
		chromedp.Click(chromedp.CSS("#signin-button")),
		chromedp.WaitVisible(chromedp.CSS("#app")),
	)
}

// holds waits for a page condition and fails the test with what the page
// shows when it never holds.
func holds(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	if err := waitJS(ctx, expr, 10*time.Second); err != nil {
		dump, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify({
		  list: Array.from(document.querySelectorAll('#list .row')).map(r => r.innerText.replace(/\s+/g, ' ')),
		  head: (document.getElementById('view-h') || {}).textContent,
		  status: (document.getElementById('action-status') || {}).textContent,
		  live: (document.getElementById('live') || {}).textContent,
		  signin: (document.getElementById('signin-error') || {}).textContent,
		  reply: (document.getElementById('reply-text') || {}).value,
		  canned: Array.from(document.querySelectorAll('#canned option')).map(o => o.value + '=' + o.textContent).join('; ')})`))
		t.Fatalf("%s: %s never held: %v\npage: %s", what, expr, err, dump)
	}
}

func click(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.Click(chromedp.CSS(sel))); err != nil {
		t.Fatalf("click %s: %v", sel, err)
	}
}

func openTicket(t *testing.T, ctx context.Context, id string) {
	t.Helper()
	click(t, ctx, fmt.Sprintf(`#list .row[data-id=%q]`, id))
	holds(t, ctx, "open "+id, fmt.Sprintf(`document.getElementById('view-h').textContent.startsWith(%q)`, id+" "))
}

// clean makes ICU's spacing plain: it puts narrow and thin spaces around
// "pm" and range dashes, which differ between ICU versions.
const cleanJS = `const clean = s => s.replace(/[\u202f\u2009\u00a0]/g, ' ');`

func TestConsoleSignIn(t *testing.T) {
	exe := chromium(t)
	sk := newStack(t, nil)
	tab := consoleTab(t, exe)

	err := chromedp.Do(tab,
		chromedp.Navigate(sk.srv.URL+"/agent?lang=en"),
		chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), "not-a-token"),
		chromedp.Click(chromedp.CSS("#signin-button")),
	)
	if err != nil {
		t.Fatal(err)
	}
	holds(t, tab, "a wrong token is refused on the page", `document.getElementById('signin-error').textContent === 'That token was not accepted.' &&
	  document.getElementById('app').hidden && sessionStorage.length === 0`)

	if err := chromedp.Do(tab, chromedp.Evaluate[chromedp.Void](`document.getElementById('token').value = ''`)); err != nil {
		t.Fatal(err)
	}
	if err := signIn(tab, sk.srv.URL, "en", sk.token); err != nil {
		t.Fatal(err)
	}
	// The token lives in this tab's sessionStorage and nowhere else.
	holds(t, tab, "signed in", fmt.Sprintf(`document.getElementById('whoami').textContent === 'Signed in as alice' &&
	  !document.getElementById('reports-link').hidden && document.getElementById('reports-link').getAttribute('href') === '/agent/reports?lang=en' &&
	  sessionStorage.getItem('triagebot.agentToken') === %q &&
	  !Object.keys(localStorage).some(k => (localStorage.getItem(k) || '').includes(%q))`, sk.token, sk.token))

	// A reload keeps the session; a new tab (its own sessionStorage) does not.
	if err := chromedp.Do(tab, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	holds(t, tab, "a reload keeps the session", `!document.getElementById('app').hidden && document.getElementById('signin').hidden`)
	other := consoleTab(t, exe)
	if err := chromedp.Do(other, chromedp.Navigate(sk.srv.URL+"/agent?lang=en"), chromedp.WaitVisible(chromedp.CSS("#token"))); err != nil {
		t.Fatal(err)
	}
	holds(t, other, "a new tab asks again", `document.getElementById('app').hidden`)

	click(t, tab, "#signout")
	holds(t, tab, "signed out", `document.getElementById('app').hidden && !document.getElementById('signin').hidden &&
	  sessionStorage.getItem('triagebot.agentToken') === null && document.querySelectorAll('#list .row').length === 0`)
	if err := chromedp.Do(tab, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	holds(t, tab, "still signed out after a reload", `document.getElementById('app').hidden && !document.getElementById('signin').hidden`)
}

// TestConsoleReadable: problem names and statuses in the agent's language,
// times in the routing zone at the grain the user gave, the reply box in
// view under a long transcript, Release a quiet action once claimed.
func TestConsoleReadable(t *testing.T) {
	exe := chromium(t)
	sk := newStack(t, nil)
	hk, _ := time.LoadLocation("Asia/Hong_Kong")
	long := []string{}
	for i := range 60 {
		long = append(long, fmt.Sprintf("message %d", i))
	}
	ids := seed(t, sk, time.Now(), []seedTicket{
		{key: "hour", lang: "zh-Hant", channel: tickets.Telegram, userID: "tg-1", userName: "陳大文", intent: "withdrawal_failed",
			priority: tickets.Urgent, queue: "payments", age: time.Minute,
			// "琴晚八點幾": last night, some time after eight.
			details: tickets.Details{Time: time.Date(2025, 12, 4, 20, 0, 0, 0, hk).Format(time.RFC3339), TimeGrain: "hour"},
			lines:   long},
		{key: "day", lang: "en", channel: tickets.Web, userID: "w-2", userName: "Visitor 4821", intent: "unauthorized_transaction",
			priority: tickets.Urgent, queue: "fraud", age: 2 * time.Minute,
			// "yesterday": midnight in Hong Kong is 16:00 the day before in UTC.
			details: tickets.Details{Time: time.Date(2025, 12, 4, 0, 0, 0, 0, hk).Format(time.RFC3339), TimeGrain: "day"},
			lines:   []string{"There is a payment I didn't make yesterday"}},
	})

	cases := []struct {
		lang, intent, hour, day, open string
	}{
		{"en", "Withdrawal not arrived", "4 Dec 2025, 8–9 pm", "4 Dec 2025 (day)", "Open"},
		{"zh-Hant", "提款未到帳", "2025年12月4日 下午8時至9時", "2025年12月4日（全日）", "待處理"},
		{"zh-Hans", "提现未到账", "2025年12月4日 下午8时至9时", "2025年12月4日（全天）", "待处理"},
	}
	tab := consoleTab(t, exe)
	for i, c := range cases {
		if i > 0 {
			if err := chromedp.Do(tab, chromedp.Evaluate[chromedp.Void](`sessionStorage.clear()`)); err != nil {
				t.Fatal(err)
			}
		}
		if err := signIn(tab, sk.srv.URL, c.lang, sk.token); err != nil {
			t.Fatal(err)
		}
		row := fmt.Sprintf(`document.querySelector('#list .row[data-id=%q]')`, ids["hour"])
		holds(t, tab, c.lang+": the row names the problem in the agent's language", fmt.Sprintf(`%s && %s.querySelector('.intent').textContent === %q && %s.querySelector('.meta').textContent.includes(%q)`, row, row, c.intent, row, c.open))
		openTicket(t, tab, ids["hour"])
		dd := func(k string) string {
			return fmt.Sprintf(`clean(document.querySelector('#details dd[data-k=%q]').textContent)`, k)
		}
		holds(t, tab, c.lang+": the hour the user gave, in Hong Kong time", fmt.Sprintf(`(() => { %s return %s === %q && %s === %q })()`, cleanJS, dd("d_time"), c.hour, dd("d_intent"), c.intent))
		openTicket(t, tab, ids["day"])
		holds(t, tab, c.lang+": a day stays a day", fmt.Sprintf(`(() => { %s return %s === %q })()`, cleanJS, dd("d_time"), c.day))
	}

	// The reply box is on screen with the newest message above it; the
	// page itself does not scroll, the transcript does.
	openTicket(t, tab, ids["hour"])
	holds(t, tab, "reply box in view", `(() => {
	  const box = document.getElementById('reply-text').getBoundingClientRect();
	  const pane = document.getElementById('pane-transcript');
	  const last = document.querySelector('#transcript li:last-child').getBoundingClientRect();
	  const p = pane.getBoundingClientRect();
	  return box.top >= 0 && box.bottom <= innerHeight && document.documentElement.scrollHeight <= innerHeight + 1 &&
	    pane.scrollHeight > pane.clientHeight && last.bottom <= p.bottom + 1 && last.top >= p.top;
	})()`)

	// Open: Claim is the action; no Release. Claimed: Release is there but quiet.
	holds(t, tab, "claim first", `!document.getElementById('claim').hidden && document.getElementById('release').hidden`)
	click(t, tab, "#claim")
	holds(t, tab, "release quiet after a claim", `(() => {
	  const r = document.getElementById('release'), s = getComputedStyle(r), send = getComputedStyle(document.getElementById('reply-send'));
	  return document.getElementById('claim').hidden && !r.hidden && !r.disabled && r.classList.contains('quiet') &&
	    s.backgroundColor !== send.backgroundColor && (s.backgroundColor === 'rgba(0, 0, 0, 0)' || s.backgroundColor === 'transparent');
	})()`)
	click(t, tab, "#release")
	holds(t, tab, "released", `!document.getElementById('claim').hidden && document.getElementById('release').hidden`)
}

// TestConsoleScreenshots refreshes docs/console.png and
// docs/console-ticket.png (TRIAGEBOT_SCREENSHOTS=1) from realistic tickets
// in the three languages, at a fixed size.
func TestConsoleScreenshots(t *testing.T) {
	if os.Getenv("TRIAGEBOT_SCREENSHOTS") != "1" {
		t.Skip("set TRIAGEBOT_SCREENSHOTS=1 to refresh docs/console*.png")
	}
	exe := chromium(t)
	sk := newStack(t, nil)
	// newStack's two placeholder tickets have no place in a picture.
	err := sk.store.Update(context.Background(), func(tx tickets.Tx) error {
		for _, id := range []string{"T-000001", "T-000002"} {
			tk, err := tx.Ticket(id)
			if err != nil {
				return err
			}
			tk.Status = tickets.Resolved
			if err := tx.PutTicket(&tk); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	hk, _ := time.LoadLocation("Asia/Hong_Kong")
	now := time.Now().In(hk)
	lastNight := time.Date(now.Year(), now.Month(), now.Day()-1, 20, 0, 0, 0, hk)
	yesterday := time.Date(now.Year(), now.Month(), now.Day()-1, 0, 0, 0, 0, hk)
	ids := seed(t, sk, time.Now(), []seedTicket{
		{key: "old", lang: "zh-Hant", channel: tickets.Telegram, userID: "tg-81234", userName: "陳大文", intent: "otp_not_received",
			priority: tickets.Normal, queue: "access", status: tickets.Resolved, assignee: "bob", age: 30 * 24 * time.Hour,
			lines: []string{"收唔到驗證碼", "請確認你的電話號碼正確，並稍候一分鐘再試。"}},
		{key: "fraud", lang: "en", channel: tickets.Web, userID: "w-4821", userName: "Visitor 4821", intent: "unauthorized_transaction",
			priority: tickets.Urgent, queue: "fraud", age: 3 * time.Minute,
			details: tickets.Details{Time: yesterday.Format(time.RFC3339), TimeGrain: "day", Amount: "1250.00", Currency: "HKD", TransactionID: "TX20261205QF7781"},
			lines: []string{"There is a payment of HK$1,250 to a shop I have never heard of, from yesterday",
				"I'm sorry. I'll pass this to our fraud team now. Did you share a one-time code with anyone?",
				"No, never. Card ending ************ was in my wallet the whole time"}},
		{key: "wd", lang: "zh-Hant", channel: tickets.Telegram, userID: "tg-81234", userName: "陳大文", intent: "withdrawal_failed",
			priority: tickets.High, queue: "payments", age: 12 * time.Minute,
			details: tickets.Details{Time: lastNight.Format(time.RFC3339), TimeGrain: "hour", Amount: "3000.00", Currency: "HKD", TransactionID: "TX20261205HK0093"},
			lines: []string{"我琴晚八點幾提款去中銀，到而家都未到帳",
				"唔好意思令你久等。請問提款金額係幾多？",
				"三千蚊",
				"收到。請問你有冇交易編號或者截圖？",
				"TX20261205HK0093",
				"多謝。我已經開咗個案，同事會盡快跟進。",
				"仲要等幾耐？我急住用錢"}},
		{key: "dup", lang: "zh-Hans", channel: tickets.Web, userID: "w-5530", userName: "访客 5530", intent: "duplicate_charge",
			priority: tickets.Normal, queue: "payments", age: 40 * time.Minute,
			details: tickets.Details{Amount: "268.00", Currency: "CNY"},
			lines:   []string{"昨天下午3点付款被扣了两次，每次 ¥268", "请问是哪一家商户？", "美团外卖"}},
		{key: "app", lang: "en", channel: tickets.Web, userID: "w-7702", userName: "Visitor 7702", intent: "app_problem",
			priority: tickets.Low, queue: "tech", age: 2 * time.Hour,
			lines: []string{"The app closes as soon as I open the wallet tab on my Pixel 8"}},
	})
	_ = ids
	addAgent(t, sk, "bob", false)

	// The queue in English, with bob working the fraud ticket.
	tab := consoleTab(t, exe)
	if err = chromedp.Do(tab, chromedp.EmulateViewport(1360, 820)); err != nil {
		t.Fatal(err)
	}
	if err := signIn(tab, sk.srv.URL, "en", sk.token); err != nil {
		t.Fatal(err)
	}
	holds(t, tab, "queue shown", `document.querySelectorAll('#list .row').length === 4 && document.getElementById('live').dataset.state === 'live'`)
	openTicket(t, tab, ids["fraud"])
	click(t, tab, "#claim")
	holds(t, tab, "claimed", `!document.getElementById('release').hidden`)
	if err := chromedp.Do(tab, chromedp.SendKeys(chromedp.CSS("#reply-text"), "Thank you. I have blocked the card and opened a dispute for HK$1,250; you will hear from us within one working day.")); err != nil {
		t.Fatal(err)
	}
	screenshot(t, tab, "console.png")

	// 陳大文's withdrawal in the zh-Hant console: a colleague's note, the
	// earlier ticket beside it, a saved reply in the box.
	if code := call(t, sk, sk.token, "POST", "/api/tickets/"+ids["wd"]+"/notes", map[string]string{"text": "已致電中銀查詢，對方話今日 5 點前回覆"}, nil); code != http.StatusCreated {
		t.Fatalf("note: %d", code)
	}
	zh := consoleTab(t, exe)
	if err = chromedp.Do(zh, chromedp.EmulateViewport(1360, 820)); err != nil {
		t.Fatal(err)
	}
	if err := signIn(zh, sk.srv.URL, "zh-Hant", sk.token); err != nil {
		t.Fatal(err)
	}
	openTicket(t, zh, ids["wd"])
	click(t, zh, "#claim")
	holds(t, zh, "claimed, with history and a note", `!document.getElementById('release').hidden && document.querySelectorAll('#history .history-item').length === 1 &&
	  document.getElementById('notes-count').textContent === '1' && document.querySelectorAll('#canned option').length > 5`)
	if err := chromedp.Do(zh, chromedp.Evaluate[chromedp.Void](`(() => { const c = document.getElementById('canned'); c.selectedIndex = 1; c.dispatchEvent(new Event('change')); })()`)); err != nil {
		t.Fatal(err)
	}
	holds(t, zh, "saved reply filled", `document.getElementById('reply-text').value.length > 20`)
	screenshot(t, zh, "console-ticket.png")
}
