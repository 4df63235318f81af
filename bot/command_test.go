package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/triagebot/triagebot/prompts"
	"github.com/triagebot/triagebot/tickets"
)

func openTelegram(t *testing.T, r *rig, id, lang string) {
	t.Helper()
	_, _, err := r.eng.Open(context.Background(), OpenRequest{ID: id, Channel: tickets.Telegram,
		User: tickets.User{ID: "u-" + id}, Address: "5001", LangHint: lang})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCommandsAnswerThroughTheOutbox(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, true)
	openTelegram(t, r, "tg-1", "en")
	handle := func(in Inbound) {
		t.Helper()
		in.Channel, in.ConversationID = tickets.Telegram, "tg-1"
		if err := r.eng.Handle(ctx, in); err != nil {
			t.Fatal(err)
		}
	}

	// /start on a conversation that never began greets it.
	handle(Inbound{Command: CommandStart, DedupKey: "tg:1"})
	msgs := r.drain("tg-1")
	if len(msgs) != 1 || msgs[0].Text != welcome("en") {
		t.Fatalf("/start on a new conversation: %+v", msgs)
	}
	// Redelivered: answered once.
	handle(Inbound{Command: CommandStart, DedupKey: "tg:1"})
	if msgs := r.drain("tg-1"); len(msgs) != 0 {
		t.Fatalf("a redelivered command was answered again: %+v", msgs)
	}
	// /start again, and /help: the channel's help, worded by the channel.
	for i, c := range []Command{CommandStart, CommandHelp} {
		handle(Inbound{Command: c, DedupKey: fmt.Sprintf("tg:h%d", i)})
		msgs := r.drain("tg-1")
		if len(msgs) != 1 || msgs[0].Kind != tickets.KindChannel || msgs[0].Key != SayHelp {
			t.Fatalf("/%s: %+v", c, msgs)
		}
	}
	// /status: the engine's own status answer, as for "what happened to my ticket?".
	handle(Inbound{Command: CommandStatus, DedupKey: "tg:2"})
	msgs = r.drain("tg-1")
	if len(msgs) != 1 || msgs[0].Text != prompts.Render("en", prompts.StatusNone, nil) {
		t.Fatalf("/status without tickets: %+v", msgs)
	}
	// Refusals name their reason.
	for why, key := range map[error]string{
		ErrTooLarge: SayTooLarge, ErrBadUpload: SayNotImage, ErrUnreadable: SayUnreadable,
		ErrGroupChat: SayGroup, errors.New("download: 502"): SayFileFailed,
	} {
		handle(Inbound{Refused: why, DedupKey: "tg:r:" + key})
		msgs := r.drain("tg-1")
		if len(msgs) != 1 || msgs[0].Kind != tickets.KindChannel || msgs[0].Key != key {
			t.Fatalf("refusal %v: %+v", why, msgs)
		}
	}
	// /agent is the user asking for a person: a ticket.
	handle(Inbound{Command: CommandAgent, DedupKey: "tg:3"})
	conv, _ := r.conversation("tg-1")
	if conv.TicketID == "" {
		t.Fatalf("/agent made no ticket; outbox %+v", r.drain("tg-1"))
	}
	r.drain("tg-1")
	handle(Inbound{Command: CommandStatus, DedupKey: "tg:4"})
	msgs = r.drain("tg-1")
	if len(msgs) != 1 || !strings.Contains(msgs[0].Text, conv.TicketID) {
		t.Fatalf("/status with a ticket: %+v", msgs)
	}
	// The status answer joins the open ticket's transcript.
	tk := r.ticket(conv.TicketID)
	if last := tk.Transcript[len(tk.Transcript)-1]; last.Text != msgs[0].Text {
		t.Fatalf("transcript ends with %q", last.Text)
	}

	if err := r.eng.Handle(ctx, Inbound{ConversationID: "tg-1", Command: "reboot"}); !errors.Is(err, tickets.ErrInvalid) {
		t.Fatalf("unknown command: %v", err)
	}
	if err := r.eng.Handle(ctx, Inbound{ConversationID: "tg-404", Command: CommandHelp}); !errors.Is(err, tickets.ErrNotFound) {
		t.Fatalf("unknown conversation: %v", err)
	}
}

func TestNewTicketLeavesANotice(t *testing.T) {
	ctx := context.Background()
	r := newRigWith(t, func(r *rig) { r.notices = true })
	openTelegram(t, r, "tg-2", "en")
	if err := r.eng.Handle(ctx, Inbound{ConversationID: "tg-2", Command: CommandAgent}); err != nil {
		t.Fatal(err)
	}
	conv, _ := r.conversation("tg-2")
	ns, err := r.store.Notices(ctx, 0)
	if err != nil || len(ns) != 1 || ns[0].TicketID != conv.TicketID || ns[0].Ticket.ID != conv.TicketID {
		t.Fatalf("notices %+v, %v; want one for %s", ns, err, conv.TicketID)
	}
	// Without Config.Notices nothing is written.
	plain := newRig(t, true)
	openTelegram(t, plain, "tg-3", "en")
	if err := plain.eng.Handle(ctx, Inbound{ConversationID: "tg-3", Command: CommandAgent}); err != nil {
		t.Fatal(err)
	}
	if ns, _ := plain.store.Notices(ctx, 0); len(ns) != 0 {
		t.Fatalf("notices without a consumer: %+v", ns)
	}
}

func TestBreachLeavesANotice(t *testing.T) {
	ctx := context.Background()
	r := newRigWith(t, func(r *rig) { r.notices = true })
	_, _, late := r.escalated("late")
	r.clock.t = late.SLADue
	if n, err := r.eng.SweepSLA(ctx); err != nil || n != 1 {
		t.Fatalf("sweep = %d, %v", n, err)
	}
	ns, err := r.store.Notices(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	var breach *tickets.Notice
	for i := range ns {
		if ns[i].Kind == tickets.NoticeBreach {
			breach = &ns[i]
		}
	}
	if breach == nil || breach.TicketID != late.ID || breach.Was != late.Priority || breach.Ticket.Priority == late.Priority {
		t.Fatalf("notices %+v: want a breach of %s, was %s, the ticket raised since", ns, late.ID, late.Priority)
	}
}
