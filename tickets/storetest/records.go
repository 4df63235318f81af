package storetest

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/triagebot/triagebot/tickets"
)

func testAttachments(t *testing.T, open Opener) {
	s, _ := fresh(t, open)
	tk := mustCreate(t, s, newTicket("q", tickets.High))
	Update(t, s, func(tx tickets.Tx) error {
		return tx.PutConversation(&tickets.Conversation{ID: "conv", Channel: tickets.Web})
	})
	data := bytes.Repeat([]byte{0xff, 0xd8, 0xff, 0}, 1000)
	buf := bytes.Clone(data)
	a := tickets.Attachment{Filename: "a.jpg", ContentType: "image/jpeg"}
	Update(t, s, func(tx tickets.Tx) error { return tx.PutAttachment(&a, tk.ID, buf) })
	clear(buf) // the caller reusing its buffer must not change the stored file
	if a.ID == "" || a.Size != int64(len(data)) || a.CreatedAt.IsZero() {
		t.Fatalf("attachment after put: %+v", a)
	}
	requireAllSet(t, a)
	View(t, s, func(tx tickets.Tx) error {
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
			View(t, s, func(tx tickets.Tx) error {
				if _, _, err := tx.AttachmentData(tc.id); !errors.Is(err, tickets.ErrNotFound) {
					t.Errorf("refused attachment was written: %v", err)
				}
				return nil
			})
		})
	}
	View(t, s, func(tx tickets.Tx) error {
		if _, _, err := tx.AttachmentData(""); !errors.Is(err, tickets.ErrNotFound) {
			t.Errorf("empty id: %v", err)
		}
		if _, b, _ := tx.AttachmentData(a.ID); !bytes.Equal(b, data) {
			t.Error("a refused duplicate id overwrote the original")
		}
		return nil
	})
}

func testOutbox(t *testing.T, open Opener) {
	s, _ := fresh(t, open)
	enqueue := func(conv, text string) tickets.OutMessage {
		m := tickets.OutMessage{ConversationID: conv, Kind: tickets.KindMessage, From: tickets.FromBot, Text: text}
		Update(t, s, func(tx tickets.Tx) error { return tx.Enqueue(&m) })
		return m
	}
	outbox := func(conv string) []string {
		var texts []string
		View(t, s, func(tx tickets.Tx) error {
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
		View(t, s, func(tx tickets.Tx) (err error) { p, err = tx.PendingConversations(ch); return err })
		return p
	}
	Update(t, s, func(tx tickets.Tx) error {
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
	tg := enqueue("t1", "tg")
	if m1.Seq != 1 || m2.Seq != 2 || m3.Seq != 3 || other.Seq != 1 || m1.CreatedAt.IsZero() {
		t.Fatalf("assigned: %+v %+v %+v %+v", m1, m2, m3, other)
	}
	// Ids are unique across the store, not only within a conversation.
	issued := []string{m1.ID, m2.ID, m3.ID, other.ID, tg.ID}
	if slices.Contains(issued, "") || len(slices.Compact(slices.Sorted(slices.Values(issued)))) != len(issued) {
		t.Fatalf("ids not unique: %v", issued)
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
		{"other conversation's", "w1", other.ID, tickets.ErrInvalid, []string{"c"}},
		{"garbage", "w1", "hello", tickets.ErrInvalid, []string{"c"}},
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
	// Ids and sequence numbers are never reused once an outbox has been emptied.
	if m4 := enqueue("w1", "d"); m4.Seq != 4 || slices.Contains(issued, m4.ID) {
		t.Errorf("after emptying: id %s seq %d, want a new id and seq 4 (issued %v)", m4.ID, m4.Seq, issued)
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

// testOutboxWithinOneUpdate mixes, in one transaction, what a bot turn
// does (read the conversation, store it, enqueue several messages, in
// either order) with acknowledgements, and checks the numbering, the
// outbox and the pending entry across transactions.
func testOutboxWithinOneUpdate(t *testing.T, open Opener) {
	s, _ := fresh(t, open)
	msg := func(text string) *tickets.OutMessage {
		return &tickets.OutMessage{ConversationID: "c", Kind: tickets.KindMessage, From: tickets.FromBot, Text: text}
	}
	var seqs []uint64
	var ids []string
	enqueue := func(tx tickets.Tx, texts ...string) error {
		for _, text := range texts {
			m := msg(text)
			if err := tx.Enqueue(m); err != nil {
				return err
			}
			seqs, ids = append(seqs, m.Seq), append(ids, m.ID)
		}
		return nil
	}
	put := func(tx tickets.Tx, state string) error {
		c, err := tx.Conversation("c")
		if err != nil {
			return err
		}
		c.State = []byte(`{"step":"` + state + `"}`)
		return tx.PutConversation(&c)
	}
	Update(t, s, func(tx tickets.Tx) error {
		return tx.PutConversation(&tickets.Conversation{ID: "c", Channel: tickets.Web})
	})

	steps := []struct {
		name    string
		fn      func(tx tickets.Tx) error
		outbox  []string
		pending bool
	}{
		{"put, then two messages", func(tx tickets.Tx) error {
			if err := put(tx, "1"); err != nil {
				return err
			}
			return enqueue(tx, "a", "b")
		}, []string{"a", "b"}, true},
		{"messages around the put", func(tx tickets.Tx) error {
			if err := enqueue(tx, "c"); err != nil {
				return err
			}
			if err := put(tx, "2"); err != nil {
				return err
			}
			return enqueue(tx, "d")
		}, []string{"a", "b", "c", "d"}, true},
		{"messages without a put", func(tx tickets.Tx) error {
			if _, err := tx.Conversation("c"); err != nil {
				return err
			}
			return enqueue(tx, "e")
		}, []string{"a", "b", "c", "d", "e"}, true},
		{"all acknowledged, then one more", func(tx tickets.Tx) error {
			if _, err := tx.Conversation("c"); err != nil {
				return err
			}
			if err := tx.Ack("c", ids[4]); err != nil {
				return err
			}
			return enqueue(tx, "f")
		}, []string{"f"}, true},
		{"one more, then all acknowledged", func(tx tickets.Tx) error {
			if err := put(tx, "3"); err != nil {
				return err
			}
			if err := enqueue(tx, "g"); err != nil {
				return err
			}
			return tx.Ack("c", ids[6])
		}, nil, false},
	}
	for _, st := range steps {
		Update(t, s, st.fn)
		var texts []string
		var pending []string
		View(t, s, func(tx tickets.Tx) error {
			ms, err := tx.Outbox("c")
			for _, m := range ms {
				texts = append(texts, m.Text)
			}
			if err != nil {
				return err
			}
			pending, err = tx.PendingConversations(tickets.Web)
			return err
		})
		if !slices.Equal(texts, st.outbox) {
			t.Errorf("%s: outbox %v, want %v", st.name, texts, st.outbox)
		}
		if got := slices.Contains(pending, "c"); got != st.pending {
			t.Errorf("%s: pending %v, want %v", st.name, got, st.pending)
		}
	}
	if want := []uint64{1, 2, 3, 4, 5, 6, 7}; !slices.Equal(seqs, want) {
		t.Errorf("seqs %v, want %v", seqs, want)
	}
	var c tickets.Conversation
	View(t, s, func(tx tickets.Tx) (err error) { c, err = tx.Conversation("c"); return err })
	if string(c.State) != `{"step":"3"}` {
		t.Errorf("state %s, want step 3", c.State)
	}
	// The numbering goes on from the last message, in a new transaction.
	var m *tickets.OutMessage
	Update(t, s, func(tx tickets.Tx) error { m = msg("h"); return tx.Enqueue(m) })
	if m.Seq != 8 {
		t.Errorf("next seq %d, want 8", m.Seq)
	}
}

func testTicketEventRoundTrip(t *testing.T, open Opener) {
	s, _ := fresh(t, open)
	at := time.Date(2025, 1, 2, 3, 4, 5, 6000, time.UTC)
	ev := &tickets.TicketEvent{TicketID: "T-000001", Status: tickets.Claimed, Queue: "fraud", Priority: tickets.Urgent,
		Team: "Fraud and account security team", SLADue: at.Add(time.Hour), DueText: "Thu 2 Jan, 12:04 HKT"}
	m := tickets.OutMessage{ConversationID: "c", Kind: tickets.KindTicket, Ticket: ev, QuickReplies: []string{"ok"},
		From: tickets.FromBot, Text: "ticket created", Agent: "amy", Key: "telegram.help", Parts: 1, CreatedAt: at}
	Update(t, s, func(tx tickets.Tx) error {
		if err := tx.PutConversation(&tickets.Conversation{ID: "c", Channel: tickets.Web}); err != nil {
			return err
		}
		return tx.Enqueue(&m)
	})
	requireAllSet(t, m)
	View(t, s, func(tx tickets.Tx) error {
		got, err := tx.Outbox("c")
		if err != nil || len(got) != 1 || !reflect.DeepEqual(got[0], m) {
			t.Errorf("outbox = %+v, %v; want %+v", got, err, m)
		}
		return nil
	})
}

func testConversationRoundTripAndChannelMove(t *testing.T, open Opener) {
	s, _ := fresh(t, open)
	at := time.Date(2025, 1, 2, 3, 4, 5, 6000, time.UTC)
	c := tickets.Conversation{ID: "c", Channel: tickets.Web, User: tickets.User{ID: "u", Name: "n"}, Address: "12345",
		Lang: "zh-Hant", State: []byte(`{"step":"ask_amount"}`), TicketID: "T-000001", Unreachable: true, ResumeHash: tickets.HashToken("key-c"),
		Uploads: tickets.Usage{Files: 2, Bytes: 4096}, CreatedAt: at, UpdatedAt: at.Add(time.Second)}
	requireAllSet(t, c)
	Update(t, s, func(tx tickets.Tx) error {
		if err := tx.PutConversation(&c); err != nil {
			return err
		}
		return tx.Enqueue(&tickets.OutMessage{ConversationID: "c", Kind: tickets.KindMessage, Text: "hi"})
	})
	View(t, s, func(tx tickets.Tx) error {
		got, err := tx.Conversation("c")
		if err != nil || !reflect.DeepEqual(got, c) {
			t.Errorf("conversation = %+v, %v; want %+v", got, err, c)
		}
		return nil
	})
	c.Channel = tickets.Telegram
	Update(t, s, func(tx tickets.Tx) error { return tx.PutConversation(&c) })
	View(t, s, func(tx tickets.Tx) error {
		web, _ := tx.PendingConversations(tickets.Web)
		tg, _ := tx.PendingConversations(tickets.Telegram)
		if len(web) != 0 || !slices.Equal(tg, []string{"c"}) {
			t.Errorf("pending after channel change: web %v telegram %v", web, tg)
		}
		return nil
	})
}

func testAgents(t *testing.T, open Opener) {
	s, _ := fresh(t, open)
	token, hash, err := tickets.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	amy := tickets.Agent{Name: "amy", Queues: []string{"fraud"}, Admin: true, TokenHash: hash,
		CreatedAt: time.Date(2025, 1, 2, 3, 4, 5, 6000, time.UTC)}
	requireAllSet(t, amy)
	Update(t, s, func(tx tickets.Tx) error { return tx.CreateAgent(&amy) })
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
	View(t, s, func(tx tickets.Tx) error {
		got, err := tx.AgentByTokenHash(tickets.HashToken(token))
		if err != nil || !reflect.DeepEqual(got, amy) {
			t.Errorf("agent = %+v, %v; want %+v", got, err, amy)
		}
		return nil
	})
}

// TestListAgents: none at first (serve then prints how to make one), then
// every agent in name order, whole.
func testListAgents(t *testing.T, open Opener) {
	s, _ := fresh(t, open)
	View(t, s, func(tx tickets.Tx) error {
		if got, err := tx.Agents(); err != nil || len(got) != 0 {
			t.Errorf("Agents() on a new store = %v, %v; want none", got, err)
		}
		return nil
	})
	var want []tickets.Agent
	for _, name := range []string{"zoe", "amy", "bob"} {
		a := tickets.Agent{Name: name, Queues: []string{"q-" + name}, TokenHash: tickets.HashToken("t-" + name),
			CreatedAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
		Update(t, s, func(tx tickets.Tx) error { return tx.CreateAgent(&a) })
		want = append(want, a)
	}
	want[0], want[1], want[2] = want[1], want[2], want[0] // amy, bob, zoe
	View(t, s, func(tx tickets.Tx) error {
		got, err := tx.Agents()
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("Agents() = %+v, %v; want %+v", got, err, want)
		}
		return nil
	})
}

func testSeenAndMeta(t *testing.T, open Opener) {
	s, _ := fresh(t, open)
	Update(t, s, func(tx tickets.Tx) error {
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
}

// A conversation is found by its resume key's hash,
// the index follows a changed hash, and two conversations never share one.
func testResumeHashIndex(t *testing.T, open Opener) {
	s, _ := fresh(t, open)
	h1, h2 := tickets.HashToken("key-1"), tickets.HashToken("key-2")
	c := tickets.Conversation{ID: "c-1", Channel: tickets.Web, ResumeHash: h1}
	Update(t, s, func(tx tickets.Tx) error { return tx.PutConversation(&c) })
	find := func(h []byte) (string, error) {
		var id string
		err := s.View(t.Context(), func(tx tickets.Tx) error {
			got, err := tx.ConversationByResumeHash(h)
			id = got.ID
			return err
		})
		return id, err
	}
	if id, err := find(h1); err != nil || id != "c-1" {
		t.Fatalf("by hash 1: %q, %v; want c-1", id, err)
	}
	c.ResumeHash = h2
	Update(t, s, func(tx tickets.Tx) error { return tx.PutConversation(&c) })
	if _, err := find(h1); !errors.Is(err, tickets.ErrNotFound) {
		t.Errorf("the replaced hash still finds a conversation: %v", err)
	}
	if id, err := find(h2); err != nil || id != "c-1" {
		t.Errorf("by hash 2: %q, %v; want c-1", id, err)
	}
	other := tickets.Conversation{ID: "c-2", Channel: tickets.Web, ResumeHash: h2}
	err := s.Update(t.Context(), func(tx tickets.Tx) error { return tx.PutConversation(&other) })
	if !errors.Is(err, tickets.ErrConflict) {
		t.Errorf("a second conversation took a hash in use: %v", err)
	}
	for _, h := range [][]byte{nil, tickets.HashToken("c-1")} {
		if _, err := find(h); !errors.Is(err, tickets.ErrNotFound) {
			t.Errorf("hash %x: %v, want ErrNotFound", h, err)
		}
	}
}

func testSetProgress(t *testing.T, open Opener) {
	s, _ := fresh(t, open)
	var sent []string
	var elsewhere tickets.OutMessage // a message of another conversation
	Update(t, s, func(tx tickets.Tx) error {
		for _, id := range []string{"tg-5", "tg-6"} {
			if err := tx.PutConversation(&tickets.Conversation{ID: id, Channel: tickets.Telegram}); err != nil {
				return err
			}
		}
		elsewhere = tickets.OutMessage{ConversationID: "tg-6", Kind: tickets.KindMessage, Text: "other"}
		if err := tx.Enqueue(&elsewhere); err != nil {
			return err
		}
		for _, text := range []string{"long", "next"} {
			m := tickets.OutMessage{ConversationID: "tg-5", Kind: tickets.KindMessage, Text: text}
			if err := tx.Enqueue(&m); err != nil {
				return err
			}
			sent = append(sent, m.ID)
		}
		return tx.Enqueue(&tickets.OutMessage{ConversationID: "tg-5", Kind: tickets.KindChannel, Key: "telegram.help"})
	})
	Update(t, s, func(tx tickets.Tx) error { return tx.SetProgress("tg-5", sent[0], 2) })
	View(t, s, func(tx tickets.Tx) error {
		out, err := tx.Outbox("tg-5")
		if err != nil {
			return err
		}
		if out[0].Parts != 2 || out[1].Parts != 0 || out[2].Key != "telegram.help" {
			t.Errorf("outbox %+v", out)
		}
		return nil
	})
	Update(t, s, func(tx tickets.Tx) error { return tx.Ack("tg-5", sent[0]) })
	Update(t, s, func(tx tickets.Tx) error { return tx.SetProgress("tg-5", sent[0], 3) }) // acked: no error
	err := s.Update(context.Background(), func(tx tickets.Tx) error { return tx.SetProgress("tg-5", elsewhere.ID, 1) })
	if !errors.Is(err, tickets.ErrInvalid) {
		t.Fatalf("another conversation's id: %v", err)
	}
	View(t, s, func(tx tickets.Tx) error {
		out, err := tx.Outbox("tg-6")
		if err == nil && (len(out) != 1 || out[0].Parts != 0) {
			t.Errorf("a refused SetProgress changed another outbox: %+v", out)
		}
		return err
	})
}

func testAgentListRotateRemove(t *testing.T, open Opener) {
	s, _ := fresh(t, open)
	tokens := map[string]string{}
	for _, name := range []string{"bob", "amy", "cy"} {
		tok, hash, err := tickets.NewToken()
		if err != nil {
			t.Fatal(err)
		}
		tokens[name] = tok
		Update(t, s, func(tx tickets.Tx) error {
			return tx.CreateAgent(&tickets.Agent{Name: name, Queues: []string{"fraud"}, TokenHash: hash})
		})
	}
	names := func() []string {
		var out []string
		View(t, s, func(tx tickets.Tx) error {
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
	Update(t, s, func(tx tickets.Tx) error { return tx.SetAgentToken("amy", newHash) })
	if _, err := who(tokens["amy"]); !errors.Is(err, tickets.ErrNotFound) {
		t.Errorf("the old token still works: %v", err)
	}
	if name, err := who(newTok); err != nil || name != "amy" {
		t.Errorf("new token: %q, %v", name, err)
	}
	View(t, s, func(tx tickets.Tx) error {
		a, err := tx.AgentByTokenHash(newHash)
		if err == nil && (len(a.Queues) != 1 || a.Queues[0] != "fraud") {
			t.Errorf("rotation lost the queues: %+v", a)
		}
		return err
	})

	// Remove: the token stops working, the others are untouched.
	Update(t, s, func(tx tickets.Tx) error { return tx.DeleteAgent("bob") })
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
