package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// storageJS dumps the page's localStorage and sessionStorage.
const storageJS = `(() => {
  const dump = s => { const o = {}; for (let i = 0; i < s.length; i++) { const k = s.key(i); o[k] = s.getItem(k); } return o; };
  return {local: dump(localStorage), session: dump(sessionStorage)};
})()`

type browserStorage struct {
	Local   map[string]string `json:"local"`
	Session map[string]string `json:"session"`
}

// history is the stored history of the page's session ("" when none).
func (b browserStorage) history() string {
	return b.Local["triagebot.history."+b.Local["triagebot.session"]]
}

// TestBrowserWidgetKeepsNoSecret: a user types a card number and a
// password. Browser storage never holds them, nor anything else the user
// typed (an older widget kept every typed line in localStorage for ever),
// though it does keep what the server sent; once the ticket is resolved
// the stored history of the dialogue is gone.
func TestBrowserWidgetKeepsNoSecret(t *testing.T) {
	exe := chromium(t)
	sk := newStack(t, nil)
	tab := newBrowser(t, exe)
	// An older widget's leftovers: raw typed lines under another session.
	err := chromedp.Do(tab,
		chromedp.Navigate(sk.srv.URL+"/?lang=en"),
		chromedp.WaitVisible(chromedp.CSS("#text")),
		chromedp.Evaluate[chromedp.Void](`localStorage.setItem('triagebot.history.old-session', JSON.stringify([{kind: 'user', text: 'my pin is 9876'}])); true`),
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS("#text")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if err := waitJS(tab, `document.getElementById('chat').classList.contains('is-online')`, 10*time.Second); err != nil {
		t.Fatalf("the widget never connected: %v", err)
	}
	const typed = "Someone used my card 4111 1111 1111 1111, my password: hunter2 was changed"
	if err := say(tab, typed); err != nil {
		t.Fatal(err)
	}
	png := filepath.Join(t.TempDir(), "status.png")
	if err := os.WriteFile(png, statusPNG(t), 0o600); err != nil {
		t.Fatal(err)
	}
	var s chatState
	sent := map[string]bool{}
	for turn := 0; turn < 14 && s.Ticket == ""; turn++ {
		if s, err = settle(tab, s.Bot); err != nil {
			t.Fatalf("turn %d: %v", turn, err)
		}
		if s.Ticket != "" {
			break
		}
		kind, text := answer(s, sent)
		sent[kind] = true
		if kind == "screenshot" {
			err = upload(tab, png)
		} else {
			err = say(tab, text)
		}
		if err != nil {
			t.Fatalf("turn %d (%s): %v", turn, kind, err)
		}
	}
	if s.Ticket == "" {
		t.Fatalf("no ticket card after 14 turns (last bot message %q)", s.Last)
	}
	tid := s.Ticket

	secrets := []string{"4111 1111 1111 1111", "4111111111111111", "hunter2", "9876", "Someone used my card", "TX20251102ABC123", "yesterday 3pm"}
	check := func(when string) browserStorage {
		t.Helper()
		st, err := chromedp.Run(tab, chromedp.Evaluate[browserStorage](storageJS))
		if err != nil {
			t.Fatal(err)
		}
		all, _ := json.Marshal(st)
		for _, secret := range secrets {
			if strings.Contains(string(all), secret) {
				t.Errorf("%s: browser storage holds %q: %s", when, secret, all)
			}
		}
		for k := range st.Local {
			if strings.HasPrefix(k, "triagebot.history.") && k != "triagebot.history."+st.Local["triagebot.session"] {
				t.Errorf("%s: another session's history %q is still kept", when, k)
			}
		}
		return st
	}
	before := check("with the ticket open")
	if !strings.Contains(before.history(), tid) {
		t.Errorf("the stored history lacks the ticket event (what the server sent is kept): %q", before.history())
	}
	shownIDs, err := chromedp.Run(tab, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('#log [data-id]')).map(e => e.dataset.id)`))
	if err != nil || len(shownIDs) == 0 {
		t.Fatalf("no server message ids shown (%v)", err)
	}

	for _, call := range []struct{ path, body string }{
		{"/api/tickets/" + tid + "/claim", `{}`},
		{"/api/tickets/" + tid + "/resolve", `{"note":"refunded"}`},
	} {
		req, _ := http.NewRequest(http.MethodPost, sk.srv.URL+call.path, bytes.NewBufferString(call.body))
		req.Header.Set("Authorization", "Bearer "+sk.token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("POST %s: %s", call.path, resp.Status)
		}
	}
	if err := waitJS(tab, `document.getElementById('ticket-status').dataset.status === 'resolved'`, 10*time.Second); err != nil {
		t.Fatalf("the widget does not show the ticket resolved: %v", err)
	}
	if _, err := settle(tab, 0); err != nil {
		t.Fatal(err)
	}
	after := check("after the resolve")
	for _, id := range shownIDs {
		if strings.Contains(after.history(), fmt.Sprintf("%q", id)) {
			t.Errorf("after the resolve the stored history still holds message %s: %s", id, after.history())
		}
	}
	if strings.Contains(after.history(), `"kind":"ticket"`) {
		t.Errorf("after the resolve the stored history still holds a ticket event: %s", after.history())
	}
}
