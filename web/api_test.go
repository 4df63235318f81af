package web

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
)

func TestAuth(t *testing.T) {
	f := newFixture(t)
	tk := f.ticket(tickets.High, "payments", time.Hour)
	paths := []struct{ method, path string }{
		{"GET", "/api/me"},
		{"GET", "/api/tickets"},
		{"GET", "/api/tickets/" + tk.ID},
		{"POST", "/api/tickets/" + tk.ID + "/claim"},
		{"POST", "/api/tickets/" + tk.ID + "/release"},
		{"POST", "/api/tickets/" + tk.ID + "/messages"},
		{"POST", "/api/tickets/" + tk.ID + "/resolve"},
		{"GET", "/api/tickets/" + tk.ID + "/attachments/x"},
		{"GET", "/api/admin/backup"},
		{"POST", "/api/tickets/" + tk.ID + "/notes"},
		{"POST", "/api/tickets/" + tk.ID + "/transfer"},
		{"GET", "/api/events"},
		{"GET", "/api/canned"},
		{"GET", "/api/agents"},
		{"POST", "/api/agents"},
		{"DELETE", "/api/agents/alice"},
		{"POST", "/api/agents/alice/token"},
	}
	cases := []struct {
		name   string
		header string
	}{
		{"no header", ""},
		{"wrong token", "Bearer wrong" + f.tokens["alice"]},
		{"empty bearer", "Bearer "},
		{"basic scheme", "Basic " + f.tokens["alice"]},
		{"token alone", f.tokens["alice"]},
	}
	for _, c := range cases {
		for _, p := range paths {
			t.Run(c.name+" "+p.method+" "+p.path, func(t *testing.T) {
				req, err := http.NewRequest(p.method, f.srv.URL+p.path, nil)
				if err != nil {
					t.Fatal(err)
				}
				if c.header != "" {
					req.Header.Set("Authorization", c.header)
				}
				resp, err := f.srv.Client().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				var e apiError
				err = json.NewDecoder(resp.Body).Decode(&e)
				resp.Body.Close()
				if resp.StatusCode != http.StatusUnauthorized || err != nil || e.Error.Code != CodeUnauthorized {
					t.Errorf("status %d code %q (decode %v), want 401 unauthorized", resp.StatusCode, e.Error.Code, err)
				}
				if resp.Header.Get("WWW-Authenticate") == "" {
					t.Error("no WWW-Authenticate header")
				}
			})
		}
	}
	t.Run("right token, any case of Bearer", func(t *testing.T) {
		req, _ := http.NewRequest("GET", f.srv.URL+"/api/me", nil)
		req.Header.Set("Authorization", "bearer "+f.tokens["alice"])
		resp, err := f.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("status %d, want 200", resp.StatusCode)
		}
	})
}

func TestMe(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		agent string
		want  me
	}{
		{"alice", me{Name: "alice", Queues: []string{}}},
		{"root", me{Name: "root", Queues: []string{}, Admin: true}},
		{"carol", me{Name: "carol", Queues: []string{"merchant"}}},
	}
	for _, c := range cases {
		r := f.do("GET", "/api/me", c.agent, nil)
		if r.status != http.StatusOK {
			t.Fatalf("%s: status %d", c.agent, r.status)
		}
		var got me
		if err := json.Unmarshal(r.body, &got); err != nil {
			t.Fatal(err)
		}
		if got.Name != c.want.Name || got.Admin != c.want.Admin || !slices.Equal(got.Queues, c.want.Queues) {
			t.Errorf("%s: got %+v, want %+v", c.agent, got, c.want)
		}
		if bytes.Contains(r.body, []byte("token")) {
			t.Errorf("%s: /api/me shows the token hash: %s", c.agent, r.body)
		}
	}
}

// listIDs lists ticket ids of a GET /api/tickets answer.
func listIDs(t *testing.T, r response) ([]string, string) {
	t.Helper()
	var l struct {
		Tickets   []tickets.Ticket `json:"tickets"`
		NextAfter string           `json:"next_after"`
	}
	if err := json.Unmarshal(r.body, &l); err != nil {
		t.Fatalf("not a ticket list: %v: %s", err, r.body)
	}
	ids := []string{}
	for _, tk := range l.Tickets {
		ids = append(ids, tk.ID)
	}
	return ids, l.NextAfter
}

func TestList(t *testing.T) {
	f := newFixture(t)
	lowOld := f.ticket(tickets.Low, "payments", 5*time.Hour)
	urgentNew := f.ticket(tickets.Urgent, "security", time.Hour)
	urgentOld := f.ticket(tickets.Urgent, "payments", 3*time.Hour)
	normal := f.ticket(tickets.Normal, "merchant", 2*time.Hour)
	if r := f.do("POST", "/api/tickets/"+urgentNew.ID+"/claim", "bob", nil); r.status != http.StatusOK {
		t.Fatalf("claim: status %d: %s", r.status, r.body)
	}

	cases := []struct {
		name, agent, query string
		want               []string
	}{
		{"all, most urgent then oldest", "alice", "", []string{urgentOld.ID, urgentNew.ID, normal.ID, lowOld.ID}},
		{"status open", "alice", "status=open", []string{urgentOld.ID, normal.ID, lowOld.ID}},
		{"status claimed", "alice", "status=claimed", []string{urgentNew.ID}},
		{"status resolved", "alice", "status=resolved", []string{}},
		{"queue", "alice", "queue=payments", []string{urgentOld.ID, lowOld.ID}},
		{"priority", "alice", "priority=urgent", []string{urgentOld.ID, urgentNew.ID}},
		{"all three", "alice", "status=open&queue=payments&priority=low", []string{lowOld.ID}},
		{"unknown queue", "alice", "queue=nothing", []string{}},
		{"agent limited to a queue", "carol", "", []string{normal.ID}},
		{"agent limited, own queue", "carol", "queue=merchant", []string{normal.ID}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := f.do("GET", "/api/tickets?"+c.query, c.agent, nil)
			if r.status != http.StatusOK {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			if got, _ := listIDs(t, r); !slices.Equal(got, c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}

	bad := []struct{ name, agent, query, code string }{
		{"bad status", "alice", "status=closed", CodeBadRequest},
		{"bad priority", "alice", "priority=critical", CodeBadRequest},
		{"limit zero", "alice", "limit=0", CodeBadRequest},
		{"limit too big", "alice", "limit=501", CodeBadRequest},
		{"limit not a number", "alice", "limit=ten", CodeBadRequest},
		{"control character in queue", "alice", "queue=a%00b", CodeBadRequest},
		{"queue too long", "alice", "queue=" + strings.Repeat("q", 65), CodeBadRequest},
		{"after not a ticket id", "alice", "after=zzz", CodeBadRequest},
		{"after unknown ticket", "alice", "after=T-999999", CodeBadRequest},
		{"other agent's queue", "carol", "queue=payments", CodeForbidden},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			r := f.do("GET", "/api/tickets?"+c.query, c.agent, nil)
			want := map[string]int{CodeBadRequest: 400, CodeForbidden: 403}[c.code]
			if r.status != want || r.errCode() != c.code {
				t.Errorf("status %d code %q, want %d %s: %s", r.status, r.errCode(), want, c.code, r.body)
			}
		})
	}

	t.Run("paging with limit and after", func(t *testing.T) {
		var got []string
		after := ""
		for range 10 {
			r := f.do("GET", "/api/tickets?limit=1&after="+after, "alice", nil)
			if r.status != http.StatusOK {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			ids, next := listIDs(t, r)
			got = append(got, ids...)
			if next == "" {
				break
			}
			after = next
		}
		want := []string{urgentOld.ID, urgentNew.ID, normal.ID, lowOld.ID}
		if !slices.Equal(got, want) {
			t.Errorf("pages gave %v, want %v", got, want)
		}
	})
	t.Run("paging for an agent limited to queues", func(t *testing.T) {
		more := f.ticket(tickets.Low, "merchant", 4*time.Hour)
		r := f.do("GET", "/api/tickets?limit=1", "carol", nil)
		ids, next := listIDs(t, r)
		if !slices.Equal(ids, []string{normal.ID}) || next != normal.ID {
			t.Fatalf("first page %v next %q", ids, next)
		}
		r = f.do("GET", "/api/tickets?limit=1&after="+next, "carol", nil)
		if ids, _ := listIDs(t, r); !slices.Equal(ids, []string{more.ID}) {
			t.Errorf("second page %v, want [%s]", ids, more.ID)
		}
	})
}

func TestTicket(t *testing.T) {
	f := newFixture(t)
	tk := f.ticket(tickets.High, "payments", time.Hour)
	cases := []struct {
		name, agent, id string
		status          int
		code            string
	}{
		{"found", "alice", tk.ID, 200, ""},
		{"unknown", "alice", "T-999999", 404, CodeNotFound},
		{"malformed id", "alice", "nonsense", 404, CodeNotFound},
		{"queue the agent does not work", "carol", tk.ID, 403, CodeForbidden},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := f.do("GET", "/api/tickets/"+c.id, c.agent, nil)
			if r.status != c.status || r.errCode() != c.code {
				t.Fatalf("status %d code %q, want %d %q: %s", r.status, r.errCode(), c.status, c.code, r.body)
			}
		})
	}
	// The contract's field names, all present.
	r := f.do("GET", "/api/tickets/"+tk.ID, "alice", nil)
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(r.body, &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "status", "intent", "priority", "queue", "sla_due", "channel", "user", "lang",
		"details", "attachments", "transcript", "assignee", "created_at", "updated_at"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("ticket JSON has no %q: %s", k, r.body)
		}
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
}

func TestClaimReplyResolve(t *testing.T) {
	f := newFixture(t)
	tk := f.ticket(tickets.Urgent, "payments", time.Hour)
	base := "/api/tickets/" + tk.ID
	steps := []struct {
		name, method, path, agent string
		body                      any
		status                    int
		code                      string
	}{
		{"reply before claim is allowed", "POST", "/messages", "alice", map[string]string{"text": "looking into it"}, 200, ""},
		{"alice claims", "POST", "/claim", "alice", nil, 200, ""},
		{"alice claims again: no change", "POST", "/claim", "alice", nil, 200, ""},
		{"bob claims: someone else holds it", "POST", "/claim", "bob", nil, 409, CodeConflict},
		{"bob replies: someone else holds it", "POST", "/messages", "bob", map[string]string{"text": "hi"}, 409, CodeConflict},
		{"bob resolves: someone else holds it", "POST", "/resolve", "bob", map[string]string{"note": "x"}, 409, CodeConflict},
		{"bob releases: someone else holds it", "POST", "/release", "bob", nil, 409, CodeConflict},
		{"alice releases", "POST", "/release", "alice", nil, 200, ""},
		{"alice releases again: no change", "POST", "/release", "alice", nil, 200, ""},
		{"alice claims it back", "POST", "/claim", "alice", nil, 200, ""},
		{"carol: not her queue", "POST", "/claim", "carol", nil, 403, CodeForbidden},
		{"empty text", "POST", "/messages", "alice", map[string]string{"text": "   "}, 400, CodeBadRequest},
		{"no body", "POST", "/messages", "alice", nil, 400, CodeBadRequest},
		{"not JSON", "POST", "/messages", "alice", "text=hi", 400, CodeBadRequest},
		{"two JSON values", "POST", "/messages", "alice", `{"text":"a"}{"text":"b"}`, 400, CodeBadRequest},
		{"text is not a string", "POST", "/messages", "alice", `{"text":42}`, 400, CodeBadRequest},
		{"4,001 characters", "POST", "/messages", "alice", map[string]string{"text": strings.Repeat("錢", 4001)}, 413, CodeTooLarge},
		{"body over 64 KiB", "POST", "/messages", "alice", `{"text":"` + strings.Repeat("a", 70<<10) + `"}`, 413, CodeTooLarge},
		{"4,000 characters", "POST", "/messages", "alice", map[string]string{"text": strings.Repeat("錢", 4000)}, 200, ""},
		{"alice replies", "POST", "/messages", "alice", map[string]string{"text": "Please check <b>now</b>"}, 200, ""},
		{"note over 4,000 characters", "POST", "/resolve", "alice", map[string]string{"note": strings.Repeat("n", 4001)}, 413, CodeTooLarge},
		{"alice resolves", "POST", "/resolve", "alice", map[string]string{"note": "refunded"}, 200, ""},
		{"resolve twice", "POST", "/resolve", "alice", nil, 409, CodeConflict},
		{"claim a resolved ticket", "POST", "/claim", "bob", nil, 409, CodeConflict},
		{"reply to a resolved ticket", "POST", "/messages", "alice", map[string]string{"text": "more"}, 409, CodeConflict},
	}
	for _, s := range steps {
		r := f.do(s.method, base+s.path, s.agent, s.body)
		if r.status != s.status || r.errCode() != s.code {
			t.Fatalf("%s: status %d code %q, want %d %q: %.300s", s.name, r.status, r.errCode(), s.status, s.code, r.body)
		}
	}
	for _, path := range []string{"/claim", "/release", "/messages", "/resolve"} {
		r := f.do("POST", "/api/tickets/T-999999"+path, "alice", map[string]string{"text": "x"})
		if r.status != 404 || r.errCode() != CodeNotFound {
			t.Errorf("%s on unknown ticket: status %d code %q", path, r.status, r.errCode())
		}
	}

	got := decodeTicket(t, f.do("GET", base, "alice", nil))
	if got.Status != tickets.Resolved || got.Assignee != "alice" || got.Note != "refunded" {
		t.Errorf("after resolve: status %s assignee %q note %q", got.Status, got.Assignee, got.Note)
	}
	var replies []string
	for _, e := range got.Transcript {
		if e.From == tickets.FromAgent {
			replies = append(replies, e.Text)
		}
	}
	if len(replies) != 3 || replies[2] != "Please check <b>now</b>" {
		t.Errorf("agent entries in the transcript: %q", replies)
	}
	// The replies went to the user's outbox through the engine.
	var out []tickets.OutMessage
	err := f.store.View(context.Background(), func(tx tickets.Tx) error {
		var err error
		out, err = tx.Outbox(tk.ConversationID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var agentMsgs, resolvedEvents, reopenedEvents int
	for _, m := range out {
		if m.Kind == tickets.KindTicket && m.Ticket != nil && m.Ticket.Status == tickets.Open {
			reopenedEvents++ // the release: the user's ticket card shows it waits again
		}
		if m.Kind == tickets.KindMessage && m.From == tickets.FromAgent {
			agentMsgs++
		}
		if m.Kind == tickets.KindTicket && m.Ticket != nil && m.Ticket.Status == tickets.Resolved {
			resolvedEvents++
		}
	}
	if agentMsgs != 3 || resolvedEvents != 1 {
		t.Errorf("outbox has %d agent messages and %d resolved events, want 3 and 1", agentMsgs, resolvedEvents)
	}
	if reopenedEvents != 1 {
		t.Errorf("outbox has %d ticket events back to open, want 1 (one release)", reopenedEvents)
	}
}

func TestResolveWithoutBody(t *testing.T) {
	f := newFixture(t)
	tk := f.ticket(tickets.Normal, "payments", time.Hour)
	r := f.do("POST", "/api/tickets/"+tk.ID+"/resolve", "bob", nil)
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	if got := decodeTicket(t, r); got.Status != tickets.Resolved || got.Assignee != "bob" {
		t.Errorf("status %s assignee %q", got.Status, got.Assignee)
	}
}

func TestAttachment(t *testing.T) {
	f := newFixture(t)
	tk := f.ticket(tickets.High, "payments", time.Hour)
	other := f.ticket(tickets.High, "merchant", time.Hour)
	img := pngBytes(t)
	a := f.attach(tk.ID, img)
	foreign := f.attach(other.ID, img)

	r := f.do("GET", "/api/tickets/"+tk.ID+"/attachments/"+a.ID, "alice", nil)
	if r.status != 200 || !bytes.Equal(r.body, img) {
		t.Fatalf("status %d, %d bytes (want %d)", r.status, len(r.body), len(img))
	}
	for k, want := range map[string]string{
		"Content-Type":           "image/png",
		"X-Content-Type-Options": "nosniff",
		"Content-Disposition":    `inline; filename="screen shot.png"`,
	} {
		if got := r.header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	cases := []struct{ name, agent, path string }{
		{"another ticket's attachment", "alice", "/api/tickets/" + tk.ID + "/attachments/" + foreign.ID},
		{"unknown attachment", "alice", "/api/tickets/" + tk.ID + "/attachments/NOPE"},
		{"unknown ticket", "alice", "/api/tickets/T-999999/attachments/" + a.ID},
	}
	for _, c := range cases {
		r := f.do("GET", c.path, c.agent, nil)
		if r.status != 404 || r.errCode() != CodeNotFound {
			t.Errorf("%s: status %d code %q, want 404", c.name, r.status, r.errCode())
		}
	}
	if r := f.do("GET", "/api/tickets/"+tk.ID+"/attachments/"+a.ID, "carol", nil); r.status != 403 {
		t.Errorf("agent of another queue: status %d, want 403", r.status)
	}
}

func TestBackup(t *testing.T) {
	f := newFixture(t)
	tk := f.ticket(tickets.Urgent, "payments", time.Hour)
	if r := f.do("GET", "/api/admin/backup", "alice", nil); r.status != 403 || r.errCode() != CodeForbidden {
		t.Fatalf("non-admin: status %d code %q, want 403", r.status, r.errCode())
	}
	r := f.do("GET", "/api/admin/backup", "root", nil)
	if r.status != 200 {
		t.Fatalf("admin: status %d: %.200s", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/octet-stream" {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := r.header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="triagebot-20251103T100000Z.db"`) {
		t.Errorf("Content-Disposition %q", cd)
	}
	// The copy is a database holding the ticket.
	path := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(path, r.body, 0o600); err != nil {
		t.Fatal(err)
	}
	cp, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	err = cp.View(context.Background(), func(tx tickets.Tx) error {
		_, err := tx.Ticket(tk.ID)
		return err
	})
	if err != nil {
		t.Errorf("ticket %s not in the backup: %v", tk.ID, err)
	}
}

func TestUnknownAPIPath(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct{ method, path string }{
		{"GET", "/api/nothing"},
		{"DELETE", "/api/tickets/T-000001"},
	} {
		r := f.do(c.method, c.path, "alice", nil)
		if r.status != 404 || r.errCode() != CodeNotFound {
			t.Errorf("%s %s: status %d code %q", c.method, c.path, r.status, r.errCode())
		}
	}
}
