package bot

import (
	"context"
	"testing"
	"time"

	"github.com/triagebot/triagebot/tickets"
)

// say sends text as user u in conversation id and fails on error.
func (r *rig) say(id string, u tickets.User, text string) {
	r.t.Helper()
	if err := r.eng.Handle(context.Background(), Inbound{Channel: tickets.Web, ConversationID: id, User: u, Text: text}); err != nil {
		r.t.Fatalf("handle %q: %v", text, err)
	}
}

// escalated opens a conversation that asks for a person and returns it
// with its ticket.
func (r *rig) escalated(user string) (string, tickets.User, tickets.Ticket) {
	r.t.Helper()
	u := tickets.User{ID: user}
	conv, _, err := r.eng.Open(context.Background(), OpenRequest{Channel: tickets.Web, User: u})
	if err != nil {
		r.t.Fatal(err)
	}
	r.say(conv.ID, u, "I want to talk to a person")
	c, _ := r.conversation(conv.ID)
	return conv.ID, u, r.ticket(c.TicketID)
}

// breachEvents lists the "breached" events of the agents' stream.
func (r *rig) breachEvents() []tickets.Event {
	r.t.Helper()
	var out []tickets.Event
	err := r.store.View(context.Background(), func(tx tickets.Tx) error {
		evs, err := tx.Events(0, 1000)
		for _, ev := range evs {
			if ev.Kind == tickets.EventBreached {
				out = append(out, ev)
			}
		}
		return err
	})
	if err != nil {
		r.t.Fatal(err)
	}
	return out
}

// TestSLASweep drives the sweep with the injected clock: nothing before
// sla_due, a breach at it (breached, priority raised, event, hook) once
// only, none for a ticket an agent answered, and a breach that happened
// while the server was down is found after a restart.
func TestSLASweep(t *testing.T) {
	r := newRig(t, true)
	ctx := context.Background()
	var hooks []Breach
	wire := func() {
		r.eng.OnBreach(func(b Breach) { hooks = append(hooks, b) })
	}
	wire()
	_, _, late := r.escalated("late")
	_, _, answered := r.escalated("answered")
	if _, err := r.eng.Reply(ctx, answered.ID, "amy", "Hello, looking now"); err != nil {
		t.Fatal(err)
	}
	// A normal ticket from Monday 10:00 is due at 09:0x on Tuesday (8
	// business hours); the clock is moved to one second before.
	r.clock.t = late.SLADue.Add(-time.Second)
	if n, err := r.eng.SweepSLA(ctx); err != nil || n != 0 {
		t.Fatalf("sweep before due = %d, %v; want 0", n, err)
	}
	r.clock.Advance(time.Second)
	if n, err := r.eng.SweepSLA(ctx); err != nil || n != 1 {
		t.Fatalf("sweep at due = %d, %v; want 1", n, err)
	}
	got := r.ticket(late.ID)
	if !got.Breached || got.Priority != tickets.High {
		t.Errorf("breached ticket: breached=%v priority=%s; want true, high (normal raised one step)", got.Breached, got.Priority)
	}
	if evs := r.breachEvents(); len(evs) != 1 || evs[0].ID != late.ID || evs[0].Priority != tickets.High {
		t.Errorf("breached events = %+v, want one for %s at high", evs, late.ID)
	}
	if len(hooks) != 1 || hooks[0].Was != tickets.Normal || hooks[0].Ticket.Priority != tickets.High {
		t.Errorf("hooks = %+v, want one breach from normal to high", hooks)
	}
	if a := r.ticket(answered.ID); a.Breached || a.FirstResponseAt.IsZero() {
		t.Errorf("answered ticket: breached=%v first_response_at=%s; want false and set", a.Breached, a.FirstResponseAt)
	}
	r.clock.Advance(24 * time.Hour)
	if n, err := r.eng.SweepSLA(ctx); err != nil || n != 0 {
		t.Errorf("second sweep = %d, %v; want 0: a breach is recorded once", n, err)
	}

	// Down over a due time: the first sweep after the restart finds it.
	_, _, down := r.escalated("down")
	r.restart()
	hooks = nil
	wire()
	r.clock.t = down.SLADue.Add(time.Hour)
	if n, err := r.eng.SweepSLA(ctx); err != nil || n != 1 {
		t.Fatalf("sweep after restart = %d, %v; want 1", n, err)
	}
	if !r.ticket(down.ID).Breached || len(hooks) != 1 || len(r.breachEvents()) != 2 {
		t.Errorf("ticket due while down: breached=%v hooks=%d events=%d; want true, 1 and 2 in all", r.ticket(down.ID).Breached, len(hooks), len(r.breachEvents()))
	}
}

// TestRunSLAStops: the sweeper owned by serve ends with its context.
func TestRunSLAStops(t *testing.T) {
	r := newRig(t, true)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.eng.RunSLA(ctx, time.Hour) }()
	cancel()
	if err := <-done; err != nil {
		t.Errorf("RunSLA = %v, want nil after cancel", err)
	}
}

func TestParseScore(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"1", 1}, {" 5 ", 5}, {"5.", 5}, {"４", 4}, {"3分", 3}, {"3 分", 3}, {"4/5", 4}, {"4 stars", 4},
		{"五", 5}, {"二", 2}, {"4 – Good", 4}, {"5 分（非常好）", 5}, {"1 分（很差）", 1}, {"2 – poor", 2},
		{"0", 0}, {"6", 0}, {"10", 0}, {"45", 0}, {"", 0}, {"good", 0}, {"4 payments failed", 0}, {"六", 0},
	}
	for _, tc := range tests {
		got, ok := parseScore(tc.in)
		if ok != (tc.want != 0) || got != tc.want {
			t.Errorf("parseScore(%q) = %d, %v; want %d", tc.in, got, ok, tc.want)
		}
	}
}

// TestRatingAskedOnce: the question comes once with five quick replies; a
// message that is not a rating closes it and starts a new dialogue; a
// second resolution of the same conversation's old ticket asks nothing.
func TestRatingAskedOnce(t *testing.T) {
	r := newRig(t, true)
	ctx := context.Background()
	id, u, tk := r.escalated("u1")
	r.drain(id)
	if _, err := r.eng.Resolve(ctx, tk.ID, "amy", "done"); err != nil {
		t.Fatal(err)
	}
	msgs := r.drain(id)
	last := msgs[len(msgs)-1]
	if len(last.QuickReplies) != 5 {
		t.Fatalf("last message %q has %d quick replies, want 5", last.Text, len(last.QuickReplies))
	}
	r.say(id, u, "my withdrawal has not arrived")
	if got := r.ticket(tk.ID); got.CSAT != nil {
		t.Errorf("csat = %+v after a message that is not a rating", got.CSAT)
	}
	_, st := r.conversation(id)
	if st.Rating != "" || st.Intent != "withdrawal_failed" {
		t.Errorf("state: rating %q intent %q; want the question closed and a new dialogue on withdrawal_failed", st.Rating, st.Intent)
	}
	r.say(id, u, "5")
	if got := r.ticket(tk.ID); got.CSAT != nil {
		t.Errorf("csat = %+v: a rating after the question closed must not count", got.CSAT)
	}
}

// TestOutcomesCounted: a self-help success and an escalation are counted
// with their problem dialogues, per day.
func TestOutcomesCounted(t *testing.T) {
	r := newRig(t, true)
	u := tickets.User{ID: "u1"}
	conv, _, err := r.eng.Open(context.Background(), OpenRequest{Channel: tickets.Web, User: u})
	if err != nil {
		t.Fatal(err)
	}
	r.say(conv.ID, u, "the app crashes every time I open it")
	r.say(conv.ID, u, "no error message")
	r.say(conv.ID, u, "That fixed it")
	r.escalated("u2")
	var got map[tickets.Outcome]int
	err = r.store.View(context.Background(), func(tx tickets.Tx) error {
		got, err = tx.Outcomes(testStart.Add(-time.Hour), testStart.Add(24*time.Hour))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[tickets.Outcome]int{tickets.OutcomeProblem: 2, tickets.OutcomeSelfHelp: 1, tickets.OutcomeEscalated: 1}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("outcomes %v, want %v", got, want)
			break
		}
	}
}
