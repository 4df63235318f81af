package telegram

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/triagebot/triagebot/bot"
	"github.com/triagebot/triagebot/internal/fakebot"
	"github.com/triagebot/triagebot/tickets"
)

// TestCSATOnTelegram: after an agent resolves the ticket, the user gets the
// rating question as an inline keyboard of five buttons; pressing one rates
// the ticket, and a typed comment is kept with it.
func TestCSATOnTelegram(t *testing.T) {
	h := newHarness(t, nil)
	u := fakebot.User{ID: 5101, Name: "Wing", Lang: "en"}
	tk := playToTicket(t, h, u, fraudOpening)
	ctx := context.Background()
	before := len(h.fake.Sent(u.ID))
	if _, err := h.engine.Resolve(ctx, tk.ID, "alice", "card blocked and refunded"); err != nil {
		t.Fatal(err)
	}
	var question fakebot.Call
	waitFor(t, "the rating question", 5*time.Second, func() bool {
		for _, c := range h.fake.Sent(u.ID)[before:] {
			if labels, _ := fakebot.Buttons(c); len(labels) == 5 {
				question = c
				return true
			}
		}
		return false
	})
	labels, data := fakebot.Buttons(question)
	if labels[0] != "1 – Very poor" || labels[4] != "5 – Excellent" {
		t.Errorf("rating buttons %q, want 1 – Very poor … 5 – Excellent", labels)
	}
	h.fake.Callback(u, question, data[4])
	waitFor(t, "the rating stored", 5*time.Second, func() bool {
		got := h.ticket(tk.ID)
		return got.CSAT != nil && got.CSAT.Score == 5
	})
	h.fake.Text(u, "very quick, thanks")
	waitFor(t, "the comment stored", 5*time.Second, func() bool {
		got := h.ticket(tk.ID)
		return got.CSAT != nil && got.CSAT.Comment == "very quick, thanks"
	})
}

func (h *harness) ticket(id string) tickets.Ticket {
	var tk tickets.Ticket
	err := h.store.View(context.Background(), func(tx tickets.Tx) error {
		var err error
		tk, err = tx.Ticket(id)
		return err
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return tk
}

// TestBreachNoticeAndAgentReport: a breach the engine stored as a notice,
// and a report, reach the agent chat in the agents' language, the due time
// in the routing zone.
func TestBreachNoticeAndAgentReport(t *testing.T) {
	const agentChat = -100778
	hk, _ := time.LoadLocation("Asia/Hong_Kong")
	h := newHarness(t, func(c *Config) { c.AgentChatID = agentChat; c.AgentLang = "zh-Hant"; c.Location = hk })
	due := time.Date(2026, 12, 7, 10, 30, 0, 0, hk)
	var id string
	err := h.store.Update(context.Background(), func(tx tickets.Tx) error {
		tk := tickets.Ticket{Queue: "payments", Priority: tickets.Urgent, Channel: tickets.Web, Intent: "other",
			SLADue: due.UTC(), Breached: true}
		if err := tx.CreateTicket(&tk); err != nil {
			return err
		}
		id = tk.ID
		return tx.AddNotice(&tickets.Notice{Kind: tickets.NoticeBreach, TicketID: tk.ID, Rank: tk.Priority.Rank(), Was: tickets.High})
	})
	if err != nil {
		t.Fatal(err)
	}
	h.ch.OnBreach(bot.Breach{})
	sent, err := h.fake.WaitSent(agentChat, 1, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	text := sent[0].Params["text"]
	for _, want := range []string{id, "payments", "high", "urgent", "12月7日（星期一）10:30 HKT", "http://console.test/agent#" + id} {
		if !strings.Contains(text, want) {
			t.Errorf("breach notice %q lacks %q", text, want)
		}
	}
	h.settle() // the notice deleted once sent
	done := make(chan struct{})
	if !h.ch.NotifyAgents("daily figures", func(context.Context) { close(done) }) {
		t.Fatal("NotifyAgents refused")
	}
	if _, err := h.fake.WaitSent(agentChat, 2, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Error("onSent did not run after Telegram accepted the report")
	}
}
