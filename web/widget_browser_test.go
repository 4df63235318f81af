package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/triagebot/triagebot/tickets"
)

// The widget as a product (issue 17): quick replies that leave the
// question in view, times and agents' names, typing, messages queued while
// offline and sent once, the ticket card in the user's words, the launcher.

// agentCall makes an agent API call as alice and checks its status.
func agentCall(t *testing.T, sk *stack, path string, body any, want int) {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, err := http.NewRequest("POST", sk.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+sk.token)
	resp, err := sk.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != want {
		t.Fatalf("POST %s: %d, want %d", path, resp.StatusCode, want)
	}
}

// gate refuses new WebSocket connections while closed, so a test can keep
// the widget offline for as long as it needs (a cut alone reconnects in
// half a second).
type gate struct {
	closed atomic.Bool
	cut    connCutter
}

func (g *gate) wrap(h http.Handler) http.Handler {
	inner := g.cut.wrap(h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if g.closed.Load() {
			http.Error(w, "offline for the test", http.StatusServiceUnavailable)
			return
		}
		inner.ServeHTTP(w, r)
	})
}

// questionInViewJS: the last bot bubble ends inside the log's visible
// part, and every quick reply is on screen.
const questionInViewJS = `(() => {
  const log = document.getElementById('log').getBoundingClientRect();
  const bots = document.querySelectorAll('#log .from-bot');
  const q = bots[bots.length - 1].getBoundingClientRect();
  const buttons = Array.from(document.querySelectorAll('#quick button')).map(b => b.getBoundingClientRect());
  return buttons.length > 0 && q.bottom <= log.bottom + 1 && q.bottom > log.top &&
    buttons.every(b => b.top >= 0 && b.bottom <= window.innerHeight + 1);
})()`

func TestBrowserWidgetProduct(t *testing.T) {
	exe := chromium(t)
	g := &gate{}
	sk := newStack(t, g.wrap)
	tab := newBrowser(t, exe)
	err := chromedp.Do(tab,
		chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(sk.srv.URL+"/?lang=en"),
		chromedp.WaitVisible(chromedp.CSS("#chat.is-online")),
		// Every time the typing line shows, note who was typing.
		chromedp.Evaluate[chromedp.Void](`window.__typing = [];
		  new MutationObserver(() => { const e = document.getElementById('typing'); if (!e.hidden) window.__typing.push(e.dataset.who + ':' + document.getElementById('typing-text').textContent); })
		    .observe(document.getElementById('typing'), {attributes: true, subtree: true, childList: true, characterData: true}); true`),
	)
	if err != nil {
		t.Fatal(err)
	}
	greeted, err := settle(tab, 0)
	if err != nil {
		t.Fatal(err)
	}

	// The dialogue to a ticket; at each question with quick replies, the
	// question must be in view above them.
	if err := say(tab, "My withdrawal to my bank account failed and the money never arrived"); err != nil {
		t.Fatal(err)
	}
	sent := map[string]bool{"screenshot": true} // this test does not upload
	s, seen, checked := greeted, greeted.Bot, 0
	for turn := 0; turn < 14 && s.Ticket == ""; turn++ {
		if s, err = settle(tab, seen); err != nil {
			t.Fatalf("turn %d: %v", turn, err)
		}
		seen = s.Bot
		if len(s.Quick) > 0 && s.Ticket == "" {
			if err := waitJS(tab, questionInViewJS, 5*time.Second); err != nil {
				dump, _ := chromedp.Run(tab, chromedp.Evaluate[string](`JSON.stringify({log: document.getElementById('log').getBoundingClientRect(), scroll: document.getElementById('log').scrollTop, h: document.getElementById('log').scrollHeight})`))
				t.Errorf("turn %d: the quick replies %q hide the question %q: %v %s", turn, s.Quick, s.Last, err, dump)
			}
			checked++
		}
		if s.Ticket != "" {
			break
		}
		kind, text := answer(s, sent)
		if kind == "all" && strings.Contains(strings.ToLower(s.Last), "screenshot") {
			text = "I have no screenshot"
		}
		sent[kind] = true
		if err := say(tab, text); err != nil {
			t.Fatal(err)
		}
	}
	if checked == 0 {
		t.Error("no question with quick replies was checked")
	}
	if s.Ticket == "" {
		t.Fatal("no ticket after 14 turns")
	}
	tid := s.Ticket

	// The bot's typing line showed while it answered.
	if err := waitJS(tab, `window.__typing.some(w => w === 'bot:The assistant is typing…')`, time.Second); err != nil {
		typing, _ := chromedp.Run(tab, chromedp.Evaluate[[]string](`window.__typing`))
		t.Errorf("no bot typing line: %q", typing)
	}
	// Every bubble has its time; the card names the team, not the queue
	// id or the priority, and says when a reply is due with a zone.
	check := func(what, expr string) {
		t.Helper()
		if err := waitJS(tab, expr, 5*time.Second); err != nil {
			card, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.getElementById('ticket').innerText`))
			t.Errorf("%s: %s: %v\ncard: %s", what, expr, err, card)
		}
	}
	check("times", `Array.from(document.querySelectorAll('#log .msg')).every(m => /\d\d:\d\d/.test(m.querySelector('time.at')?.textContent || ''))`)
	check("team", `document.getElementById('ticket-queue').textContent === 'Payments team'`)
	check("no priority", `!/priority|normal|high|urgent/i.test(document.getElementById('ticket').innerText)`)
	// The stack routes in Asia/Hong_Kong; the browser runs in the test's zone.
	check("due with zone", `!document.getElementById('ticket-due-row').hidden && /\d\d:\d\d.*(HKT|GMT\+8)/.test(document.getElementById('ticket-due').textContent)`)

	// The agent types: the user sees who; the reply carries the name.
	agentCall(t, sk, "/api/tickets/"+tid+"/typing", nil, http.StatusNoContent)
	check("agent typing", `!document.getElementById('typing').hidden && document.getElementById('typing-text').textContent === 'alice is typing…'`)
	const reply = "Hello, this is Alice. I am checking with the bank."
	agentCall(t, sk, "/api/tickets/"+tid+"/messages", map[string]string{"text": reply}, http.StatusOK)
	check("agent name", fmt.Sprintf(`Array.from(document.querySelectorAll('#log .from-agent')).some(m => m.querySelector('.text').textContent === %q && m.querySelector('.who').textContent === 'alice, support agent') && document.getElementById('typing').hidden`, reply))

	// Offline: the server refuses connections and the current one is cut.
	// What the user types waits in the page, in memory only, and is sent
	// once on reconnect, in order.
	g.closed.Store(true)
	if n := g.cut.cut(); n == 0 {
		t.Fatal("no connection to cut")
	}
	check("offline", `!document.getElementById('chat').classList.contains('is-online')`)
	queued := []string{"first line typed offline", "second line typed offline"}
	for _, q := range queued {
		if err := chromedp.Do(tab, chromedp.SendKeys(chromedp.CSS("#text"), q+"\r")); err != nil {
			t.Fatal(err)
		}
	}
	check("queued", `document.querySelectorAll('#log .from-user.queued').length === 2 && document.querySelector('#log .from-user.queued .state').textContent !== ''`)
	inStorage, err := chromedp.Run(tab, chromedp.Evaluate[bool](fmt.Sprintf(`(() => { const all = JSON.stringify(Object.assign({}, localStorage)) + JSON.stringify(Object.assign({}, sessionStorage)); return all.includes(%q) || all.includes(%q); })()`, queued[0], queued[1])))
	if err != nil || inStorage {
		t.Errorf("a queued message is in browser storage (err %v)", err)
	}
	g.closed.Store(false)
	check("delivered", `document.querySelectorAll('#log .from-user.queued').length === 0 && document.querySelectorAll('#log .from-user.delivered').length >= 2 && document.getElementById('chat').classList.contains('is-online')`)
	tk := waitTicket(t, sk, tid, func(tk tickets.Ticket) bool {
		return hasEntry(tk, tickets.FromUser, queued[0]) && hasEntry(tk, tickets.FromUser, queued[1])
	})
	var order []string
	for _, e := range tk.Transcript {
		for _, q := range queued {
			if e.From == tickets.FromUser && e.Text == q {
				order = append(order, q)
			}
		}
	}
	if strings.Join(order, "|") != strings.Join(queued, "|") {
		t.Errorf("the transcript has the queued messages as %q, want each once, in order", order)
	}
}

// TestBrowserLauncher: embed.js on the example host page. A visitor who
// never opened the chat starts no conversation; the bubble opens the
// panel; replies that come while it is closed show as a badge, also on a
// later page; the chat's own close button and Escape close it; on a phone
// the panel takes the screen.
func TestBrowserLauncher(t *testing.T) {
	exe := chromium(t)
	sk := newStack(t, nil)
	tab := newBrowser(t, exe)
	shots := os.Getenv("TRIAGEBOT_SCREENSHOTS") == "1"
	frameJS := func(expr string) string {
		return `(() => { const f = document.getElementById('triagebot-frame'); const d = f && f.contentDocument; if (!d || !d.getElementById('chat')) return false; return (` + expr + `); })()`
	}
	must := func(what, expr string) {
		t.Helper()
		if err := waitJS(tab, expr, 10*time.Second); err != nil {
			dump, _ := chromedp.Run(tab, chromedp.Evaluate[string](`JSON.stringify({bubble: document.getElementById('triagebot-bubble')?.outerHTML.slice(0, 300), frame: !!document.getElementById('triagebot-frame'), hidden: document.getElementById('triagebot-frame')?.hidden})`))
			t.Fatalf("%s: %v\n%s", what, err, dump)
		}
	}
	err := chromedp.Do(tab,
		chromedp.EmulateViewport(1024, 720),
		chromedp.Navigate(sk.srv.URL+"/embed-example.html"),
		chromedp.WaitVisible(chromedp.CSS("#triagebot-bubble")),
	)
	if err != nil {
		t.Fatal(err)
	}
	must("no chat before the first click", `document.getElementById('triagebot-frame') === null && document.getElementById('triagebot-bubble').getAttribute('aria-label') === 'Chat with us'`)

	if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS("#triagebot-bubble"))); err != nil {
		t.Fatal(err)
	}
	must("the panel opens on the widget", `(() => { const f = document.getElementById('triagebot-frame'); return f && !f.hidden && f.src.includes('/?embed=1&open=1&lang=en&color=%230b63ce'); })()`)
	must("the chat connects and greets", frameJS(`d.getElementById('chat').classList.contains('is-online') && d.querySelectorAll('#log .from-bot').length > 0`))
	_, err = chromedp.Run(tab, chromedp.Evaluate[bool](frameJS(`(() => { d.getElementById('text').value = 'I want to talk to a human agent please'; d.getElementById('send').click(); return true; })()`)))
	if err != nil {
		t.Fatal(err)
	}
	must("a ticket", frameJS(`!d.getElementById('ticket').hidden && d.getElementById('ticket-id').textContent !== ''`))
	tid, err := chromedp.Run(tab, chromedp.Evaluate[string](frameJS(`d.getElementById('ticket-id').textContent`)))
	if err != nil {
		t.Fatal(err)
	}

	// Closed, a reply shows as a badge.
	if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS("#triagebot-bubble"))); err != nil {
		t.Fatal(err)
	}
	must("closed", `document.getElementById('triagebot-frame').hidden && document.getElementById('triagebot-unread').hidden`)
	agentCall(t, sk, "/api/tickets/"+tid+"/messages", map[string]string{"text": "Hi, Alice here. I have your case."}, http.StatusOK)
	must("badge 1", `(() => { const b = document.getElementById('triagebot-unread'); return !b.hidden && b.textContent === '1' && document.getElementById('triagebot-bubble').getAttribute('aria-label') === 'Chat with us (1 new)'; })()`)

	// A later page: the chat loads in the background and counts.
	if err := chromedp.Do(tab, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#triagebot-bubble"))); err != nil {
		t.Fatal(err)
	}
	must("preloaded, hidden", frameJS(`f.hidden && d.getElementById('chat').classList.contains('is-online')`))
	agentCall(t, sk, "/api/tickets/"+tid+"/messages", map[string]string{"text": "The bank has confirmed the payout; it arrives today."}, http.StatusOK)
	must("badge on a later page", `(() => { const b = document.getElementById('triagebot-unread'); return !b.hidden && b.textContent === '1'; })()`)
	if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS("#triagebot-bubble"))); err != nil {
		t.Fatal(err)
	}
	must("opened: badge gone, reply shown", `document.getElementById('triagebot-unread').hidden && !document.getElementById('triagebot-frame').hidden && `+
		frameJS(`Array.from(d.querySelectorAll('#log .from-agent .text')).some(e => e.textContent.startsWith('The bank has confirmed'))`))
	if shots {
		// The chat's own scrolling settles before the picture.
		must("settled", frameJS(`(() => { const l = d.getElementById('log'); return l.scrollHeight - l.scrollTop - l.clientHeight < 2; })()`))
		screenshot(t, tab, "launcher.png")
	}
	_, err = chromedp.Run(tab, chromedp.Evaluate[bool](frameJS(`(d.getElementById('close').click(), true)`)))
	if err != nil {
		t.Fatal(err)
	}
	must("the chat's close button closes the panel", `document.getElementById('triagebot-frame').hidden && document.getElementById('triagebot-bubble').getAttribute('aria-expanded') === 'false'`)

	// A phone: the panel takes the screen and the bubble steps aside.
	err = chromedp.Do(tab, chromedp.EmulateViewport(390, 844), chromedp.Click(chromedp.CSS("#triagebot-bubble")))
	if err != nil {
		t.Fatal(err)
	}
	must("full screen on a phone", `(() => { const r = document.getElementById('triagebot-frame').getBoundingClientRect(); return r.width === 390 && r.height === 844 && getComputedStyle(document.getElementById('triagebot-bubble')).display === 'none'; })()`)
	_, err = chromedp.Run(tab, chromedp.Evaluate[bool](frameJS(`(d.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape', bubbles: true})), true)`)))
	if err != nil {
		t.Fatal(err)
	}
	must("Escape closes it", `document.getElementById('triagebot-frame').hidden && getComputedStyle(document.getElementById('triagebot-bubble')).display !== 'none'`)
}
