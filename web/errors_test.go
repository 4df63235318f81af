package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/triagebot/triagebot/escalation"
	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
)

// errorBodyOf parses an error answer; a body of another shape fails the test.
func errorBodyOf(t *testing.T, r response) errorBody {
	t.Helper()
	var e apiError
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
		t.Fatalf("not {\"error\":{\"code\",\"message\"}} (%v): %s", err, r.body)
	}
	return e.Error
}

// TestRefusalMessages: every refusal of the agent API answers the
// contract's shape with the code clients branch on and one sentence for the
// person at the console, never a Go error chain.
func TestRefusalMessages(t *testing.T) {
	f := newFixture(t)
	held := f.ticket(tickets.Urgent, "payments", time.Hour)
	done := f.ticket(tickets.Normal, "payments", 2*time.Hour)
	open := f.ticket(tickets.Normal, "payments", 3*time.Hour)
	for _, step := range []struct{ path, agent string }{
		{"/api/tickets/" + held.ID + "/claim", "alice"},
		{"/api/tickets/" + done.ID + "/resolve", "alice"},
	} {
		if r := f.do("POST", step.path, step.agent, nil); r.status != http.StatusOK {
			t.Fatalf("setup %s: %d %s", step.path, r.status, r.body)
		}
	}
	long := strings.Repeat("錢", tickets.MaxTextRunes+1)
	queues := strings.Join(escalation.Default().Queues(), ", ")
	cases := []struct {
		name, method, path, agent string
		body                      any
		status                    int
		code, message             string
	}{
		{"claim held by another", "POST", "/api/tickets/" + held.ID + "/claim", "bob", nil,
			409, CodeConflict, held.ID + " is held by alice."},
		{"claim resolved", "POST", "/api/tickets/" + done.ID + "/claim", "bob", nil,
			409, CodeConflict, done.ID + " is already resolved."},
		{"resolve held by another", "POST", "/api/tickets/" + held.ID + "/resolve", "bob", map[string]string{"note": "done"},
			409, CodeConflict, held.ID + " is held by alice."},
		{"resolve twice", "POST", "/api/tickets/" + done.ID + "/resolve", "alice", nil,
			409, CodeConflict, done.ID + " is already resolved."},
		{"release by a non-holder", "POST", "/api/tickets/" + held.ID + "/release", "bob", nil,
			409, CodeConflict, held.ID + " is held by alice."},
		{"release resolved", "POST", "/api/tickets/" + done.ID + "/release", "alice", nil,
			409, CodeConflict, done.ID + " is already resolved."},
		{"reply held by another", "POST", "/api/tickets/" + held.ID + "/messages", "bob", map[string]string{"text": "hi"},
			409, CodeConflict, held.ID + " is held by alice."},
		{"reply to resolved", "POST", "/api/tickets/" + done.ID + "/messages", "alice", map[string]string{"text": "hi"},
			409, CodeConflict, done.ID + " is already resolved."},
		{"transfer held by another", "POST", "/api/tickets/" + held.ID + "/transfer", "bob", map[string]string{"queue": "fraud"},
			409, CodeConflict, held.ID + " is held by alice."},
		{"transfer to unknown queue", "POST", "/api/tickets/" + open.ID + "/transfer", "alice", map[string]string{"queue": "nowhere"},
			400, CodeBadRequest, `There is no queue "nowhere"; the queues are ` + queues + "."},
		{"transfer to unknown agent", "POST", "/api/tickets/" + open.ID + "/transfer", "alice", map[string]string{"assignee": "zed"},
			400, CodeBadRequest, `There is no agent "zed".`},
		{"transfer to an agent of another queue", "POST", "/api/tickets/" + open.ID + "/transfer", "alice", map[string]string{"assignee": "carol"},
			400, CodeBadRequest, `carol does not work the queue "payments" of ` + open.ID + "."},
		{"transfer to both", "POST", "/api/tickets/" + open.ID + "/transfer", "alice", map[string]string{"queue": "fraud", "assignee": "bob"},
			400, CodeBadRequest, `Give exactly one of "queue" and "assignee".`},
		{"note empty", "POST", "/api/tickets/" + open.ID + "/notes", "alice", map[string]string{"text": "  "},
			400, CodeBadRequest, "The note is empty."},
		{"reply empty", "POST", "/api/tickets/" + open.ID + "/messages", "alice", map[string]string{"text": ""},
			400, CodeBadRequest, "The reply is empty."},
		{"reply to unknown ticket", "POST", "/api/tickets/T-999999/messages", "alice", map[string]string{"text": "hi"},
			404, CodeNotFound, "There is no ticket T-999999."},
		{"claim unknown ticket", "POST", "/api/tickets/T-999999/claim", "alice", nil,
			404, CodeNotFound, "There is no ticket T-999999."},
		{"another agent's queue", "GET", "/api/tickets/" + open.ID, "carol", nil,
			403, CodeForbidden, `carol does not work the queue "payments" of ` + open.ID + "."},
		{"bad JSON", "POST", "/api/tickets/" + open.ID + "/messages", "alice", "text=hi",
			400, CodeBadRequest, "The request body is not valid JSON."},
		{"queue of the wrong type", "POST", "/api/tickets/" + open.ID + "/transfer", "alice", `{"queue":true}`,
			400, CodeBadRequest, `The field "queue" must be a string, not true or false.`},
		{"text of the wrong type", "POST", "/api/tickets/" + open.ID + "/messages", "alice", `{"text":42}`,
			400, CodeBadRequest, `The field "text" must be a string, not a number.`},
		{"not an object", "POST", "/api/tickets/" + open.ID + "/notes", "alice", `["hi"]`,
			400, CodeBadRequest, "The request body must be a JSON object, not an array."},
		{"two JSON values", "POST", "/api/tickets/" + open.ID + "/messages", "alice", `{"text":"a"}{"text":"b"}`,
			400, CodeBadRequest, "The request body must hold one JSON object and nothing after it."},
		{"no body", "POST", "/api/tickets/" + open.ID + "/notes", "alice", nil,
			400, CodeBadRequest, "The request body is empty; send a JSON object."},
		{"reply too long", "POST", "/api/tickets/" + open.ID + "/messages", "alice", map[string]string{"text": long},
			413, CodeTooLarge, "The reply has 4001 characters; at most 4000 are allowed."},
		{"note too long", "POST", "/api/tickets/" + open.ID + "/notes", "alice", map[string]string{"text": long},
			413, CodeTooLarge, "The note has 4001 characters; at most 4000 are allowed."},
		{"resolution note too long", "POST", "/api/tickets/" + open.ID + "/resolve", "alice", map[string]string{"note": long},
			413, CodeTooLarge, "The resolution note has 4001 characters; at most 4000 are allowed."},
		{"body over 64 KiB", "POST", "/api/tickets/" + open.ID + "/messages", "alice", `{"text":"` + strings.Repeat("a", 70<<10) + `"}`,
			413, CodeTooLarge, "The request body is larger than 64 KiB."},
		{"list: unknown status", "GET", "/api/tickets?status=lost", "alice", nil,
			400, CodeBadRequest, `The status "lost" is not open, claimed or resolved.`},
		{"list: cursor naming no ticket", "GET", "/api/tickets?after=T-999999", "alice", nil,
			400, CodeBadRequest, `after="T-999999" names no ticket.`},
		{"search without letters", "GET", "/api/tickets?q=%21%21%21", "alice", nil,
			400, CodeBadRequest, `The search text "!!!" has no letters or digits.`},
		{"create an agent that exists", "POST", "/api/agents", "root", map[string]any{"name": "alice"},
			409, CodeConflict, `An agent called "alice" exists already.`},
		{"remove an unknown agent", "DELETE", "/api/agents/zed", "root", nil,
			404, CodeNotFound, `There is no agent "zed".`},
		{"rotate an unknown agent's token", "POST", "/api/agents/zed/token", "root", nil,
			404, CodeNotFound, `There is no agent "zed".`},
		{"admin call by a non-admin", "GET", "/api/agents", "alice", nil,
			403, CodeForbidden, "alice is not an admin."},
		{"unknown API call", "GET", "/api/nope", "alice", nil,
			404, CodeNotFound, "There is no API call GET /api/nope."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := f.do(c.method, c.path, c.agent, c.body)
			e := errorBodyOf(t, r)
			if r.status != c.status || e.Code != c.code || e.Message != c.message {
				t.Errorf("%d %q %q\nwant %d %q %q", r.status, e.Code, e.Message, c.status, c.code, c.message)
			}
		})
	}
	// The refusals changed nothing.
	for _, tk := range []tickets.Ticket{held, done, open} {
		got := decodeTicket(t, f.do("GET", "/api/tickets/"+tk.ID, "alice", nil))
		if len(got.Notes) != 0 || got.Queue != "payments" {
			t.Errorf("%s after refusals: queue %q, %d notes", tk.ID, got.Queue, len(got.Notes))
		}
	}
}

// TestStoreFailureIsNotShown: a store that fails answers 500 with a fixed
// sentence; nothing of the failure (bbolt's words, the layers' context)
// reaches the client.
func TestStoreFailureIsNotShown(t *testing.T) {
	var broken atomic.Bool
	f := newFixtureOpts(t, boltstore.Options{NoSync: true, BeforeCommit: func() {
		if broken.Load() {
			panic("page 7: invalid type")
		}
	}})
	tk := f.ticket(tickets.Normal, "payments", time.Hour)
	broken.Store(true)
	for _, call := range []struct{ path string }{
		{"/api/tickets/" + tk.ID + "/claim"},
		{"/api/tickets/" + tk.ID + "/notes"},
	} {
		r := f.do("POST", call.path, "alice", map[string]string{"text": "a note"})
		e := errorBodyOf(t, r)
		if r.status != http.StatusInternalServerError || e.Code != CodeInternal || e.Message != msgInternal {
			t.Errorf("%s on a failing store: %d %q %q, want 500 %q %q", call.path, r.status, e.Code, e.Message, CodeInternal, msgInternal)
		}
		for _, leak := range []string{"page 7", "panic", "bolt", "bot:", tk.ID} {
			if strings.Contains(string(r.body), leak) {
				t.Errorf("%s: the answer shows %q: %s", call.path, leak, r.body)
			}
		}
	}
}

// TestFailAnswersAndLogs: fail answers a refusal's own sentence however
// many layers wrapped it, a bare sentinel with a fixed sentence, and logs
// the whole chain of a failure with the request, never answering it.
func TestFailAnswersAndLogs(t *testing.T) {
	var logged bytes.Buffer
	s := &Server{log: slog.New(slog.NewTextHandler(&logged, nil))}
	cases := []struct {
		name          string
		err           error
		status        int
		code, message string
		log           string // in the log, "" for nothing
	}{
		{"refusal wrapped twice", fmt.Errorf("web: x: %w", fmt.Errorf("bot: claim: %w", tickets.Refuse(tickets.ErrConflict, "T-000001 is held by alice."))),
			409, CodeConflict, "T-000001 is held by alice.", ""},
		{"invalid refusal", tickets.Refuse(tickets.ErrInvalid, "The note is empty."),
			400, CodeBadRequest, "The note is empty.", ""},
		{"not-found refusal", tickets.Refuse(tickets.ErrNotFound, `There is no agent "zed".`),
			404, CodeNotFound, `There is no agent "zed".`, ""},
		{"bare not found", fmt.Errorf("attachment %q: %w", "a1", tickets.ErrNotFound),
			404, CodeNotFound, msgNotFound, `attachment \"a1\": not found`},
		{"bare conflict", fmt.Errorf("resume hash already in use: %w", tickets.ErrConflict),
			409, CodeConflict, msgConflict, "resume hash already in use"},
		{"store failure", fmt.Errorf("bot: claim: %w", errors.New("write /var/lib/triagebot.db: no space left on device")),
			500, CodeInternal, msgInternal, "no space left on device"},
		{"deadline", fmt.Errorf("bot: claim: %w", context.DeadlineExceeded),
			503, CodeUnavailable, msgUnavailable, "deadline exceeded"},
		{"body too large", fmt.Errorf("decode: %w", &http.MaxBytesError{Limit: maxBody}),
			413, CodeTooLarge, "The request body is larger than 64 KiB.", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			logged.Reset()
			req := httptest.NewRequest("POST", "/api/tickets/T-000001/claim", nil)
			rec := httptest.NewRecorder()
			s.fail(rec, req, c.err)
			e := errorBodyOf(t, response{status: rec.Code, body: rec.Body.Bytes()})
			if rec.Code != c.status || e.Code != c.code || e.Message != c.message {
				t.Errorf("%d %q %q, want %d %q %q", rec.Code, e.Code, e.Message, c.status, c.code, c.message)
			}
			switch {
			case c.log == "" && logged.Len() > 0:
				t.Errorf("logged a refusal with its reason: %s", logged.String())
			case c.log != "" && (!strings.Contains(logged.String(), c.log) || !strings.Contains(logged.String(), "path=/api/tickets/T-000001/claim")):
				t.Errorf("log %q, want %q and the path", logged.String(), c.log)
			}
		})
	}
}
