package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/triagebot/triagebot/tickets"
)

// TestListIsSummariesAndTicketIsWhole: the list leaves transcripts out;
// the single ticket, and the answer to an agent's reply, carry the whole
// transcript even when the store archived most of it.
func TestListIsSummariesAndTicketIsWhole(t *testing.T) {
	f := newFixture(t)
	tk := f.ticket(tickets.High, "payments", 0)
	const extra = tickets.TranscriptWindow + 50
	for i := range extra {
		err := f.store.Update(context.Background(), func(tx tickets.Tx) error {
			_, err := tickets.AppendEntry(tx, tk.ID, tickets.Entry{From: tickets.FromUser, Text: fmt.Sprint("line ", i), At: t0})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}

	r := f.do("GET", "/api/tickets", "alice", nil)
	var list struct {
		Tickets []map[string]json.RawMessage `json:"tickets"`
	}
	if err := json.Unmarshal(r.body, &list); err != nil || r.status != http.StatusOK || len(list.Tickets) != 1 {
		t.Fatalf("list: %d %s (%v)", r.status, r.body, err)
	}
	for _, k := range []string{"transcript", "transcript_from"} {
		if _, ok := list.Tickets[0][k]; ok {
			t.Errorf("a listed ticket carries %q", k)
		}
	}
	for _, k := range []string{"id", "status", "priority", "queue", "sla_due", "user", "created_at", "updated_at", "attachments"} {
		if _, ok := list.Tickets[0][k]; !ok {
			t.Errorf("a listed ticket lacks %q", k)
		}
	}

	whole := func(r response, what string) {
		t.Helper()
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(r.body, &raw); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if _, ok := raw["transcript_from"]; ok {
			t.Errorf("%s: transcript_from present, want a whole transcript", what)
		}
		got := decodeTicket(t, r)
		if len(got.Transcript) < extra+1 || got.Transcript[0].Text != "my withdrawal failed" || got.Transcript[extra].Text != fmt.Sprint("line ", extra-1) {
			t.Errorf("%s: %d transcript entries, want the whole %d+ from the first", what, len(got.Transcript), extra+1)
		}
	}
	whole(f.do("GET", "/api/tickets/"+tk.ID, "alice", nil), "GET ticket")
	whole(f.do("POST", "/api/tickets/"+tk.ID+"/claim", "alice", nil), "claim")
	whole(f.do("POST", "/api/tickets/"+tk.ID+"/messages", "alice", map[string]string{"text": "checking"}), "reply")
}
