package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/triagebot/triagebot/tickets"
)

// streamGate stands between the console and /api/events: it can end every
// open stream, as a restarting proxy would, and hold the reconnections
// until the test has changed something, so the change falls in the gap.
type streamGate struct {
	mu      sync.Mutex
	cancels []context.CancelFunc
	held    chan struct{} // nil when streams pass
	lastIDs []string      // the Last-Event-ID of each stream request
	rewrite string        // replaces the next request's Last-Event-ID when set
}

func (g *streamGate) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/events" {
			h.ServeHTTP(w, r)
			return
		}
		g.mu.Lock()
		wait := g.held
		g.mu.Unlock()
		if wait != nil {
			select {
			case <-wait:
			case <-r.Context().Done():
				return
			}
		}
		g.mu.Lock()
		g.lastIDs = append(g.lastIDs, r.Header.Get("Last-Event-ID"))
		if g.rewrite != "" {
			r.Header.Set("Last-Event-ID", g.rewrite)
			g.rewrite = ""
		}
		ctx, cancel := context.WithCancel(r.Context())
		g.cancels = append(g.cancels, cancel)
		g.mu.Unlock()
		defer cancel()
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

// cut ends the open streams and holds new ones until release.
func (g *streamGate) cut() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.held = make(chan struct{})
	n := len(g.cancels)
	for _, c := range g.cancels {
		c()
	}
	g.cancels = nil
	return n
}

func (g *streamGate) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.held != nil {
		close(g.held)
		g.held = nil
	}
}

func (g *streamGate) requests() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.lastIDs...)
}

// sayOn appends a customer message to a ticket the way the engine stores one.
func sayOn(t *testing.T, sk *stack, id, text string) {
	t.Helper()
	err := sk.store.Update(context.Background(), func(tx tickets.Tx) error {
		_, err := tickets.AppendEntry(tx, id, tickets.Entry{From: tickets.FromUser, Text: text, At: time.Now()})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// call sends an API request with token and decodes the JSON answer into out.
func call(t *testing.T, sk *stack, token, method, path string, body, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, sk.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := sk.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
	return resp.StatusCode
}

func rowJS(id string) string {
	return fmt.Sprintf(`document.querySelector('#list .row[data-id=%q]')`, id)
}

// listLoadsJS counts the queue loads the page has made: live updates must
// not add any.
const listLoadsJS = `performance.getEntriesByType('resource').filter(e => e.name.includes('/api/tickets?')).length`

// spiesJS records desktop notifications and tones instead of making them.
const spiesJS = `(() => {
  window.__notes = [];
  window.__tones = 0;
  const N = function (title, opts) { window.__notes.push(title); };
  N.permission = 'granted';
  N.requestPermission = () => Promise.resolve('granted');
  window.Notification = N;
  const osc = AudioContext.prototype.createOscillator;
  AudioContext.prototype.createOscillator = function () { window.__tones++; return osc.call(this); };
  return true;
})()`

// TestConsoleLive: the queue and the open ticket follow /api/events without
// polling; rows show the last customer message, time since, an unread mark
// and the SLA countdown; a new urgent ticket alerts an agent who opted in;
// a dropped stream resumes from the last event, and a reset reloads.
func TestConsoleLive(t *testing.T) {
	exe := chromium(t)
	gate := &streamGate{}
	sk := newStackWith(t, nil, gate.wrap)
	now := time.Now()
	ids := seed(t, sk, now, []seedTicket{
		{key: "refund", lang: "en", channel: tickets.Web, userID: "w-1", userName: "Visitor 0001", intent: "refund_not_received",
			priority: tickets.Normal, queue: "payments", age: 5 * time.Minute, lines: []string{"My refund has not arrived"}},
	})
	tab := consoleTab(t, exe)
	if err := signIn(tab, sk.srv.URL, "en", sk.token); err != nil {
		t.Fatal(err)
	}
	holds(t, tab, "live, the row from the list with its last message", `document.getElementById('live').dataset.state === 'live' && `+rowJS(ids["refund"])+` !== null &&
	  `+rowJS(ids["refund"])+`.querySelector('.last').textContent === 'My refund has not arrived' && `+rowJS(ids["refund"])+`.querySelector('.since').textContent === '6 min ago'`)

	// Opt in to alerts; the choice is remembered.
	if _, err := chromedp.Run(tab, chromedp.Evaluate[bool](spiesJS)); err != nil {
		t.Fatal(err)
	}
	click(t, tab, "#notify")
	holds(t, tab, "opt-in remembered", `localStorage.getItem('triagebot.notifyUrgent') === '1'`)
	loads, err := chromedp.Run(tab, chromedp.Evaluate[int](listLoadsJS))
	if err != nil {
		t.Fatal(err)
	}

	// A new urgent ticket: at the top, unread, counting down, announced.
	u := seed(t, sk, time.Now(), []seedTicket{
		{key: "u", lang: "zh-Hant", channel: tickets.Telegram, userID: "tg-9", userName: "李小姐", intent: "unauthorized_transaction",
			priority: tickets.Urgent, queue: "fraud", lines: []string{"有人用我張卡碌咗 HK$5,000"}},
	})["u"]
	holds(t, tab, "urgent ticket arrives live", fmt.Sprintf(`(() => {
	  const r = document.querySelector('#list .row');
	  return r && r.dataset.id === %q && r.querySelector('.last').textContent === '有人用我張卡碌咗 HK$5,000' &&
	    !r.querySelector('.unread').hidden && r.classList.contains('is-unread') &&
	    /^due in \d+m \d\ds$/.test(r.querySelector('.countdown').textContent) && r.querySelector('.since').textContent === 'just now' &&
	    r.querySelector('.intent').textContent === 'A payment I didn\'t make' &&
	    window.__notes.includes('Urgent ticket %s') && window.__tones === 1;
	})()`, u, u))

	// A customer's new message updates the row in place and marks it unread.
	sayOn(t, sk, ids["refund"], "It was HK$420 from the shop, 3 days ago")
	holds(t, tab, "message arrives live", fmt.Sprintf(`(() => { const r = %s;
	  return r.querySelector('.last').textContent === 'It was HK$420 from the shop, 3 days ago' && r.classList.contains('is-unread'); })()`, rowJS(ids["refund"])))

	// Opened, it is read; the next message shows in the open transcript.
	openTicket(t, tab, ids["refund"])
	holds(t, tab, "read once opened", `!`+rowJS(ids["refund"])+`.classList.contains('is-unread')`)
	sayOn(t, sk, ids["refund"], "Any news?")
	holds(t, tab, "the open ticket follows", `document.querySelector('#transcript li:last-child .text').textContent === 'Any news?' &&
	  document.activeElement !== null`)
	holds(t, tab, "only the urgent ticket alerted", `window.__notes.length === 1 && window.__tones === 1`)
	holds(t, tab, "no list reloads for live changes", fmt.Sprintf(`%s === %d`, listLoadsJS, loads))

	// The stream drops; a ticket is made while it is down; the console
	// resumes from its last event and misses nothing, without a reload.
	if n := gate.cut(); n == 0 {
		t.Fatal("no event stream to cut")
	}
	holds(t, tab, "reconnecting shown", `document.getElementById('live').dataset.state === 'reconnecting'`)
	gap := seed(t, sk, time.Now(), []seedTicket{
		{key: "gap", lang: "zh-Hans", channel: tickets.Web, userID: "w-3", userName: "访客 0003", intent: "duplicate_charge",
			priority: tickets.Normal, queue: "payments", lines: []string{"被扣了两次"}},
	})["gap"]
	gate.release()
	holds(t, tab, "resumed without a gap", fmt.Sprintf(`document.getElementById('live').dataset.state === 'live' && %s !== null && %s === %d`,
		rowJS(gap), listLoadsJS, loads))
	reqs := gate.requests()
	if last := reqs[len(reqs)-1]; len(reqs) < 2 || last == "" {
		t.Errorf("the reconnection sent no Last-Event-ID: %q", reqs)
	}

	// A resume the server cannot serve answers with a reset: the console
	// reloads its list.
	gate.rewrite = "999999999"
	gate.cut()
	holds(t, tab, "reconnecting shown", `document.getElementById('live').dataset.state === 'reconnecting'`)
	reset := seed(t, sk, time.Now(), []seedTicket{
		{key: "reset", lang: "en", channel: tickets.Web, userID: "w-4", userName: "Visitor 0004", intent: "app_problem",
			priority: tickets.Low, queue: "tech", lines: []string{"The app crashes"}},
	})["reset"]
	gate.release()
	holds(t, tab, "reset reloads the list", fmt.Sprintf(`%s !== null && %s > %d`, rowJS(reset), listLoadsJS, loads))

	// The opt-in survives a reload.
	if err := chromedp.Do(tab, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	holds(t, tab, "opt-in kept", `document.getElementById('notify').checked`)
}

// TestConsoleTwoAgents: what one agent does reaches the others' open
// consoles without a reload: a claim, a note, a transfer to a colleague,
// a transfer to another queue (which drops it from a colleague who does
// not work that queue).
func TestConsoleTwoAgents(t *testing.T) {
	exe := chromium(t)
	sk := newStack(t, nil)
	ids := seed(t, sk, time.Now(), []seedTicket{
		{key: "wd", lang: "zh-Hant", channel: tickets.Telegram, userID: "tg-1", userName: "陳大文", intent: "withdrawal_failed",
			priority: tickets.High, queue: "payments", age: 10 * time.Minute, lines: []string{"我提款失敗咗，HK$3,000 未到帳"}},
		{key: "fraud", lang: "en", channel: tickets.Web, userID: "w-2", userName: "Visitor 0002", intent: "unauthorized_transaction",
			priority: tickets.Urgent, queue: "fraud", age: 20 * time.Minute, lines: []string{"A payment I did not make"}},
	})
	id := ids["wd"]
	bobTok := addAgent(t, sk, "bob", false)
	carolTok := addAgent(t, sk, "carol", false, "payments")

	alice, bob, carol := consoleTab(t, exe), consoleTab(t, exe), consoleTab(t, exe)
	for _, a := range []struct {
		ctx context.Context
		tok string
	}{{alice, sk.token}, {bob, bobTok}, {carol, carolTok}} {
		if err := signIn(a.ctx, sk.srv.URL, "en", a.tok); err != nil {
			t.Fatal(err)
		}
		holds(t, a.ctx, "live", `document.getElementById('live').dataset.state === 'live' && `+rowJS(id)+` !== null`)
	}
	openTicket(t, bob, id)
	openTicket(t, carol, id)
	openTicket(t, alice, id)

	click(t, alice, "#claim")
	holds(t, bob, "bob sees alice's claim", `document.getElementById('holder').textContent === 'Held by alice.' && `+rowJS(id)+`.querySelector('.meta').textContent.includes('alice')`)

	click(t, alice, "#tab-notes")
	if err := chromedp.Do(alice, chromedp.SendKeys(chromedp.CSS("#note-text"), "Called the bank; they will confirm by 5 pm")); err != nil {
		t.Fatal(err)
	}
	click(t, alice, "#note-add")
	holds(t, alice, "note shown", `Array.from(document.querySelectorAll('#notes .note .text')).some(e => e.textContent === 'Called the bank; they will confirm by 5 pm') && document.getElementById('note-text').value === ''`)
	holds(t, bob, "bob sees the note count", `document.getElementById('notes-count').textContent === '1'`)

	// To a colleague: the picker offers those who work payments (bob,
	// carol), not alice herself; and every routing queue.
	holds(t, alice, "transfer targets", `JSON.stringify(Array.from(document.querySelectorAll('#transfer-to optgroup')).map(g => Array.from(g.children).map(o => o.value))) ===
	  JSON.stringify([['queue:access', 'queue:fraud', 'queue:general', 'queue:merchant', 'queue:payments', 'queue:risk', 'queue:tech'], ['assignee:bob', 'assignee:carol']])`)
	if err := chromedp.Do(alice, chromedp.SetValue(chromedp.CSS("#transfer-to"), "assignee:bob")); err != nil {
		t.Fatal(err)
	}
	click(t, alice, "#transfer")
	holds(t, bob, "bob now holds it, without reloading", `document.getElementById('holder').textContent === 'You hold this ticket.' &&
	  !document.getElementById('release').hidden && `+rowJS(id)+`.querySelector('.meta').textContent.includes('bob')`)
	holds(t, alice, "alice sees it moved", `document.getElementById('holder').textContent === 'Held by bob.'`)

	// To another queue: carol works payments only, so it leaves her console.
	if err := chromedp.Do(bob, chromedp.SetValue(chromedp.CSS("#transfer-to"), "queue:fraud")); err != nil {
		t.Fatal(err)
	}
	click(t, bob, "#transfer")
	holds(t, alice, "alice sees it in fraud, open", rowJS(id)+`.querySelector('.meta').textContent === '`+id+` · fraud · Open'`)
	holds(t, carol, "carol's console drops it", rowJS(id)+` === null && document.getElementById('ticket').hidden &&
	  document.getElementById('empty').textContent === 'That ticket is now in a queue you do not work.'`)

	var tk tickets.Ticket
	if code := call(t, sk, sk.token, "GET", "/api/tickets/"+id, nil, &tk); code != 200 || tk.Queue != "fraud" || tk.Status != tickets.Open {
		t.Errorf("after the transfers: %d %s %s %q", code, tk.Queue, tk.Status, tk.Assignee)
	}
}

// TestConsoleWorkspace: search, the customer's other tickets, saved replies
// in the agent's language, internal notes; in zh-Hant.
func TestConsoleWorkspace(t *testing.T) {
	exe := chromium(t)
	sk := newStack(t, nil)
	ids := seed(t, sk, time.Now(), []seedTicket{
		{key: "old", lang: "zh-Hant", channel: tickets.Telegram, userID: "tg-1", userName: "陳大文", intent: "otp_not_received",
			priority: tickets.Normal, queue: "access", status: tickets.Resolved, assignee: "alice", age: 72 * time.Hour,
			lines: []string{"收唔到驗證碼"}},
		{key: "wd", lang: "zh-Hant", channel: tickets.Telegram, userID: "tg-1", userName: "陳大文", intent: "withdrawal_failed",
			priority: tickets.High, queue: "payments", age: 10 * time.Minute,
			details: tickets.Details{TransactionID: "TX20261205HK0093", Amount: "3000.00", Currency: "HKD"},
			lines:   []string{"我琴晚提款失敗咗，HK$3,000 未到帳"}},
		{key: "refund", lang: "en", channel: tickets.Web, userID: "w-2", userName: "Visitor 0002", intent: "refund_not_received",
			priority: tickets.Normal, queue: "payments", age: 30 * time.Minute, lines: []string{"My refund has not arrived"}},
	})
	tab := consoleTab(t, exe)
	if err := signIn(tab, sk.srv.URL, "zh-Hant", sk.token); err != nil {
		t.Fatal(err)
	}
	rows := `Array.from(document.querySelectorAll('#list .row')).map(r => r.dataset.id).join(',')`
	holds(t, tab, "queue", rowJS(ids["wd"])+` !== null && `+rowJS(ids["refund"])+` !== null && `+rowJS(ids["old"])+` === null`)

	// Search: a Chinese substring, then a transaction id; clearing it brings the queue back.
	for _, q := range []string{"提款", "TX20261205HK0093"} {
		search(t, tab, q)
		holds(t, tab, "search "+q, fmt.Sprintf(`%s === %q && document.getElementById('list-status').textContent === '找到 1 個'`, rows, ids["wd"]))
	}
	search(t, tab, "no such words anywhere")
	holds(t, tab, "nothing found", `document.querySelectorAll('#list .row').length === 0 && document.querySelector('#list .empty').textContent === '找不到相符的個案。'`)
	search(t, tab, "")
	holds(t, tab, "search cleared", rowJS(ids["wd"])+` !== null && `+rowJS(ids["refund"])+` !== null && document.getElementById('list-status').textContent === ''`)

	// The customer's other ticket, beside the transcript; a click opens it.
	openTicket(t, tab, ids["wd"])
	holds(t, tab, "history", fmt.Sprintf(`(() => { const h = document.querySelectorAll('#history .history-item');
	  return h.length === 1 && h[0].dataset.id === %q && h[0].querySelector('.intent').textContent === '收唔到驗證碼' && h[0].querySelector('.status').textContent === '已解決'; })()`, ids["old"]))

	// An internal note: in the notes tab, not in the transcript.
	click(t, tab, "#tab-notes")
	if err := chromedp.Do(tab, chromedp.SendKeys(chromedp.CSS("#note-text"), "已致電銀行，等回覆")); err != nil {
		t.Fatal(err)
	}
	click(t, tab, "#note-add")
	holds(t, tab, "note", `(() => { const n = document.querySelectorAll('#notes .note');
	  return n.length === 1 && n[0].querySelector('.text').textContent === '已致電銀行，等回覆' && n[0].querySelector('.who').textContent.startsWith('alice · ') &&
	    document.getElementById('notes-count').textContent === '1' &&
	    !Array.from(document.querySelectorAll('#transcript .text')).some(e => e.textContent.includes('已致電銀行')); })()`)

	click(t, tab, "#tab-transcript")

	// Saved replies in zh-Hant, filled in for this ticket by the server.
	var canned struct {
		Replies []struct{ ID, Title, Text string } `json:"replies"`
	}
	if code := call(t, sk, sk.token, "GET", "/api/canned?lang=zh-Hant&ticket="+ids["wd"], nil, &canned); code != 200 || len(canned.Replies) < 5 {
		t.Fatalf("canned: %d, %d replies", code, len(canned.Replies))
	}
	titles, _ := json.Marshal(func() []string {
		var s []string
		for _, r := range canned.Replies {
			s = append(s, r.Title)
		}
		return s
	}())
	holds(t, tab, "saved replies listed in zh-Hant", fmt.Sprintf(`JSON.stringify(Array.from(document.querySelectorAll('#canned option')).slice(1).map(o => o.textContent)) === %q`, titles))
	first, second := canned.Replies[0], canned.Replies[1]
	if err := chromedp.Do(tab, chromedp.SetValue(chromedp.CSS("#canned"), first.ID)); err != nil {
		t.Fatal(err)
	}
	firstJSON, _ := json.Marshal(first.Text)
	holds(t, tab, "a saved reply fills the reply box", fmt.Sprintf(`document.getElementById('reply-text').value === %s && !document.getElementById('reply-text').value.includes('{{')`, firstJSON))
	if err := chromedp.Do(tab, chromedp.SetValue(chromedp.CSS("#canned"), second.ID)); err != nil {
		t.Fatal(err)
	}
	bothJSON, _ := json.Marshal(first.Text + "\n\n" + second.Text)
	holds(t, tab, "a second one is added, not written over", fmt.Sprintf(`document.getElementById('reply-text').value === %s`, bothJSON))
	click(t, tab, "#reply-send")
	holds(t, tab, "sent", fmt.Sprintf(`document.getElementById('reply-text').value === '' && document.querySelector('#transcript li:last-child .text').textContent === %s`, bothJSON))

	click(t, tab, fmt.Sprintf(`#history .history-item[data-id=%q]`, ids["old"]))
	holds(t, tab, "history opens the other ticket", fmt.Sprintf(`document.getElementById('view-h').textContent.startsWith(%q)`, ids["old"]+" "))
}

// search types q into the search box as an agent would and presses Enter.
func search(t *testing.T, ctx context.Context, q string) {
	t.Helper()
	err := chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](`document.getElementById('search').value = ''`),
		chromedp.SendKeys(chromedp.CSS("#search"), q+"\r"),
	)
	if err != nil {
		t.Fatalf("search %q: %v", q, err)
	}
}
