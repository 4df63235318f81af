package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/triagebot/triagebot/intents"
	"github.com/triagebot/triagebot/language"
	"github.com/triagebot/triagebot/prompts"
	"github.com/triagebot/triagebot/tickets"
)

func TestConsoleLabels(t *testing.T) {
	hk, err := time.LoadLocation("Asia/Hong_Kong")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		loc  *time.Location
		zone string
	}{
		{"routing zone", hk, "Asia/Hong_Kong"},
		{"no zone is UTC", nil, "UTC"},
		{"Local is no name a browser knows", time.Local, "UTC"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(newServer(t, Config{Location: c.loc}).Handler())
			defer srv.Close()
			resp, err := http.Get(srv.URL + "/agent/labels.js")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/javascript; charset=utf-8" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Fatalf("status %d, headers %v", resp.StatusCode, resp.Header)
			}
			s := string(body)
			const pre = "window.TriagebotLabels = "
			i := strings.Index(s, pre)
			if i < 0 || !strings.HasSuffix(s, ";\n") {
				t.Fatalf("not the labels script: %q", s)
			}
			var got consoleLabels
			if err := json.Unmarshal([]byte(strings.TrimSuffix(s[i+len(pre):], ";\n")), &got); err != nil {
				t.Fatal(err)
			}
			if got.Zone != c.zone {
				t.Errorf("zone %q, want %q", got.Zone, c.zone)
			}
			// The names are the bot's own, for every intent and language.
			for _, lang := range language.All {
				if len(got.Intents[string(lang)]) != len(intents.All) {
					t.Errorf("%s: %d names, want %d", lang, len(got.Intents[string(lang)]), len(intents.All))
				}
				for _, in := range intents.All {
					want := prompts.Render(lang, prompts.IntentLabel(string(in)), nil)
					if got.Intents[string(lang)][string(in)] != want || want == "" || strings.HasPrefix(want, "[") {
						t.Errorf("%s %s: %q, want %q", lang, in, got.Intents[string(lang)][string(in)], want)
					}
				}
			}
		})
	}
}

// TestConsoleStrings checks that every string the console asks for exists,
// and that the three languages have the same keys.
func TestConsoleStrings(t *testing.T) {
	src, err := static.ReadFile("static/strings.js")
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile(`(?m)^    '?(en|zh-Hant|zh-Hans)'?: \{$`)
	key := regexp.MustCompile(`(?m)^      (\w+): '`)
	starts := block.FindAllSubmatchIndex(src, -1)
	if len(starts) != 3 {
		t.Fatalf("found %d language blocks in strings.js, want 3", len(starts))
	}
	keys := map[string]map[string]bool{}
	for i, m := range starts {
		end := len(src)
		if i+1 < len(starts) {
			end = starts[i+1][0]
		}
		lang := string(src[m[2]:m[3]])
		keys[lang] = map[string]bool{}
		for _, k := range key.FindAllSubmatch(src[m[1]:end], -1) {
			keys[lang][string(k[1])] = true
		}
	}
	for _, lang := range []string{"zh-Hant", "zh-Hans"} {
		var missing, extra []string
		for k := range keys["en"] {
			if !keys[lang][k] {
				missing = append(missing, k)
			}
		}
		for k := range keys[lang] {
			if !keys["en"][k] {
				extra = append(extra, k)
			}
		}
		sort.Strings(missing)
		sort.Strings(extra)
		if len(missing)+len(extra) > 0 {
			t.Errorf("%s: missing %v, not in en %v", lang, missing, extra)
		}
	}

	// Keys named literally in the console, and the values used as keys
	// (statuses, priorities, authors).
	used := map[string]bool{}
	for _, k := range []string{"open", "claimed", "resolved", "urgent", "high", "normal", "low", "from_user", "from_bot", "from_agent"} {
		used[k] = true
	}
	js, err := static.ReadFile("static/console.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`\bt\('(\w+)'[,)]|\['(d_\w+)'`).FindAllSubmatch(js, -1) {
		used[string(m[1])+string(m[2])] = true
	}
	html, err := static.ReadFile("static/console.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`data-t(?:-\w+)?="(\w+)"`).FindAllSubmatch(html, -1) {
		used[string(m[1])] = true
	}
	if len(used) < 40 {
		t.Fatalf("found only %d keys in the console; the patterns no longer match the code", len(used))
	}
	for k := range used {
		if !keys["en"][k] {
			t.Errorf("the console uses %q, which strings.js lacks", k)
		}
	}
}

func TestTeam(t *testing.T) {
	f := newFixture(t)
	srv := httptest.NewServer(newServer(t, Config{Store: f.store, Queues: []string{"fraud", "payments"}}).Handler())
	defer srv.Close()
	get := func(token string) (int, string) {
		req, err := http.NewRequest("GET", srv.URL+"/api/team", nil)
		if err != nil {
			t.Fatal(err)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, string(b)
	}
	if code, _ := get(""); code != http.StatusUnauthorized {
		t.Errorf("without a token: %d, want 401", code)
	}
	// Any agent may ask, a queue-limited one too; names and queues only.
	code, body := get(f.tokens["carol"])
	const want = `{"queues":["fraud","payments"],"agents":[{"name":"alice","queues":[]},{"name":"bob","queues":[]},{"name":"carol","queues":["merchant"]},{"name":"root","queues":[]}]}`
	if code != 200 || strings.TrimSpace(body) != want {
		t.Errorf("got %d %s\nwant %s", code, body, want)
	}
}

// TestListLastMessage: queue rows show the customer's latest line, so the
// list carries it without the transcript.
func TestListLastMessage(t *testing.T) {
	f := newFixture(t)
	tk := f.ticket(tickets.High, "payments", time.Hour)
	err := f.store.Update(context.Background(), func(tx tickets.Tx) error {
		_, err := tickets.AppendEntry(tx, tk.ID, tickets.Entry{From: tickets.FromBot, Text: "A colleague will look at it", At: t0})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	quiet := f.ticket(tickets.Low, "app", 2*time.Hour)
	err = f.store.Update(context.Background(), func(tx tickets.Tx) error {
		q, err := tx.Ticket(quiet.ID)
		if err != nil {
			return err
		}
		q.Transcript = nil
		return tx.PutTicket(&q)
	})
	if err != nil {
		t.Fatal(err)
	}
	r := f.do("GET", "/api/tickets", "alice", nil)
	var list struct {
		Tickets []map[string]json.RawMessage `json:"tickets"`
	}
	if err := json.Unmarshal(r.body, &list); err != nil || r.status != 200 {
		t.Fatalf("%d %v: %s", r.status, err, r.body)
	}
	got := map[string]string{}
	for _, e := range list.Tickets {
		var id string
		_ = json.Unmarshal(e["id"], &id)
		if _, ok := e["transcript"]; ok {
			t.Errorf("%s: the list carries the transcript", id)
		}
		got[id] = string(e["last_message"])
	}
	if want := `{"text":"my withdrawal failed","at":"2025-11-03T09:00:00Z"}`; got[tk.ID] != want {
		t.Errorf("%s: last_message %s, want %s (the customer's line, not the bot's)", tk.ID, got[tk.ID], want)
	}
	if got[quiet.ID] != "" {
		t.Errorf("%s: last_message %s for a ticket without customer lines", quiet.ID, got[quiet.ID])
	}
}
