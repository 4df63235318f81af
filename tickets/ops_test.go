package tickets_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
)

func openStore(t *testing.T) *boltstore.Store {
	t.Helper()
	s, err := boltstore.Open(filepath.Join(t.TempDir(), "t.db"), boltstore.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// setup creates a ticket in the given state and returns its id.
func setup(t *testing.T, s tickets.Store, status tickets.Status, assignee string, at time.Time) string {
	t.Helper()
	tk := tickets.Ticket{Priority: tickets.High, Queue: "q", Status: status, Assignee: assignee, CreatedAt: at}
	if err := s.Update(context.Background(), func(tx tickets.Tx) error { return tx.CreateTicket(&tk) }); err != nil {
		t.Fatal(err)
	}
	return tk.ID
}

func TestTransitions(t *testing.T) {
	created := time.Date(2025, 11, 2, 8, 0, 0, 0, time.UTC)
	now := created.Add(time.Hour)
	claim := func(tx tickets.Tx, id string) (tickets.Ticket, error) { return tickets.Claim(tx, id, "amy", now) }
	release := func(tx tickets.Tx, id string) (tickets.Ticket, error) { return tickets.Release(tx, id, "amy", now) }
	resolve := func(tx tickets.Tx, id string) (tickets.Ticket, error) {
		return tickets.Resolve(tx, id, "amy", "refund sent", now)
	}
	type op func(tickets.Tx, string) (tickets.Ticket, error)
	tests := []struct {
		name         string
		status       tickets.Status
		assignee     string
		op           op
		want         error
		wantStatus   tickets.Status
		wantAssignee string
		changed      bool // UpdatedAt moved to now
	}{
		{"claim open", tickets.Open, "", claim, nil, tickets.Claimed, "amy", true},
		{"claim own", tickets.Claimed, "amy", claim, nil, tickets.Claimed, "amy", false},
		{"claim other's", tickets.Claimed, "bob", claim, tickets.ErrConflict, tickets.Claimed, "bob", false},
		{"claim resolved", tickets.Resolved, "bob", claim, tickets.ErrConflict, tickets.Resolved, "bob", false},
		{"release own", tickets.Claimed, "amy", release, nil, tickets.Open, "", true},
		{"release open", tickets.Open, "", release, nil, tickets.Open, "", false},
		{"release other's", tickets.Claimed, "bob", release, tickets.ErrConflict, tickets.Claimed, "bob", false},
		{"release resolved", tickets.Resolved, "amy", release, tickets.ErrConflict, tickets.Resolved, "amy", false},
		{"resolve own", tickets.Claimed, "amy", resolve, nil, tickets.Resolved, "amy", true},
		{"resolve open", tickets.Open, "", resolve, nil, tickets.Resolved, "amy", true},
		{"resolve other's", tickets.Claimed, "bob", resolve, tickets.ErrConflict, tickets.Claimed, "bob", false},
		{"resolve twice", tickets.Resolved, "amy", resolve, tickets.ErrConflict, tickets.Resolved, "amy", false},
		{"claim unknown", "", "", func(tx tickets.Tx, _ string) (tickets.Ticket, error) { return claim(tx, "T-999999") }, tickets.ErrNotFound, "", "", false},
		{"claim no agent", tickets.Open, "", func(tx tickets.Tx, id string) (tickets.Ticket, error) { return tickets.Claim(tx, id, " ", now) }, tickets.ErrInvalid, tickets.Open, "", false},
		{"release no agent", tickets.Open, "", func(tx tickets.Tx, id string) (tickets.Ticket, error) { return tickets.Release(tx, id, "", now) }, tickets.ErrInvalid, tickets.Open, "", false},
		{"resolve no agent", tickets.Open, "", func(tx tickets.Tx, id string) (tickets.Ticket, error) {
			return tickets.Resolve(tx, id, "", "n", now)
		}, tickets.ErrInvalid, tickets.Open, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := openStore(t)
			id := "T-999999"
			if tc.status != "" {
				id = setup(t, s, tc.status, tc.assignee, created)
			}
			err := s.Update(t.Context(), func(tx tickets.Tx) error {
				_, err := tc.op(tx, id)
				return err
			})
			if !errors.Is(err, tc.want) && !(err == nil && tc.want == nil) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if tc.status == "" {
				return
			}
			var got tickets.Ticket
			if err := s.View(t.Context(), func(tx tickets.Tx) (err error) { got, err = tx.Ticket(id); return err }); err != nil {
				t.Fatal(err)
			}
			if got.Status != tc.wantStatus || got.Assignee != tc.wantAssignee {
				t.Errorf("after: %s/%q, want %s/%q", got.Status, got.Assignee, tc.wantStatus, tc.wantAssignee)
			}
			if moved := got.UpdatedAt.Equal(now); moved != tc.changed {
				t.Errorf("UpdatedAt = %v, changed=%v want %v", got.UpdatedAt, moved, tc.changed)
			}
			if tc.wantStatus == tickets.Resolved && tc.want == nil && (got.Note != "refund sent" || !got.ResolvedAt.Equal(now)) {
				t.Errorf("resolved: note %q at %v", got.Note, got.ResolvedAt)
			}
		})
	}
}

func TestAppendEntry(t *testing.T) {
	s := openStore(t)
	at := time.Date(2025, 11, 2, 8, 0, 0, 0, time.UTC)
	id := setup(t, s, tickets.Open, "", at)
	tests := []struct {
		name string
		e    tickets.Entry
		want error
	}{
		{"user", tickets.Entry{From: tickets.FromUser, Text: "仲未收到", At: at.Add(time.Minute)}, nil},
		{"agent", tickets.Entry{From: tickets.FromAgent, Agent: "amy", Text: "checking", At: at.Add(2 * time.Minute)}, nil},
		{"agent without name", tickets.Entry{From: tickets.FromAgent, Text: "x", At: at}, tickets.ErrInvalid},
		{"unknown author", tickets.Entry{From: "system", Text: "x", At: at}, tickets.ErrInvalid},
		{"no time", tickets.Entry{From: tickets.FromUser, Text: "x"}, tickets.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := s.Update(t.Context(), func(tx tickets.Tx) error {
				_, err := tickets.AppendEntry(tx, id, tc.e)
				return err
			})
			if !errors.Is(err, tc.want) && !(err == nil && tc.want == nil) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	var got tickets.Ticket
	if err := s.View(t.Context(), func(tx tickets.Tx) (err error) { got, err = tx.Ticket(id); return err }); err != nil {
		t.Fatal(err)
	}
	if len(got.Transcript) != 2 || got.Transcript[1].Agent != "amy" || !got.UpdatedAt.Equal(at.Add(2*time.Minute)) {
		t.Errorf("after appends: %+v updated %v", got.Transcript, got.UpdatedAt)
	}
	err := s.Update(t.Context(), func(tx tickets.Tx) error {
		_, err := tickets.AppendEntry(tx, "T-424242", tickets.Entry{From: tickets.FromUser, Text: "x", At: at})
		return err
	})
	if !errors.Is(err, tickets.ErrNotFound) {
		t.Errorf("append to unknown ticket: %v", err)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		t    tickets.Ticket
		ok   bool
	}{
		{"open", tickets.Ticket{Status: tickets.Open, Priority: tickets.Low}, true},
		{"claimed", tickets.Ticket{Status: tickets.Claimed, Priority: tickets.Low, Assignee: "a"}, true},
		{"claimed nobody", tickets.Ticket{Status: tickets.Claimed, Priority: tickets.Low}, false},
		{"no status", tickets.Ticket{Priority: tickets.Low}, false},
		{"bad priority", tickets.Ticket{Status: tickets.Open, Priority: "P1"}, false},
	}
	for _, tc := range tests {
		err := tc.t.Validate()
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, tickets.ErrInvalid)) {
			t.Errorf("%s: Validate = %v", tc.name, err)
		}
	}
}

func TestTicketJSONListsAreArrays(t *testing.T) {
	b, err := json.Marshal(tickets.Ticket{ID: "T-000001"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"attachments":[]`, `"transcript":[]`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("ticket JSON %s lacks %s", b, want)
		}
	}
}
