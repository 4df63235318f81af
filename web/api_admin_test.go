package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/triagebot/triagebot/canned"
	"github.com/triagebot/triagebot/language"
	"github.com/triagebot/triagebot/tickets"
)

func TestCanned(t *testing.T) {
	f := newFixture(t)
	tk := f.ticket(tickets.High, "payments", time.Hour)
	get := func(agent, query string) (int, []canned.Reply) {
		r := f.do("GET", "/api/canned"+query, agent, nil)
		var out cannedList
		_ = json.Unmarshal(r.body, &out)
		return r.status, out.Replies
	}
	for _, c := range []struct{ query, lang string }{{"", "en"}, {"?lang=zh-Hant", "zh-Hant"}, {"?lang=zh-CN", "zh-Hans"}, {"?lang=en-GB", "en"}} {
		code, rs := get("alice", c.query)
		want := canned.Default().For(language.Lang(c.lang))
		if code != 200 || len(rs) < 5 || len(rs) != len(want) || rs[0].Text != want[0].Text || !strings.Contains(rs[0].Text, "{{.TicketID}}") {
			t.Errorf("%q: %d %+v", c.query, code, rs)
		}
		for _, r := range rs {
			if r.ID == "" || r.Title == "" || r.Text == "" {
				t.Errorf("%q: incomplete reply %+v", c.query, r)
			}
		}
	}
	code, rs := get("alice", "?lang=en&ticket="+tk.ID)
	if code != 200 || !strings.Contains(rs[0].Text, tk.ID) || !strings.Contains(rs[0].Text, "Chan Tai Man") || strings.Contains(rs[0].Text, "{{") {
		t.Errorf("filled: %d %+v", code, rs)
	}
	for _, c := range []struct {
		agent, query string
		code         int
	}{
		{"alice", "?lang=fr", 400},
		{"alice", "?ticket=T-999999", 404},
		{"carol", "?ticket=" + tk.ID, 403},
		{"", "", 401},
	} {
		if code, _ := get(c.agent, c.query); code != c.code {
			t.Errorf("%s %s: %d, want %d", c.agent, c.query, code, c.code)
		}
	}
}

func TestAgentsAPI(t *testing.T) {
	f := newFixture(t)
	// Only admins.
	for _, c := range []struct{ method, path string }{
		{"GET", "/api/agents"}, {"POST", "/api/agents"}, {"DELETE", "/api/agents/bob"}, {"POST", "/api/agents/bob/token"},
	} {
		if r := f.do(c.method, c.path, "alice", map[string]any{"name": "x"}); r.status != 403 || r.errCode() != CodeForbidden {
			t.Errorf("%s %s as a non-admin: %d", c.method, c.path, r.status)
		}
	}
	var list struct {
		Agents []agentView `json:"agents"`
	}
	r := f.do("GET", "/api/agents", "root", nil)
	if err := json.Unmarshal(r.body, &list); err != nil || r.status != 200 || len(list.Agents) != 4 || list.Agents[0].Name != "alice" {
		t.Fatalf("list: %d %s", r.status, r.body)
	}
	if strings.Contains(string(r.body), "token") {
		t.Errorf("the list shows tokens or hashes: %s", r.body)
	}

	// Create: 201 with the token, which works at once.
	r = f.do("POST", "/api/agents", "root", map[string]any{"name": "dora", "queues": []string{"fraud"}})
	var created agentView
	if err := json.Unmarshal(r.body, &created); err != nil || r.status != 201 || created.Token == "" || created.Name != "dora" || created.Queues[0] != "fraud" {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	f.tokens["dora"] = created.Token
	if r := f.do("GET", "/api/me", "dora", nil); r.status != 200 || !strings.Contains(string(r.body), `"fraud"`) {
		t.Errorf("the new token: %d %s", r.status, r.body)
	}
	for _, c := range []struct {
		body any
		code int
	}{
		{map[string]any{"name": "dora"}, 409},
		{map[string]any{"name": ""}, 400},
		{map[string]any{"name": "bad\nname"}, 400},
		{map[string]any{"name": strings.Repeat("x", 65)}, 400},
		{map[string]any{"name": "ed", "queues": []string{"nowhere"}}, 400},
		{"not json", 400},
	} {
		if r := f.do("POST", "/api/agents", "root", c.body); r.status != c.code {
			t.Errorf("create %v: %d, want %d: %s", c.body, r.status, c.code, r.body)
		}
	}

	// Rotate: the old token is refused at once, the new one works.
	r = f.do("POST", "/api/agents/dora/token", "root", nil)
	var rot struct{ Name, Token string }
	if err := json.Unmarshal(r.body, &rot); err != nil || r.status != 200 || rot.Token == "" || rot.Token == created.Token {
		t.Fatalf("rotate: %d %s", r.status, r.body)
	}
	if r := f.do("GET", "/api/me", "dora", nil); r.status != 401 {
		t.Errorf("the old token after rotation: %d", r.status)
	}
	f.tokens["dora"] = rot.Token
	if r := f.do("GET", "/api/me", "dora", nil); r.status != 200 {
		t.Errorf("the rotated token: %d", r.status)
	}

	// Remove: 204, the token is refused by the next call (no cache), and
	// the tickets dora held go back to the open queue.
	tk := f.ticket(tickets.High, "fraud", time.Hour)
	if r := f.do("POST", "/api/tickets/"+tk.ID+"/claim", "dora", nil); r.status != 200 {
		t.Fatalf("claim: %d", r.status)
	}
	stream := f.openStream("Bearer "+rot.Token, "", "")
	stream.next(true)
	if r := f.do("DELETE", "/api/agents/dora", "root", nil); r.status != 204 || len(r.body) != 0 {
		t.Fatalf("remove: %d %s", r.status, r.body)
	}
	if r := f.do("GET", "/api/me", "dora", nil); r.status != 401 {
		t.Errorf("a removed agent's token: %d", r.status)
	}
	if err := stream.ended(); err == nil {
		t.Error("the removed agent's stream stayed open")
	}
	if got := decodeTicket(t, f.do("GET", "/api/tickets/"+tk.ID, "root", nil)); got.Status != tickets.Open || got.Assignee != "" {
		t.Errorf("dora's ticket after her removal: %s %q", got.Status, got.Assignee)
	}
	for _, c := range []struct {
		method, path string
		code         int
	}{
		{"DELETE", "/api/agents/dora", 404},
		{"POST", "/api/agents/dora/token", 404},
		{"DELETE", "/api/agents/root", 409},
	} {
		if r := f.do(c.method, c.path, "root", nil); r.status != c.code {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, r.status, c.code)
		}
	}
	if r := f.do("GET", "/api/agents", "root", nil); strings.Contains(string(r.body), "dora") || r.status != http.StatusOK {
		t.Errorf("list after removal: %s", r.body)
	}
}
