package web

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/triagebot/triagebot/prompts"
	"github.com/triagebot/triagebot/tickets"
)

// outbox lists the texts the conversation's user was sent, and how many
// ticket events.
func (f *fixture) outbox(convID string) (texts []string, events int) {
	f.t.Helper()
	err := f.store.View(context.Background(), func(tx tickets.Tx) error {
		out, err := tx.Outbox(convID)
		for _, m := range out {
			if m.Kind == tickets.KindTicket {
				events++
			} else {
				texts = append(texts, m.Text)
			}
		}
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return texts, events
}

func TestNotes(t *testing.T) {
	f := newFixture(t)
	tk := f.ticket(tickets.High, "payments", time.Hour)
	path := "/api/tickets/" + tk.ID + "/notes"
	r := f.do("POST", path, "alice", map[string]string{"text": "  card 4111 1111 1111 1111 was used, asked the bank  "})
	if r.status != http.StatusCreated {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	got := decodeTicket(t, r)
	if len(got.Notes) != 1 || got.Notes[0].Author != "alice" || strings.Contains(got.Notes[0].Text, "4111 1111") ||
		!strings.Contains(got.Notes[0].Text, "asked the bank") || got.Notes[0].At.IsZero() {
		t.Errorf("notes %+v, want alice's note, masked, with its time", got.Notes)
	}
	// Anyone who may see the ticket may note it, even while another holds it.
	f.do("POST", "/api/tickets/"+tk.ID+"/claim", "bob", nil)
	if r := f.do("POST", path, "alice", map[string]string{"text": "second"}); r.status != http.StatusCreated || len(decodeTicket(t, r).Notes) != 2 {
		t.Errorf("note on a ticket bob holds: %d %s", r.status, r.body)
	}
	// The user is never told.
	texts, _ := f.outbox(tk.ConversationID)
	for _, x := range texts {
		if strings.Contains(x, "bank") || strings.Contains(x, "second") {
			t.Errorf("a note reached the user: %q", x)
		}
	}
	for _, c := range []struct {
		agent string
		body  any
		code  int
	}{
		{"alice", map[string]string{"text": "  "}, 400},
		{"alice", "", 400},
		{"alice", map[string]string{"text": strings.Repeat("x", 4001)}, 413},
		{"carol", map[string]string{"text": "not my queue"}, 403},
	} {
		if r := f.do("POST", path, c.agent, c.body); r.status != c.code {
			t.Errorf("%s %v: status %d, want %d", c.agent, c.body, r.status, c.code)
		}
	}
	if r := f.do("POST", "/api/tickets/T-999999/notes", "alice", map[string]string{"text": "x"}); r.status != 404 {
		t.Errorf("unknown ticket: %d", r.status)
	}
}

func TestTransfer(t *testing.T) {
	f := newFixture(t)
	tk := f.ticket(tickets.High, "payments", time.Hour)
	path := "/api/tickets/" + tk.ID + "/transfer"

	// Open, to an agent: bob holds it now.
	r := f.do("POST", path, "alice", map[string]string{"assignee": "bob"})
	if got := decodeTicket(t, r); r.status != 200 || got.Status != tickets.Claimed || got.Assignee != "bob" {
		t.Fatalf("to bob: %d %s", r.status, r.body)
	}
	// Alice no longer may move it; bob may, to a queue: open there.
	if r := f.do("POST", path, "alice", map[string]string{"queue": "fraud"}); r.status != 409 || r.errCode() != CodeConflict {
		t.Errorf("alice moving bob's ticket: %d %s", r.status, r.body)
	}
	r = f.do("POST", path, "bob", map[string]string{"queue": "fraud"})
	if got := decodeTicket(t, r); r.status != 200 || got.Status != tickets.Open || got.Assignee != "" || got.Queue != "fraud" {
		t.Fatalf("to fraud: %d %s", r.status, r.body)
	}
	// The user heard twice that a colleague continues, nothing about where.
	want := prompts.Render("en", prompts.TicketTransferred, map[string]any{"TicketID": tk.ID})
	texts, events := f.outbox(tk.ConversationID)
	n := 0
	for _, x := range texts {
		if x == want {
			n++
		}
		if strings.Contains(x, "fraud") || strings.Contains(x, "bob") {
			t.Errorf("the user was told where it went: %q", x)
		}
	}
	if n != 2 || events != 2 {
		t.Errorf("outbox %q with %d ticket events, want the transfer sentence twice and 2 events", texts, events)
	}
	// Moving it where it is changes nothing and tells nobody.
	if r := f.do("POST", path, "alice", map[string]string{"queue": "fraud"}); r.status != 200 {
		t.Errorf("to its own queue: %d", r.status)
	}
	if again, _ := f.outbox(tk.ConversationID); len(again) != len(texts) {
		t.Errorf("a transfer to where it is told the user")
	}

	for _, c := range []struct {
		name  string
		agent string
		body  any
		code  int
	}{
		{"unknown queue", "alice", map[string]string{"queue": "nowhere"}, 400},
		{"unknown agent", "alice", map[string]string{"assignee": "nobody"}, 400},
		{"agent not working the queue", "alice", map[string]string{"assignee": "carol"}, 400},
		{"both", "alice", map[string]string{"queue": "fraud", "assignee": "bob"}, 400},
		{"neither", "alice", map[string]string{}, 400},
		{"not json", "alice", "queue=fraud", 400},
		{"not the agent's queue", "carol", map[string]string{"queue": "merchant"}, 403},
	} {
		if r := f.do("POST", path, c.agent, c.body); r.status != c.code {
			t.Errorf("%s: status %d, want %d: %s", c.name, r.status, c.code, r.body)
		}
	}
	f.do("POST", "/api/tickets/"+tk.ID+"/resolve", "alice", nil)
	if r := f.do("POST", path, "alice", map[string]string{"queue": "payments"}); r.status != 409 {
		t.Errorf("resolved: %d", r.status)
	}
}

// Two agents hand the same open ticket to a colleague at once: one wins,
// the other is told it is taken, and the user hears it once.
func TestTransferRace(t *testing.T) {
	f := newFixture(t)
	for round := range 5 {
		tk := f.ticket(tickets.High, "payments", time.Duration(round+1)*time.Minute)
		path := "/api/tickets/" + tk.ID + "/transfer"
		var wg sync.WaitGroup
		codes := make([]int, 2)
		for i, agent := range []string{"alice", "bob"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes[i] = f.do("POST", path, agent, map[string]string{"assignee": "root"}).status
			}()
		}
		wg.Wait()
		slices.Sort(codes)
		if !slices.Equal(codes, []int{200, 409}) {
			t.Errorf("round %d: statuses %v, want one 200 and one 409", round, codes)
		}
		if _, events := f.outbox(tk.ConversationID); events != 1 {
			t.Errorf("round %d: %d ticket events to the user, want 1", round, events)
		}
	}
}

func TestTicketHistoryAndName(t *testing.T) {
	f := newFixture(t)
	old := f.ticket(tickets.Normal, "payments", 3*time.Hour)
	mid := f.ticket(tickets.Normal, "payments", 2*time.Hour)
	cur := f.ticket(tickets.High, "payments", time.Hour)
	other := f.ticket(tickets.High, "fraud", time.Hour) // another user (u-fraud)
	got := decodeTicket(t, f.do("GET", "/api/tickets/"+cur.ID, "alice", nil))
	var hist []string
	for _, h := range got.History {
		hist = append(hist, h.ID)
		if h.Intent != "withdrawal_failed" || h.Status != tickets.Open || h.CreatedAt.IsZero() {
			t.Errorf("history item %+v", h)
		}
	}
	if !slices.Equal(hist, []string{mid.ID, old.ID}) {
		t.Errorf("history %v, want %v (newest first, not itself, not %s)", hist, []string{mid.ID, old.ID}, other.ID)
	}
	if got.User.Name != "Chan Tai Man" {
		t.Errorf("user.name %q", got.User.Name)
	}
	// The answers of changes carry it too; lists carry an empty one.
	if r := f.do("POST", "/api/tickets/"+cur.ID+"/claim", "alice", nil); len(decodeTicket(t, r).History) != 2 {
		t.Errorf("claim answer without history: %s", r.body)
	}
	var list struct {
		Tickets []json.RawMessage `json:"tickets"`
	}
	if err := json.Unmarshal(f.do("GET", "/api/tickets", "alice", nil).body, &list); err != nil || len(list.Tickets) == 0 {
		t.Fatal(err)
	}
	if !strings.Contains(string(list.Tickets[0]), `"history":[]`) || !strings.Contains(string(list.Tickets[0]), `"notes":[]`) {
		t.Errorf("list item without empty history and notes arrays: %s", list.Tickets[0])
	}

	// A web visitor without a name gets a stable "Visitor NNNN".
	anon := tickets.Ticket{Status: tickets.Open, Intent: "app_problem", Priority: tickets.Low, Queue: "tech",
		Channel: tickets.Web, User: tickets.User{ID: "c-PUBLICID"}, Lang: "en", CreatedAt: t0}
	if err := f.store.Update(context.Background(), func(tx tickets.Tx) error { return tx.CreateTicket(&anon) }); err != nil {
		t.Fatal(err)
	}
	a := decodeTicket(t, f.do("GET", "/api/tickets/"+anon.ID, "alice", nil))
	if a.User.Name != tickets.DisplayName(tickets.Web, anon.User) || !strings.HasPrefix(a.User.Name, "Visitor ") {
		t.Errorf("anonymous visitor shown as %q", a.User.Name)
	}
}

func TestSearchAPI(t *testing.T) {
	f := newFixture(t)
	pay := f.ticket(tickets.High, "payments", time.Hour)
	merch := f.ticket(tickets.Normal, "merchant", 2*time.Hour)
	f.do("POST", "/api/tickets/"+merch.ID+"/notes", "root", map[string]string{"text": "商戶提款失敗，已聯絡"})
	search := func(agent, query string) (int, []string) {
		r := f.do("GET", "/api/tickets?"+query, agent, nil)
		var list struct {
			Tickets   []tickets.Ticket `json:"tickets"`
			NextAfter string           `json:"next_after"`
		}
		_ = json.Unmarshal(r.body, &list)
		if list.NextAfter != "" {
			t.Errorf("%s: a search answered next_after", query)
		}
		return r.status, ids(list.Tickets)
	}
	cases := []struct {
		agent, query string
		code         int
		want         []string
	}{
		// Newest (last created) first.
		{"alice", "q=withdrawal", 200, []string{merch.ID, pay.ID}},
		{"alice", "q=%E6%8F%90%E6%AC%BE", 200, []string{merch.ID}}, // 提款
		{"alice", "q=withdrawal&queue=merchant", 200, []string{merch.ID}},
		{"alice", "q=withdrawal&status=claimed", 200, nil},
		{"carol", "q=withdrawal", 200, []string{merch.ID}}, // carol works merchant only
		{"alice", "q=" + pay.ID, 200, []string{pay.ID}},
		{"alice", "q=chan+tai", 200, []string{merch.ID, pay.ID}},
		{"alice", "q=zzzz", 200, nil},
		{"alice", "q=--", 400, nil},
		{"alice", "q=x&after=" + pay.ID, 400, nil},
		{"alice", "q=" + strings.Repeat("x", 201), 400, nil},
	}
	for _, c := range cases {
		code, got := search(c.agent, c.query)
		if code != c.code || !slices.Equal(got, c.want) {
			t.Errorf("%s %s: %d %v, want %d %v", c.agent, c.query, code, got, c.code, c.want)
		}
	}
}

func ids(ts []tickets.Ticket) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.ID)
	}
	return out
}
