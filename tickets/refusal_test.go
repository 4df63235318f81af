package tickets_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/triagebot/triagebot/tickets"
)

// TestRefusals: every refusal of the domain operations is a *Refusal with
// one sentence for a person, and errors.Is still matches its sentinel (and
// no other) however the layers above wrap it.
func TestRefusals(t *testing.T) {
	s := openStore(t)
	at := time.Date(2025, 11, 2, 8, 0, 0, 0, time.UTC)
	held := setup(t, s, tickets.Claimed, "bob", at)
	done := setup(t, s, tickets.Resolved, "bob", at)
	open := setup(t, s, tickets.Open, "", at)
	if err := s.Update(context.Background(), func(tx tickets.Tx) error {
		return tx.CreateAgent(&tickets.Agent{Name: "bob", TokenHash: tickets.HashToken("b")})
	}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		op     func(tx tickets.Tx) error
		kind   error
		reason string
	}{
		{"claim held", func(tx tickets.Tx) error { _, err := tickets.Claim(tx, held, "amy", at); return err },
			tickets.ErrConflict, held + " is held by bob."},
		{"claim resolved", func(tx tickets.Tx) error { _, err := tickets.Claim(tx, done, "amy", at); return err },
			tickets.ErrConflict, done + " is already resolved."},
		{"claim without agent", func(tx tickets.Tx) error { _, err := tickets.Claim(tx, open, " ", at); return err },
			tickets.ErrInvalid, "The agent's name is empty."},
		{"release held", func(tx tickets.Tx) error { _, err := tickets.Release(tx, held, "amy", at); return err },
			tickets.ErrConflict, held + " is held by bob."},
		{"release resolved", func(tx tickets.Tx) error { _, err := tickets.Release(tx, done, "amy", at); return err },
			tickets.ErrConflict, done + " is already resolved."},
		{"resolve held", func(tx tickets.Tx) error { _, err := tickets.Resolve(tx, held, "amy", "n", at); return err },
			tickets.ErrConflict, held + " is held by bob."},
		{"resolve twice", func(tx tickets.Tx) error { _, err := tickets.Resolve(tx, done, "bob", "n", at); return err },
			tickets.ErrConflict, done + " is already resolved."},
		{"note empty", func(tx tickets.Tx) error { _, err := tickets.AddNote(tx, open, "amy", " \n", at); return err },
			tickets.ErrInvalid, "The note is empty."},
		{"transfer held", func(tx tickets.Tx) error {
			_, err := tickets.Transfer(tx, held, "amy", tickets.Target{Queue: "fraud"}, at)
			return err
		}, tickets.ErrConflict, held + " is held by bob."},
		{"transfer resolved", func(tx tickets.Tx) error {
			_, err := tickets.Transfer(tx, done, "bob", tickets.Target{Queue: "fraud"}, at)
			return err
		}, tickets.ErrConflict, done + " is already resolved."},
		{"transfer to nobody", func(tx tickets.Tx) error {
			_, err := tickets.Transfer(tx, open, "amy", tickets.Target{}, at)
			return err
		}, tickets.ErrInvalid, "Name either a queue or an agent to transfer " + open + " to."},
		{"transfer to an unknown agent", func(tx tickets.Tx) error {
			_, err := tickets.Transfer(tx, open, "amy", tickets.Target{Assignee: "zed"}, at)
			return err
		}, tickets.ErrInvalid, `There is no agent "zed".`},
		{"entry by nobody", func(tx tickets.Tx) error {
			_, err := tickets.AppendEntry(tx, open, tickets.Entry{From: "ghost", Text: "x", At: at})
			return err
		}, tickets.ErrInvalid, `A line by "ghost" cannot be added to ` + open + ": the author is not user, bot or agent."},
		{"entry without time", func(tx tickets.Tx) error {
			_, err := tickets.AppendEntry(tx, open, tickets.Entry{From: tickets.FromUser, Text: "x"})
			return err
		}, tickets.ErrInvalid, "A line without a time cannot be added to " + open + "."},
		{"validate: status", func(tx tickets.Tx) error {
			return (&tickets.Ticket{ID: open, Status: "lost", Priority: tickets.Low}).Validate()
		}, tickets.ErrInvalid, `The status "lost" of ` + open + " is not open, claimed or resolved."},
		{"validate: new ticket's priority", func(tx tickets.Tx) error {
			return (&tickets.Ticket{Status: tickets.Open, Priority: "asap"}).Validate()
		}, tickets.ErrInvalid, `The priority "asap" of the new ticket is not urgent, high, normal or low.`},
		{"validate: claimed by nobody", func(tx tickets.Tx) error {
			return (&tickets.Ticket{ID: open, Status: tickets.Claimed, Priority: tickets.Low}).Validate()
		}, tickets.ErrInvalid, "A claimed ticket needs an agent; " + open + " names none."},
	}
	sentinels := []error{tickets.ErrConflict, tickets.ErrInvalid, tickets.ErrNotFound}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := s.Update(context.Background(), c.op)
			// Two layers' context, as the engine and a handler add it.
			err = fmt.Errorf("web: %w", fmt.Errorf("bot: op: %w", err))
			var r *tickets.Refusal
			if !errors.As(err, &r) {
				t.Fatalf("%v is not a *tickets.Refusal", err)
			}
			if r.Reason != c.reason {
				t.Errorf("reason %q, want %q", r.Reason, c.reason)
			}
			for _, s := range sentinels {
				if errors.Is(err, s) != (s == c.kind) {
					t.Errorf("errors.Is(%v, %v) = %v", err, s, errors.Is(err, s))
				}
			}
		})
	}
}

// TestRefusalError: a Refusal reads as its reason, so a log line is the
// layers' context and then the sentence, the ticket named once.
func TestRefusalError(t *testing.T) {
	err := fmt.Errorf("bot: claim: %w", tickets.Refuse(tickets.ErrConflict, "%s is held by %s.", "T-000001", "alice"))
	if got, want := err.Error(), "bot: claim: T-000001 is held by alice."; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
