package bot

import (
	"strings"

	"github.com/triagebot/triagebot/escalation"
	"github.com/triagebot/triagebot/intents"
	"github.com/triagebot/triagebot/prompts"
	"github.com/triagebot/triagebot/tickets"
)

// maxSummary bounds the ticket's one-line summary.
const maxSummary = 200

// escalate hands the dialogue to people: the router decides priority,
// queue and deadline; the ticket gets everything gathered, the attachments
// and the masked transcript; the user gets a ticket event and a sentence
// with the ticket id. lead, if set, is said first (e.g. "I'll hand this to
// a person").
func (t *turn) escalate(lead prompts.Key) error {
	if err := t.openTicket(lead); err != nil {
		return err
	}
	t.tellTicket()
	return nil
}

// openTicket creates the ticket (agents see it in their queue from now on)
// without telling the user yet; tellTicket does that.
func (t *turn) openTicket(lead prompts.Key) error {
	st := t.st
	if lead != "" {
		t.say(t.render(lead, nil), nil)
	}
	intent := st.Intent
	if intent == "" {
		intent = intents.HumanAgent
	}
	prev, err := t.tx.TicketsOfUser(t.conv.Channel, t.conv.User.ID)
	if err != nil {
		return err
	}
	dec := t.e.router.Route(t.routeInput(intent, prev))
	tk := tickets.Ticket{
		Status: tickets.Open, Intent: string(intent),
		Priority: dec.Priority, Queue: dec.Queue, SLADue: dec.SLADue,
		Channel: t.conv.Channel, User: t.conv.User, Lang: string(t.lang()),
		Details:        st.Details,
		Attachments:    append([]tickets.Attachment{}, st.Attachments...),
		Transcript:     st.dialogueTranscript(),
		Summary:        t.summary(),
		ConversationID: t.conv.ID,
		Related:        dec.Related,
		CreatedAt:      t.now, UpdatedAt: t.now,
	}
	if s := t.e.localSummary(&tk); s != "" {
		tk.Summary = s
	}
	if err := t.tx.CreateTicket(&tk); err != nil {
		return err
	}
	if t.e.notices {
		// In the ticket's own transaction: the agents hear of every ticket
		// that exists, whatever crashes after the commit.
		n := tickets.Notice{Kind: tickets.NoticeNewTicket, TicketID: tk.ID, Rank: tk.Priority.Rank(), CreatedAt: t.now}
		if err := t.tx.AddNotice(&n); err != nil {
			return err
		}
	}
	t.ticket, t.created = &tk, true
	t.conv.TicketID = tk.ID
	t.conv.Uploads = tickets.Usage{} // the ticket's quota counts its files from now on
	st.enter(phaseEscalated)
	st.Pending, st.Acked = "", false
	return nil
}

// tellTicket tells the user about their ticket: a ticket event and a
// sentence with its id, priority and deadline.
func (t *turn) tellTicket() {
	tk := t.ticket
	t.out.event(tk, t.e.router.Location())
	r := t.e.router
	text := t.render(prompts.Escalated, map[string]any{
		"TicketID": tk.ID,
		// Only urgency is worth telling: "priority: normal" reads as "not
		// important" to someone whose money is stuck.
		"Urgent": tk.Priority == tickets.Urgent,
		"Due":    prompts.When(t.lang(), tk.SLADue.In(r.Location())),
	})
	if cal := r.Calendar(); r.BusinessTime(tk.Priority) && !cal.Open(t.now) {
		// The dialogue goes on as ever (every detail is still asked for and
		// kept); the user only learns why nobody answers before then.
		back := prompts.When(t.lang(), cal.NextOpen(t.now))
		text = join(text, t.render(prompts.OutOfHours, map[string]any{"Back": back}))
	}
	t.say(text, nil)
}

// summary is a line for the agent's queue view: the user's first words in
// this dialogue (masked) and the free-text details that have no field.
func (t *turn) summary() string {
	first := ""
	for _, e := range t.st.dialogueTranscript() {
		if e.From == tickets.FromUser {
			first = e.Text
			break
		}
	}
	first = strings.Join(strings.Fields(first), " ")
	if r := []rune(first); len(r) > maxSummary {
		first = string(r[:maxSummary]) + "…"
	}
	parts := []string{first}
	if t.st.API != "" {
		parts = append(parts, "api: "+t.st.API)
	}
	if t.st.OTPChannel != "" {
		parts = append(parts, "otp via: "+t.st.OTPChannel)
	}
	// Masked whole: each part is masked, but joined they could form what
	// no part was (a number split across the parts).
	return intents.Mask(strings.Join(parts, " | "))
}

// routeInput is what the router needs to know about this dialogue.
func (t *turn) routeInput(intent intents.Intent, prev []tickets.Ticket) escalation.Input {
	var text strings.Builder
	for _, e := range t.st.dialogueTranscript() {
		if e.From == tickets.FromUser {
			text.WriteString(e.Text)
			text.WriteString("\n")
		}
	}
	return escalation.Input{
		Intent:   string(intent),
		Channel:  t.conv.Channel,
		Lang:     string(t.lang()),
		Amount:   t.st.Details.Amount,
		Currency: t.st.Details.Currency,
		Text:     text.String(),
		Now:      t.now,
		History:  prev,
	}
}
