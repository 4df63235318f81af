package web

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/triagebot/triagebot/bot"
	"github.com/triagebot/triagebot/bot/ws"
	"github.com/triagebot/triagebot/escalation"
	"github.com/triagebot/triagebot/intents"
	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
)

// xss is a user message that would run script if a page parsed it as HTML.
const xss = `<img src=x onerror=alert(1)>`

// chromium finds a Chromium binary. Without one the browser test is
// skipped, except in CI (env CI set), where a missing browser is a failure.
func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no chromium binary found (apt-get install -y chromium); CI must run the browser test")
	}
	t.Skip("no chromium binary found; install it with apt-get install -y chromium fonts-noto-cjk")
	return ""
}

// stack is the whole server: bbolt store, engine, WebSocket hub and web.
type stack struct {
	store *boltstore.Store
	srv   *httptest.Server
	token string
}

// newStack starts the stack; wrap, when not nil, wraps the WebSocket handler.
// opts change the web server's Config before it starts.
func newStack(t *testing.T, wrap func(http.Handler) http.Handler, opts ...func(*Config)) *stack {
	t.Helper()
	return newStackWith(t, wrap, nil, opts...)
}

// newStackWith is newStack whose whole HTTP handler is also wrapped by
// wrapAll when not nil (the console tests cut event streams with it).
func newStackWith(t *testing.T, wrap, wrapAll func(http.Handler) http.Handler, opts ...func(*Config)) *stack {
	t.Helper()
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "browser.db"), boltstore.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	cls, err := intents.NewOffline()
	if err != nil {
		t.Fatal(err)
	}
	hk, err := time.LoadLocation("Asia/Hong_Kong")
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	eng, err := bot.New(bot.Config{Store: st, Classifier: cls, Router: escalation.Default(), Location: hk, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	hub, err := ws.New(ws.Config{Engine: eng, Registerer: reg, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- hub.Run(ctx) }()
	var wsh http.Handler = hub
	if wrap != nil {
		wsh = wrap(hub)
	}
	cfg := Config{Store: st, Engine: eng, WS: wsh, Registry: reg, Logger: log, Location: hk, Typing: hub.Typing}
	for _, o := range opts {
		o(&cfg)
	}
	h := newServer(t, cfg).Handler()
	if wrapAll != nil {
		h = wrapAll(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		cancel()
		<-done
		srv.Close()
	})
	tok, hash, err := tickets.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	err = st.Update(context.Background(), func(tx tickets.Tx) error {
		if err := tx.CreateAgent(&tickets.Agent{Name: "alice", TokenHash: hash}); err != nil {
			return err
		}
		// Two less urgent tickets, created later, so the user's ticket must
		// come first in the queue whatever priority routing gives it.
		for i := range 2 {
			later := time.Now().Add(time.Duration(i+1) * time.Hour)
			tk := tickets.Ticket{Status: tickets.Open, Intent: "app_problem", Priority: tickets.Low, Queue: "app",
				Channel: tickets.Web, Lang: "en", SLADue: later.Add(-3 * time.Hour), CreatedAt: later,
				User: tickets.User{ID: fmt.Sprintf("seed-%d", i), Name: "Seeded user"}}
			if err := tx.CreateTicket(&tk); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return &stack{store: st, srv: srv, token: tok}
}

// newBrowser starts headless Chromium with a fresh profile and returns the
// context of its first tab; the browser is stopped when the test ends.
func newBrowser(t *testing.T, exe string) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	base, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	alloc, cancelAlloc := chromedp.NewExecAllocator(base, opts...)
	tab, cancelTab := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		cancel()
	})
	return tab
}

// waitJS waits until the page expression is truthy.
func waitJS(ctx context.Context, expr string, within time.Duration) error {
	return chromedp.Do(ctx, chromedp.Poll[chromedp.Void](expr,
		chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(within)))
}

// chatState is what the simulated user sees in the widget.
type chatState struct {
	Bot    int      `json:"bot"`    // bot and agent bubbles shown
	Last   string   `json:"last"`   // the last bot bubble's text
	Quick  []string `json:"quick"`  // quick reply buttons
	Ticket string   `json:"ticket"` // the ticket card's id, "" while hidden
	Status string   `json:"status"` // the ticket card's status
}

const chatStateJS = `(() => {
  const bubbles = document.querySelectorAll('#log .from-bot, #log .from-agent');
  const last = bubbles.length ? bubbles[bubbles.length - 1].querySelector('.text') : null;
  const card = document.getElementById('ticket');
  return {
    bot: bubbles.length,
    last: last ? last.textContent : '',
    quick: Array.from(document.querySelectorAll('#quick button')).map(b => b.textContent),
    ticket: card.hidden ? '' : document.getElementById('ticket-id').textContent,
    status: document.getElementById('ticket-status').dataset.status || ''
  };
})()`

func readChat(ctx context.Context) (chatState, error) {
	return chromedp.Run(ctx, chromedp.Evaluate[chatState](chatStateJS))
}

// settle waits for more than n bot bubbles, then for 500 ms without a new one.
func settle(ctx context.Context, n int) (chatState, error) {
	if err := waitJS(ctx, fmt.Sprintf(`document.querySelectorAll('#log .from-bot, #log .from-agent').length > %d`, n), 10*time.Second); err != nil {
		return chatState{}, fmt.Errorf("no bot reply after %d bubbles: %w", n, err)
	}
	prev := -1
	for {
		s, err := readChat(ctx)
		if err != nil || s.Bot == prev {
			return s, err
		}
		prev = s.Bot
		if err := chromedp.Do(ctx, chromedp.Sleep(500*time.Millisecond)); err != nil {
			return s, err
		}
	}
}

func say(ctx context.Context, text string) error {
	return chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS("#chat.is-online")),
		chromedp.SendKeys(chromedp.CSS("#text"), text),
		chromedp.Click(chromedp.CSS("#send")),
	)
}

func upload(ctx context.Context, file string) error {
	return chromedp.Do(ctx,
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{file}),
		chromedp.WaitVisible(chromedp.CSS("#preview-img")),
		chromedp.Click(chromedp.CSS("#preview-send")),
		chromedp.WaitVisible(chromedp.CSS("#log .from-user.image img")),
	)
}

// answer picks the simulated user's reply to the bot's last message.
func answer(s chatState, sent map[string]bool) (kind, text string) {
	last := strings.ToLower(s.Last)
	switch {
	case strings.Contains(last, "screenshot") && !sent["screenshot"]:
		return "screenshot", ""
	case strings.Contains(last, "transaction id") && !sent["txn"]:
		return "txn", "TX20251102ABC123"
	case strings.Contains(last, "amount") && !sent["amount"]:
		return "amount", "HK$3,000"
	case strings.Contains(last, "when did") && !sent["time"]:
		return "time", "yesterday 3pm"
	case len(s.Quick) > 0:
		for _, q := range s.Quick {
			if strings.Contains(strings.ToLower(q), "person") {
				return "quick", q
			}
		}
		return "quick", s.Quick[0]
	}
	return "all", "It was HK$3,000, transaction TX20251102ABC123, yesterday at 3pm. I don't know anything else."
}

func TestBrowserWidgetAndConsole(t *testing.T) {
	exe := chromium(t)
	sk := newStack(t, nil)
	shots := os.Getenv("TRIAGEBOT_SCREENSHOTS") == "1"

	png := filepath.Join(t.TempDir(), "status.png")
	if err := os.WriteFile(png, statusPNG(t), 0o600); err != nil {
		t.Fatal(err)
	}

	user := newBrowser(t, exe)

	// --- the user, at phone width --------------------------------------
	err := chromedp.Do(user,
		chromedp.EmulateViewport(390, 800),
		chromedp.Navigate(sk.srv.URL+"/?lang=en"),
		chromedp.WaitVisible(chromedp.CSS("#text")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if err := waitJS(user, `document.getElementById('chat').classList.contains('is-online')`, 10*time.Second); err != nil {
		t.Fatalf("the widget never connected: %v", err)
	}
	if err := say(user, "My withdrawal to my bank account failed and the money never arrived"); err != nil {
		t.Fatal(err)
	}
	sent := map[string]bool{}
	var s chatState
	seen := 0
	for turn := 0; turn < 14; turn++ {
		if s, err = settle(user, seen); err != nil {
			t.Fatalf("turn %d: %v", turn, err)
		}
		seen = s.Bot
		t.Logf("bot: %q quick %q", s.Last, s.Quick)
		if s.Ticket != "" {
			break
		}
		kind, text := answer(s, sent)
		sent[kind] = true
		if kind == "screenshot" {
			err = upload(user, png)
		} else {
			t.Logf("user: %q", text)
			err = say(user, text)
		}
		if err != nil {
			t.Fatalf("turn %d (%s): %v", turn, kind, err)
		}
	}
	if s.Ticket == "" {
		t.Fatal("no ticket card after 14 turns")
	}
	tid := s.Ticket
	if !sent["screenshot"] {
		// The dialogue did not ask; send it to the ticket anyway.
		if err := upload(user, png); err != nil {
			t.Fatal(err)
		}
	}
	// A message that would run script if the console parsed it as HTML.
	if err := say(user, xss); err != nil {
		t.Fatal(err)
	}
	if _, err := settle(user, seen); err != nil {
		t.Fatal(err)
	}
	tk := waitTicket(t, sk, tid, func(tk tickets.Ticket) bool {
		return len(tk.Attachments) > 0 && hasEntry(tk, tickets.FromUser, xss)
	})
	t.Logf("ticket %s: %s %s %s, %d attachments", tk.ID, tk.Intent, tk.Priority, tk.Queue, len(tk.Attachments))

	// --- the agent ------------------------------------------------------
	agent, cancelAgent := chromedp.NewContext(user) // a second tab
	defer cancelAgent()
	err = chromedp.Do(agent,
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(sk.srv.URL+"/agent?lang=en"),
		chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), sk.token),
		chromedp.Click(chromedp.CSS("#signin-button")),
		chromedp.WaitVisible(chromedp.CSS("#app")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if err := waitJS(agent, fmt.Sprintf(`(() => { const r = document.querySelector('#list .row'); return r && r.dataset.id === %q; })()`, tid), 10*time.Second); err != nil {
		rows, _ := chromedp.Run(agent, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('#list .row')).map(r => r.dataset.id)`))
		t.Fatalf("ticket %s is not at the top of the queue %v: %v", tid, rows, err)
	}
	err = chromedp.Do(agent,
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`#list .row[data-id=%q]`, tid))),
		chromedp.WaitVisible(chromedp.CSS("#ticket")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if err := waitJS(agent, `(() => { const i = document.querySelector('#attachments img'); return i && i.complete && i.naturalWidth > 0; })()`, 10*time.Second); err != nil {
		t.Errorf("the screenshot is not shown inline: %v", err)
	}
	// The hostile message is text: present verbatim, no element made of it.
	xssShown, err := chromedp.Run(agent, chromedp.Evaluate[bool](fmt.Sprintf(
		`Array.from(document.querySelectorAll('#transcript .text')).some(e => e.textContent === %q) && document.querySelectorAll('#transcript img, #details img').length === 0`, xss)))
	if err != nil || !xssShown {
		t.Errorf("the user's %q is not shown as plain text in the console (err %v)", xss, err)
	}

	if err := chromedp.Do(agent, chromedp.Click(chromedp.CSS("#claim"))); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(agent, `document.getElementById('claim').disabled && document.getElementById('holder').textContent !== ''`, 10*time.Second); err != nil {
		t.Fatalf("claim not shown: %v", err)
	}
	const reply = "Hello, I am checking your withdrawal with the bank now."
	err = chromedp.Do(agent,
		chromedp.SendKeys(chromedp.CSS("#reply-text"), reply),
		chromedp.Click(chromedp.CSS("#reply-send")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if err := waitJS(user, fmt.Sprintf(`Array.from(document.querySelectorAll('#log .from-agent .text')).some(e => e.textContent === %q)`, reply), 10*time.Second); err != nil {
		t.Fatalf("the agent's reply did not reach the widget: %v", err)
	}
	if err := waitJS(user, `document.getElementById('ticket-status').dataset.status === 'claimed'`, 10*time.Second); err != nil {
		t.Errorf("the ticket card does not show the claim: %v", err)
	}
	if err := waitJS(agent, fmt.Sprintf(`Array.from(document.querySelectorAll('#transcript .text')).some(e => e.textContent === %q)`, reply), 10*time.Second); err != nil {
		t.Errorf("the console transcript lacks the reply: %v", err)
	}
	if shots {
		// The console's screenshots are TestConsoleScreenshots', from tickets in three languages.
		screenshot(t, user, "widget.png")
	}

	// A reload keeps the conversation: same session, what was shown shown
	// again. (Before the resolve: a resolved ticket's history is dropped.)
	err = chromedp.Do(user, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#text")))
	if err != nil {
		t.Fatal(err)
	}
	if err := waitJS(user, fmt.Sprintf(`document.getElementById('chat').classList.contains('is-online') && document.getElementById('ticket-id').textContent === %q && Array.from(document.querySelectorAll('#log .from-agent .text')).filter(e => e.textContent === %q).length === 1`, tid, reply), 10*time.Second); err != nil {
		t.Errorf("after a reload the widget lost the conversation or shows a message twice: %v", err)
	}

	err = chromedp.Do(agent,
		chromedp.SendKeys(chromedp.CSS("#resolve-note"), "Bank confirmed the payout."),
		chromedp.Click(chromedp.CSS("#resolve")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if err := waitJS(user, `document.getElementById('ticket-status').dataset.status === 'resolved'`, 10*time.Second); err != nil {
		t.Errorf("the widget does not show the ticket resolved: %v", err)
	}
	if err := waitJS(agent, `document.getElementById('resolve').disabled && document.getElementById('view-h').textContent.includes('Resolved')`, 10*time.Second); err != nil {
		t.Errorf("the console does not show the ticket resolved: %v", err)
	}
	if got := waitTicket(t, sk, tid, func(tk tickets.Ticket) bool { return tk.Status == tickets.Resolved }); got.Assignee != "alice" {
		t.Errorf("resolved by %q, want alice", got.Assignee)
	}

	// A link to the ticket (/agent#T-…) opens it; the token kept in the
	// tab's sessionStorage signs the agent in again without asking.
	err = chromedp.Do(agent,
		chromedp.Navigate(sk.srv.URL+"/"),
		chromedp.Navigate(sk.srv.URL+"/agent?lang=en#"+tid),
	)
	if err != nil {
		t.Fatal(err)
	}
	if err := waitJS(agent, fmt.Sprintf(`!document.getElementById('app').hidden && document.getElementById('view-h').textContent.startsWith(%q)`, tid+" "), 10*time.Second); err != nil {
		t.Errorf("the deep link did not open the ticket: %v", err)
	}

	// The rating question comes as five quick replies; the fourth is 4.
	if err := waitJS(user, `document.querySelectorAll('#quick button').length === 5`, 10*time.Second); err != nil {
		t.Errorf("the widget does not show the five rating replies: %v", err)
	} else if err := chromedp.Do(user, chromedp.Click(chromedp.CSS("#quick button:nth-of-type(4)"))); err != nil {
		t.Fatal(err)
	} else if got := waitTicket(t, sk, tid, func(tk tickets.Ticket) bool { return tk.CSAT != nil }); got.CSAT.Score != 4 {
		t.Errorf("csat score %d, want 4 (the fourth reply)", got.CSAT.Score)
	}

	// The reports page signs in with the console's token (same tab) and
	// draws its four charts; the rating shows in the CSAT figure.
	if err := chromedp.Do(agent, chromedp.Navigate(sk.srv.URL+"/agent/reports?lang=en")); err != nil {
		t.Fatal(err)
	}
	charts := `['c-volume','c-sla','c-csat','c-containment'].every(id => Chart.getChart(id))`
	if err := waitJS(agent, `document.body.dataset.ready && `+charts, 10*time.Second); err != nil {
		t.Errorf("the reports page did not draw its charts: %v", err)
	} else {
		tiles, err := chromedp.Run(agent, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('#tiles .tile')).map(e => e.textContent)`))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(tiles, "4.00CSAT (1 ratings)") {
			t.Errorf("report tiles %q, want the rating as CSAT 4.00 of 1", tiles)
		}
	}
}

// waitTicket polls the store until ok accepts the ticket.
func waitTicket(t *testing.T, sk *stack, id string, ok func(tickets.Ticket) bool) tickets.Ticket {
	t.Helper()
	var tk tickets.Ticket
	for end := time.Now().Add(10 * time.Second); ; {
		err := sk.store.View(context.Background(), func(tx tickets.Tx) error {
			var err error
			tk, err = tx.Ticket(id)
			return err
		})
		if err == nil && ok(tk) {
			return tk
		}
		if time.Now().After(end) {
			b, _ := json.Marshal(tk)
			t.Fatalf("ticket %s never reached the expected state (err %v): %.600s", id, err, b)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func hasEntry(tk tickets.Ticket, from tickets.Author, text string) bool {
	for _, e := range tk.Transcript {
		if e.From == from && e.Text == text {
			return true
		}
	}
	return false
}

// screenshot saves the tab's viewport to docs/NAME for the README.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	b, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err == nil && len(b) == 0 {
		err = errors.New("empty screenshot")
	}
	if err == nil {
		err = os.WriteFile(filepath.Join("..", "docs", name), b, 0o644)
	}
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
	}
}

// statusPNG draws a phone-sized stand-in for a status-page screenshot.
func statusPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 180, 320))
	for y := range 320 {
		for x := range 180 {
			c := color.RGBA{R: 245, G: 246, B: 248, A: 255}
			switch {
			case y < 40:
				c = color.RGBA{R: 11, G: 99, B: 206, A: 255}
			case y > 80 && y < 120 && x > 20 && x < 160:
				c = color.RGBA{R: 198, G: 40, B: 40, A: 255}
			case y%40 > 30 && x > 20 && x < 140:
				c = color.RGBA{R: 180, G: 186, B: 196, A: 255}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// dropJS makes a file in the page and hands it to the widget the way a
// user's paste or drag and drop would. %[1]s is "paste" or "drop", %[2]q
// the file name, %[3]q its type, %[4]s true for PNG bytes, false for ZIP bytes.
const dropJS = `(async () => {
  let blob;
  if (%[4]s) {
    const c = document.createElement('canvas');
    c.width = 60; c.height = 40;
    const g = c.getContext('2d'); g.fillStyle = '#c62828'; g.fillRect(0, 0, 60, 40);
    blob = await new Promise(r => c.toBlob(r, 'image/png'));
  } else {
    blob = new Blob([new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0])]);
  }
  const dt = new DataTransfer();
  dt.items.add(new File([blob], %[2]q, {type: %[3]q}));
  if (%[1]q === 'paste') {
    document.getElementById('text').dispatchEvent(new ClipboardEvent('paste', {clipboardData: dt, bubbles: true, cancelable: true}));
  } else {
    document.getElementById('log').dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));
  }
  return true;
})()`

func handFile(ctx context.Context, how, name, typ string, isPNG bool) error {
	_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(dropJS, how, name, typ, fmt.Sprint(isPNG)), chromedp.EvalAwaitPromise))
	return err
}

func countJS(sel string) string { return fmt.Sprintf(`document.querySelectorAll(%q).length`, sel) }

// TestBrowserWidgetDetails covers the widget's other ways in: paste, drag
// and drop, Enter to send, refusals on the client and from the server, the
// user's language, and the embed snippet on a merchant's page.
func TestBrowserWidgetDetails(t *testing.T) {
	exe := chromium(t)
	cut := &connCutter{}
	sk := newStack(t, cut.wrap)
	tab := newBrowser(t, exe)
	err := chromedp.Do(tab,
		// A regional tag, as chat -lang takes it: the page reads it as zh-Hant.
		chromedp.Navigate(sk.srv.URL+"/?lang=zh-hk"),
		chromedp.WaitVisible(chromedp.CSS("#text")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if err := waitJS(tab, `document.getElementById('chat').classList.contains('is-online')`, 10*time.Second); err != nil {
		t.Fatalf("never connected: %v", err)
	}
	if err := waitJS(tab, `document.documentElement.lang === 'zh-Hant' && document.getElementById('send').textContent === '傳送' && document.title === '客戶服務'`, time.Second); err != nil {
		t.Errorf("UI strings are not in zh-Hant: %v", err)
	}
	greeted, err := settle(tab, 0)
	if err != nil {
		t.Fatal(err)
	}

	steps := []struct {
		name string
		do   func() error
		want string // a page expression that must become true
	}{
		{"Enter sends", func() error {
			return chromedp.Do(tab, chromedp.SendKeys(chromedp.CSS("#text"), "你好\r"))
		}, `Array.from(document.querySelectorAll('#log .from-user .text')).some(e => e.textContent === '你好') && document.getElementById('text').value === ''`},
		{"paste shows a preview", func() error {
			return handFile(tab, "paste", "pasted.png", "image/png", true)
		}, `!document.getElementById('preview').hidden && document.getElementById('preview-name').textContent === 'pasted.png' && document.getElementById('preview-img').naturalWidth === 60`},
		{"cancel drops it", func() error {
			return chromedp.Do(tab, chromedp.Click(chromedp.CSS("#preview-cancel")))
		}, `document.getElementById('preview').hidden && ` + countJS("#log .from-user.image") + ` === 0`},
		{"drag and drop shows a preview", func() error {
			return handFile(tab, "drop", "dropped.png", "image/png", true)
		}, `!document.getElementById('preview').hidden && document.getElementById('preview-name').textContent === 'dropped.png'`},
		{"send the dropped screenshot", func() error {
			return chromedp.Do(tab, chromedp.Click(chromedp.CSS("#preview-send")))
		}, countJS("#log .from-user.image img") + ` === 1 && document.getElementById('preview').hidden`},
		{"a ZIP is refused in the page", func() error {
			return handFile(tab, "drop", "a.zip", "application/zip", false)
		}, `Array.from(document.querySelectorAll('#log .error')).some(e => e.textContent === '只可傳送 PNG、JPEG 或 WebP 圖片。') && document.getElementById('preview').hidden`},
		{"4,001 characters are refused in the page", func() error {
			_, err := chromedp.Run(tab, chromedp.Evaluate[bool](`document.getElementById('text').value = '錢'.repeat(4001); document.getElementById('send').click(); true`))
			return err
		}, `Array.from(document.querySelectorAll('#log .error')).some(e => e.textContent === '訊息超過 4,000 字。') && document.getElementById('text').value.length === 4001`},
		{"a ZIP claiming to be a PNG: the server's error frame is shown in the page's language", func() error {
			if _, err := chromedp.Run(tab, chromedp.Evaluate[bool](`document.getElementById('text').value = ''; true`)); err != nil {
				return err
			}
			if err := handFile(tab, "drop", "fake.png", "image/png", false); err != nil {
				return err
			}
			return chromedp.Do(tab, chromedp.WaitVisible(chromedp.CSS("#preview")), chromedp.Click(chromedp.CSS("#preview-send")))
		}, `Array.from(document.querySelectorAll('#log .error[role=alert]')).filter(e => e.textContent === '只可傳送 PNG、JPEG 或 WebP 圖片。').length === 2`},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if err := waitJS(tab, s.want, 10*time.Second); err != nil {
			dump, _ := chromedp.Run(tab, chromedp.Evaluate[string](`JSON.stringify({log: document.getElementById('log').innerText, text: document.getElementById('text').value})`))
			t.Fatalf("%s: %s never held: %v\npage: %s", s.name, s.want, err, dump)
		}
	}
	shown, err := settle(tab, greeted.Bot)
	if err != nil {
		t.Errorf("no bot reply to the screenshot: %v", err)
	}

	// The server drops the connection: the widget says it is reconnecting,
	// comes back under the same session, and shows nothing twice.
	_, err = chromedp.Run(tab, chromedp.Evaluate[bool](`window.__session = localStorage.getItem('triagebot.session');
	  window.__states = [];
	  new MutationObserver(() => window.__states.push(document.getElementById('status').textContent))
	    .observe(document.getElementById('status'), {childList: true, characterData: true, subtree: true});
	  true`))
	if err != nil {
		t.Fatal(err)
	}
	if n := cut.cut(); n == 0 {
		t.Fatal("no WebSocket connection to cut")
	}
	if err := waitJS(tab, `window.__states.includes('重新連線中…') && document.getElementById('chat').classList.contains('is-online') && document.getElementById('status').textContent === ''`, 10*time.Second); err != nil {
		states, _ := chromedp.Run(tab, chromedp.Evaluate[[]string](`window.__states`))
		t.Fatalf("no reconnecting state and reconnection: %v (states %q)", err, states)
	}
	if err := chromedp.Do(tab, chromedp.SendKeys(chromedp.CSS("#text"), "我個提款失敗咗\r")); err != nil {
		t.Fatal(err)
	}
	after, err := settle(tab, shown.Bot)
	if err != nil {
		t.Fatalf("no answer after reconnecting: %v", err)
	}
	same, err := chromedp.Run(tab, chromedp.Evaluate[bool](`localStorage.getItem('triagebot.session') === window.__session &&
	  new Set(Array.from(document.querySelectorAll('#log [data-id]')).map(e => e.dataset.id)).size === document.querySelectorAll('#log [data-id]').length`))
	if err != nil || !same {
		t.Errorf("after reconnecting: same session and no duplicates = %v (err %v); bot said %q", same, err, after.Last)
	}

	// A stored session the server no longer knows: a new conversation
	// starts, and the page says so as a note in its language, not as a
	// refusal of something the user did.
	err = chromedp.Do(tab,
		chromedp.Evaluate[chromedp.Void](`localStorage.setItem('triagebot.session', 'gone-session-1'); true`),
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS("#text")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if err := waitJS(tab, `Array.from(document.querySelectorAll('#log .note')).some(e => e.textContent === '找不到你之前的對話，已開始新的對話。') &&
	  document.querySelectorAll('#log .error').length === 0 &&
	  !['gone-session-1', null].includes(localStorage.getItem('triagebot.session'))`, 10*time.Second); err != nil {
		dump, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.getElementById('log').innerText`))
		t.Errorf("unknown stored session: %v\npage: %s", err, dump)
	}

	// embed.js on a merchant's page of another origin, with every
	// attribute: the bubble on the left, in the page's colour and
	// language; the framed widget takes both.
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="en"><title>Shop</title><h1>Shop</h1><script src="%s/embed.js" async data-lang="zh-HK" data-position="left" data-color="#8a2be2"></script></html>`, sk.srv.URL)
	}))
	defer shop.Close()
	err = chromedp.Do(tab,
		chromedp.EmulateViewport(1024, 720),
		chromedp.Navigate(shop.URL),
		chromedp.WaitVisible(chromedp.CSS(`#triagebot-bubble`)),
	)
	if err != nil {
		t.Fatalf("embed: %v", err)
	}
	if err := waitJS(tab, `(() => { const b = document.getElementById('triagebot-bubble'); const r = b.getBoundingClientRect();
	  return r.left < 100 && getComputedStyle(b).backgroundColor === 'rgb(138, 43, 226)' && b.getAttribute('aria-label') === '聯絡客服'; })()`, 5*time.Second); err != nil {
		t.Errorf("embed: the bubble is not left, purple and in zh-Hant: %v", err)
	}
	err = chromedp.Do(tab,
		chromedp.Click(chromedp.CSS(`#triagebot-bubble`)),
		chromedp.WaitVisible(chromedp.CSS("#triagebot-frame")),
	)
	if err != nil {
		t.Fatalf("embed: %v", err)
	}
	want := fmt.Sprintf(`document.getElementById('triagebot-frame').src === %q && document.getElementById('triagebot-bubble').getAttribute('aria-expanded') === 'true'`,
		sk.srv.URL+"/?embed=1&open=1&lang=zh-HK&color=%238a2be2")
	if err := waitJS(tab, want, 5*time.Second); err != nil {
		t.Errorf("embed: the frame is not the widget: %v", err)
	}
	// The widget in the frame connects (its page is on our origin), is
	// greeted, and wears the host's colour and language.
	frames, err := chromedp.Run(tab, chromedp.Nodes(chromedp.CSS("#triagebot-frame")))
	if err != nil || len(frames) != 1 {
		t.Fatalf("embed: frame node: %v", err)
	}
	if err := chromedp.Do(tab, chromedp.Poll[chromedp.Void](`document.querySelectorAll('#log .from-bot').length > 0 && document.getElementById('chat').classList.contains('is-online') &&
	    getComputedStyle(document.querySelector('.bar')).backgroundColor === 'rgb(138, 43, 226)' && document.getElementById('send').textContent === '傳送' && !document.getElementById('close').hidden`,
		chromedp.WithPollingInFrame(frames[0]), chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Errorf("embed: the framed widget did not connect in the host's colour and language: %v", err)
	}
}

// connCutter remembers the WebSocket connections it lets through so a test
// can drop them all, as a restarting proxy or a network change would.
type connCutter struct {
	mu    sync.Mutex
	conns []net.Conn
}

func (c *connCutter) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(&hijackRecorder{ResponseWriter: w, c: c}, r)
	})
}

// cut closes every connection and reports how many there were.
func (c *connCutter) cut() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := len(c.conns)
	for _, conn := range c.conns {
		_ = conn.Close()
	}
	c.conns = nil
	return n
}

type hijackRecorder struct {
	http.ResponseWriter
	c *connCutter
}

func (h *hijackRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err == nil {
		h.c.mu.Lock()
		h.c.conns = append(h.c.conns, conn)
		h.c.mu.Unlock()
	}
	return conn, rw, err
}
