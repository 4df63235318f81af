package boltstore_test

import (
	"bytes"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
)

func TestAttachments(t *testing.T) {
	s, _ := openTest(t, boltstore.Options{Now: newClock().Now})
	tk := mustCreate(t, s, newTicket("q", tickets.High))
	update(t, s, func(tx tickets.Tx) error {
		return tx.PutConversation(&tickets.Conversation{ID: "conv", Channel: tickets.Web})
	})
	data := bytes.Repeat([]byte{0xff, 0xd8, 0xff, 0}, 1000)
	buf := bytes.Clone(data)
	a := tickets.Attachment{Filename: "a.jpg", ContentType: "image/jpeg"}
	update(t, s, func(tx tickets.Tx) error { return tx.PutAttachment(&a, tk.ID, buf) })
	clear(buf) // the caller reusing its buffer must not change the stored file
	if a.ID == "" || a.Size != int64(len(data)) || a.CreatedAt.IsZero() {
		t.Fatalf("attachment after put: %+v", a)
	}
	requireAllSet(t, a)
	view(t, s, func(tx tickets.Tx) error {
		got, bytesGot, err := tx.AttachmentData(a.ID)
		if err != nil {
			return err
		}
		if !bytes.Equal(bytesGot, data) || !reflect.DeepEqual(got, a) {
			t.Errorf("round trip: %+v (%d bytes)", got, len(bytesGot))
		}
		return nil
	})

	tests := []struct {
		name  string
		id    string
		owner string
		size  int
		want  error
	}{
		{"at the limit", "max", "conv", tickets.MaxAttachmentSize, nil},
		{"over the limit", "big", "conv", tickets.MaxAttachmentSize + 1, tickets.ErrInvalid},
		{"unknown owner", "orphan", "nobody", 10, tickets.ErrNotFound},
		{"unknown ticket owner", "orphan2", "T-000777", 10, tickets.ErrNotFound},
		{"no owner", "orphan3", "", 10, tickets.ErrInvalid},
		{"id taken", a.ID, tk.ID, 10, tickets.ErrConflict},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := s.Update(t.Context(), func(tx tickets.Tx) error {
				att := tickets.Attachment{ID: tc.id, Filename: "f", ContentType: "image/png"}
				return tx.PutAttachment(&att, tc.owner, make([]byte, tc.size))
			})
			if !errors.Is(err, tc.want) && !(tc.want == nil && err == nil) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if tc.want == nil || tc.want == tickets.ErrConflict {
				return
			}
			view(t, s, func(tx tickets.Tx) error {
				if _, _, err := tx.AttachmentData(tc.id); !errors.Is(err, tickets.ErrNotFound) {
					t.Errorf("refused attachment was written: %v", err)
				}
				return nil
			})
		})
	}
	view(t, s, func(tx tickets.Tx) error {
		if _, _, err := tx.AttachmentData(""); !errors.Is(err, tickets.ErrNotFound) {
			t.Errorf("empty id: %v", err)
		}
		if _, b, _ := tx.AttachmentData(a.ID); !bytes.Equal(b, data) {
			t.Error("a refused duplicate id overwrote the original")
		}
		return nil
	})
}

func TestOutbox(t *testing.T) {
	s, _ := openTest(t, boltstore.Options{})
	enqueue := func(conv, text string) tickets.OutMessage {
		m := tickets.OutMessage{ConversationID: conv, Kind: tickets.KindMessage, From: tickets.FromBot, Text: text}
		update(t, s, func(tx tickets.Tx) error { return tx.Enqueue(&m) })
		return m
	}
	outbox := func(conv string) []string {
		var texts []string
		view(t, s, func(tx tickets.Tx) error {
			ms, err := tx.Outbox(conv)
			for _, m := range ms {
				texts = append(texts, m.Text)
			}
			return err
		})
		return texts
	}
	pending := func(ch tickets.Channel) []string {
		var p []string
		view(t, s, func(tx tickets.Tx) (err error) { p, err = tx.PendingConversations(ch); return err })
		return p
	}
	update(t, s, func(tx tickets.Tx) error {
		for _, c := range []tickets.Conversation{
			{ID: "w1", Channel: tickets.Web}, {ID: "w1-2", Channel: tickets.Web}, {ID: "t1", Channel: tickets.Telegram},
		} {
			if err := tx.PutConversation(&c); err != nil {
				return err
			}
		}
		return nil
	})

	m1, m2, m3 := enqueue("w1", "a"), enqueue("w1", "b"), enqueue("w1", "c")
	other := enqueue("w1-2", "x")
	enqueue("t1", "tg")
	if m1.Seq != 1 || m3.Seq != 3 || m1.ID != "w1-1" || m2.ID != "w1-2" || other.ID != "w1-2-1" || m1.CreatedAt.IsZero() {
		t.Fatalf("assigned: %+v %+v %+v %+v", m1, m2, m3, other)
	}
	if got := outbox("w1"); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("outbox = %v", got)
	}
	if got := pending(tickets.Web); !slices.Equal(got, []string{"w1", "w1-2"}) {
		t.Errorf("pending web = %v", got)
	}

	ack := func(conv, id string) error {
		return s.Update(t.Context(), func(tx tickets.Tx) error { return tx.Ack(conv, id) })
	}
	ackTests := []struct {
		name, conv, id string
		want           error
		left           []string
	}{
		{"middle", "w1", m2.ID, nil, []string{"c"}},
		{"again", "w1", m2.ID, nil, []string{"c"}},
		{"earlier", "w1", m1.ID, nil, []string{"c"}},
		{"never issued", "w1", "w1-9", tickets.ErrInvalid, []string{"c"}},
		{"other conversation's", "w1", other.ID, tickets.ErrInvalid, []string{"c"}},
		{"garbage", "w1", "hello", tickets.ErrInvalid, []string{"c"}},
		{"non-canonical", "w1", "w1-03", tickets.ErrInvalid, []string{"c"}},
		{"unknown conversation", "nope", "nope-1", tickets.ErrNotFound, []string{"c"}},
		{"last", "w1", m3.ID, nil, nil},
	}
	for _, tc := range ackTests {
		t.Run("ack "+tc.name, func(t *testing.T) {
			if err := ack(tc.conv, tc.id); !errors.Is(err, tc.want) && !(err == nil && tc.want == nil) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if got := outbox("w1"); !slices.Equal(got, tc.left) {
				t.Errorf("left = %v, want %v", got, tc.left)
			}
		})
	}
	if got := pending(tickets.Web); !slices.Equal(got, []string{"w1-2"}) {
		t.Errorf("pending web after emptying w1 = %v", got)
	}
	if got := pending(tickets.Telegram); !slices.Equal(got, []string{"t1"}) {
		t.Errorf("pending telegram = %v", got)
	}
	// Ids are never reused once an outbox has been emptied.
	if m4 := enqueue("w1", "d"); m4.ID != "w1-4" {
		t.Errorf("id after emptying = %s, want w1-4", m4.ID)
	}

	errTests := []struct {
		name string
		fn   func(tx tickets.Tx) error
		want error
	}{
		{"enqueue unknown conversation", func(tx tickets.Tx) error {
			return tx.Enqueue(&tickets.OutMessage{ConversationID: "nope", Kind: tickets.KindMessage})
		}, tickets.ErrNotFound},
		{"enqueue bad kind", func(tx tickets.Tx) error {
			return tx.Enqueue(&tickets.OutMessage{ConversationID: "w1", Kind: "shout"})
		}, tickets.ErrInvalid},
		{"enqueue ticket event without ticket", func(tx tickets.Tx) error {
			return tx.Enqueue(&tickets.OutMessage{ConversationID: "w1", Kind: tickets.KindTicket})
		}, tickets.ErrInvalid},
		{"outbox unknown conversation", func(tx tickets.Tx) error { _, err := tx.Outbox("nope"); return err }, tickets.ErrNotFound},
		{"conversation unknown", func(tx tickets.Tx) error { _, err := tx.Conversation("nope"); return err }, tickets.ErrNotFound},
		{"conversation without channel", func(tx tickets.Tx) error { return tx.PutConversation(&tickets.Conversation{ID: "x"}) }, tickets.ErrInvalid},
		{"conversation bad state", func(tx tickets.Tx) error {
			return tx.PutConversation(&tickets.Conversation{ID: "x", Channel: tickets.Web, State: []byte("{")})
		}, tickets.ErrInvalid},
	}
	for _, tc := range errTests {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.Update(t.Context(), tc.fn); !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestTicketEventRoundTrip(t *testing.T) {
	s, _ := openTest(t, boltstore.Options{})
	at := time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC)
	ev := &tickets.TicketEvent{TicketID: "T-000001", Status: tickets.Claimed, Queue: "fraud", Priority: tickets.Urgent,
		Team: "Fraud and account security team", SLADue: at.Add(time.Hour), DueText: "Thu 2 Jan, 12:04 HKT"}
	m := tickets.OutMessage{ConversationID: "c", Kind: tickets.KindTicket, Ticket: ev, QuickReplies: []string{"ok"},
		From: tickets.FromBot, Text: "ticket created", Agent: "amy", Key: "telegram.help", Parts: 1, CreatedAt: at}
	update(t, s, func(tx tickets.Tx) error {
		if err := tx.PutConversation(&tickets.Conversation{ID: "c", Channel: tickets.Web}); err != nil {
			return err
		}
		return tx.Enqueue(&m)
	})
	requireAllSet(t, m)
	view(t, s, func(tx tickets.Tx) error {
		got, err := tx.Outbox("c")
		if err != nil || len(got) != 1 || !reflect.DeepEqual(got[0], m) {
			t.Errorf("outbox = %+v, %v; want %+v", got, err, m)
		}
		return nil
	})
}

func TestConversationRoundTripAndChannelMove(t *testing.T) {
	s, _ := openTest(t, boltstore.Options{})
	at := time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC)
	c := tickets.Conversation{ID: "c", Channel: tickets.Web, User: tickets.User{ID: "u", Name: "n"}, Address: "12345",
		Lang: "zh-Hant", State: []byte(`{"step":"ask_amount"}`), TicketID: "T-000001", Unreachable: true, ResumeHash: tickets.HashToken("key-c"),
		Uploads: tickets.Usage{Files: 2, Bytes: 4096}, CreatedAt: at, UpdatedAt: at.Add(time.Second)}
	requireAllSet(t, c)
	update(t, s, func(tx tickets.Tx) error {
		if err := tx.PutConversation(&c); err != nil {
			return err
		}
		return tx.Enqueue(&tickets.OutMessage{ConversationID: "c", Kind: tickets.KindMessage, Text: "hi"})
	})
	view(t, s, func(tx tickets.Tx) error {
		got, err := tx.Conversation("c")
		if err != nil || !reflect.DeepEqual(got, c) {
			t.Errorf("conversation = %+v, %v; want %+v", got, err, c)
		}
		return nil
	})
	c.Channel = tickets.Telegram
	update(t, s, func(tx tickets.Tx) error { return tx.PutConversation(&c) })
	view(t, s, func(tx tickets.Tx) error {
		web, _ := tx.PendingConversations(tickets.Web)
		tg, _ := tx.PendingConversations(tickets.Telegram)
		if len(web) != 0 || !slices.Equal(tg, []string{"c"}) {
			t.Errorf("pending after channel change: web %v telegram %v", web, tg)
		}
		return nil
	})
}

func TestAgents(t *testing.T) {
	s, _ := openTest(t, boltstore.Options{})
	token, hash, err := tickets.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	amy := tickets.Agent{Name: "amy", Queues: []string{"fraud"}, Admin: true, TokenHash: hash,
		CreatedAt: time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC)}
	requireAllSet(t, amy)
	update(t, s, func(tx tickets.Tx) error { return tx.CreateAgent(&amy) })
	tests := []struct {
		name string
		fn   func(tx tickets.Tx) error
		want error
	}{
		{"duplicate name", func(tx tickets.Tx) error {
			return tx.CreateAgent(&tickets.Agent{Name: "amy", TokenHash: tickets.HashToken("other")})
		}, tickets.ErrConflict},
		{"duplicate token", func(tx tickets.Tx) error { return tx.CreateAgent(&tickets.Agent{Name: "bob", TokenHash: hash}) }, tickets.ErrConflict},
		{"empty name", func(tx tickets.Tx) error { return tx.CreateAgent(&tickets.Agent{Name: " ", TokenHash: hash}) }, tickets.ErrInvalid},
		{"short hash", func(tx tickets.Tx) error { return tx.CreateAgent(&tickets.Agent{Name: "cy", TokenHash: []byte("x")}) }, tickets.ErrInvalid},
		{"unknown token", func(tx tickets.Tx) error { _, err := tx.AgentByTokenHash(tickets.HashToken("guess")); return err }, tickets.ErrNotFound},
		{"short lookup", func(tx tickets.Tx) error { _, err := tx.AgentByTokenHash(nil); return err }, tickets.ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.Update(t.Context(), tc.fn); !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
	view(t, s, func(tx tickets.Tx) error {
		got, err := tx.AgentByTokenHash(tickets.HashToken(token))
		if err != nil || !reflect.DeepEqual(got, amy) {
			t.Errorf("agent = %+v, %v; want %+v", got, err, amy)
		}
		return nil
	})
}

// TestListAgents: none at first (serve then prints how to make one), then
// every agent in name order, whole.
func TestListAgents(t *testing.T) {
	s, _ := openTest(t, boltstore.Options{})
	view(t, s, func(tx tickets.Tx) error {
		if got, err := tx.Agents(); err != nil || len(got) != 0 {
			t.Errorf("Agents() on a new store = %v, %v; want none", got, err)
		}
		return nil
	})
	var want []tickets.Agent
	for _, name := range []string{"zoe", "amy", "bob"} {
		a := tickets.Agent{Name: name, Queues: []string{"q-" + name}, TokenHash: tickets.HashToken("t-" + name),
			CreatedAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
		update(t, s, func(tx tickets.Tx) error { return tx.CreateAgent(&a) })
		want = append(want, a)
	}
	want[0], want[1], want[2] = want[1], want[2], want[0] // amy, bob, zoe
	view(t, s, func(tx tickets.Tx) error {
		got, err := tx.Agents()
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("Agents() = %+v, %v; want %+v", got, err, want)
		}
		return nil
	})
}

func TestSeenAndMeta(t *testing.T) {
	s, _ := openTest(t, boltstore.Options{})
	update(t, s, func(tx tickets.Tx) error {
		for i, want := range []bool{false, true, true} {
			if got, err := tx.Seen("tg:7"); err != nil || got != want {
				t.Errorf("Seen #%d = %v, %v; want %v", i, got, err, want)
			}
		}
		if _, err := tx.Seen(""); !errors.Is(err, tickets.ErrInvalid) {
			t.Errorf("Seen(\"\") = %v", err)
		}
		if _, err := tx.Meta("offset"); !errors.Is(err, tickets.ErrNotFound) {
			t.Errorf("unset meta: %v", err)
		}
		if err := tx.SetMeta("", nil); !errors.Is(err, tickets.ErrInvalid) {
			t.Errorf("SetMeta empty key: %v", err)
		}
		for _, v := range [][]byte{[]byte("1"), []byte("22"), {}} {
			if err := tx.SetMeta("offset", v); err != nil {
				return err
			}
			got, err := tx.Meta("offset")
			if err != nil || !bytes.Equal(got, v) {
				t.Errorf("meta = %q, %v; want %q", got, err, v)
			}
		}
		return nil
	})
	// The meta key space is separate from the schema version.
	update(t, s, func(tx tickets.Tx) error { return tx.SetMeta("schema_version", []byte("junk")) })
}
