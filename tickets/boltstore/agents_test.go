package boltstore_test

import (
	"errors"
	"testing"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
)

func TestAgentListRotateRemove(t *testing.T) {
	s, _ := openTest(t, boltstore.Options{})
	tokens := map[string]string{}
	for _, name := range []string{"bob", "amy", "cy"} {
		tok, hash, err := tickets.NewToken()
		if err != nil {
			t.Fatal(err)
		}
		tokens[name] = tok
		update(t, s, func(tx tickets.Tx) error {
			return tx.CreateAgent(&tickets.Agent{Name: name, Queues: []string{"fraud"}, TokenHash: hash})
		})
	}
	names := func() []string {
		var out []string
		view(t, s, func(tx tickets.Tx) error {
			as, err := tx.Agents()
			for _, a := range as {
				out = append(out, a.Name)
			}
			return err
		})
		return out
	}
	if got := names(); len(got) != 3 || got[0] != "amy" || got[2] != "cy" {
		t.Fatalf("agents %v, want amy, bob, cy", got)
	}
	who := func(token string) (string, error) {
		var name string
		err := s.View(t.Context(), func(tx tickets.Tx) error {
			a, err := tx.AgentByTokenHash(tickets.HashToken(token))
			name = a.Name
			return err
		})
		return name, err
	}

	// Rotate: the new token works, the old one does not, the rest is kept.
	newTok, newHash, err := tickets.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	update(t, s, func(tx tickets.Tx) error { return tx.SetAgentToken("amy", newHash) })
	if _, err := who(tokens["amy"]); !errors.Is(err, tickets.ErrNotFound) {
		t.Errorf("the old token still works: %v", err)
	}
	if name, err := who(newTok); err != nil || name != "amy" {
		t.Errorf("new token: %q, %v", name, err)
	}
	view(t, s, func(tx tickets.Tx) error {
		a, err := tx.AgentByTokenHash(newHash)
		if err == nil && (len(a.Queues) != 1 || a.Queues[0] != "fraud") {
			t.Errorf("rotation lost the queues: %+v", a)
		}
		return err
	})

	// Remove: the token stops working, the others are untouched.
	update(t, s, func(tx tickets.Tx) error { return tx.DeleteAgent("bob") })
	if _, err := who(tokens["bob"]); !errors.Is(err, tickets.ErrNotFound) {
		t.Errorf("a removed agent's token still works: %v", err)
	}
	if name, err := who(tokens["cy"]); err != nil || name != "cy" {
		t.Errorf("another agent: %q, %v", name, err)
	}
	if got := names(); len(got) != 2 {
		t.Errorf("after removing bob: %v", got)
	}

	for _, tc := range []struct {
		name string
		fn   func(tx tickets.Tx) error
		want error
	}{
		{"remove unknown", func(tx tickets.Tx) error { return tx.DeleteAgent("bob") }, tickets.ErrNotFound},
		{"rotate unknown", func(tx tickets.Tx) error { return tx.SetAgentToken("zed", newHash) }, tickets.ErrNotFound},
		{"rotate to a token in use", func(tx tickets.Tx) error { return tx.SetAgentToken("cy", newHash) }, tickets.ErrConflict},
		{"rotate to a short hash", func(tx tickets.Tx) error { return tx.SetAgentToken("cy", []byte("x")) }, tickets.ErrInvalid},
	} {
		if err := s.Update(t.Context(), tc.fn); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if name, err := who(tokens["cy"]); err != nil || name != "cy" {
		t.Errorf("a refused rotation changed cy's token: %q, %v", name, err)
	}
}
