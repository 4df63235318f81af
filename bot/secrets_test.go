package bot

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/triagebot/triagebot/intents"
	"github.com/triagebot/triagebot/tickets"
)

// secretSummarizer is a model that repeats what it was told, secrets and all.
type secretSummarizer struct{}

func (secretSummarizer) Summarize(context.Context, intents.SummaryInput) string {
	return "User gave card 4111.1111.1111.1111 and says my pass is Zx81spectrum"
}

// TestNoSecretReachesTheStore drives every path that writes text (user
// messages and captions, the first words that make the summary, a model's
// summary, an attachment's file name, an agent's reply, a resolution note,
// words added to a ticket after it exists) with secrets in it, then reads
// the whole database file, byte for byte, for any of them.
func TestNoSecretReachesTheStore(t *testing.T) {
	r := newRig(t, true)
	r.sum = secretSummarizer{}
	r.restart()
	told := make(chan tickets.Ticket, 1)
	r.eng.OnTicket(func(tk tickets.Ticket) { told <- tk })
	ctx := context.Background()
	user := tickets.User{ID: "u-secrets"}
	conv, _, err := r.eng.Open(ctx, OpenRequest{Channel: tickets.Web, User: user, Greet: true})
	if err != nil {
		t.Fatal(err)
	}
	send := func(text string, up *Upload) {
		t.Helper()
		if err := r.eng.Handle(ctx, Inbound{Channel: tickets.Web, ConversationID: conv.ID, User: user,
			Text: text, Upload: up, At: r.clock.Now()}); err != nil {
			t.Fatalf("handle %q: %v", text, err)
		}
		r.drain(conv.ID)
	}
	send("密碼：你好123 登入唔到，my pass is hunter2, card 4111.1111.1111.1111", nil)
	send("驗證碼係四八二九一三, i got 4 8 2 9 1 3 by sms", &Upload{Filename: "密碼：天王蓋地虎.png", Data: smallPNG})
	send("I want to talk to a human agent please", nil)
	<-told // the model's summary is written by the engine's worker
	conv, _ = r.conversation(conv.ID)
	if conv.TicketID == "" {
		t.Fatal("no ticket was opened")
	}
	send("482913 is my code, passphrase: correct horse battery staple", nil)
	if _, err := r.eng.Claim(ctx, conv.TicketID, "amy"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.eng.Reply(ctx, conv.TicketID, "amy", "Your temporary password: Qq7788tmp, please change it"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.eng.Resolve(ctx, conv.TicketID, "amy", "customer read out 5500 0055 5555 5559 cvv 321 on the phone"); err != nil {
		t.Fatal(err)
	}

	tk := r.ticket(conv.TicketID)
	var record strings.Builder
	for _, e := range tk.Transcript {
		record.WriteString(e.Text + "\n")
	}
	for _, want := range []string{"[password]", "****1111", "[code]"} {
		if !strings.Contains(record.String(), want) {
			t.Errorf("transcript lacks %q (was the text stored at all?):\n%s", want, record.String())
		}
	}
	if len(tk.Attachments) != 1 || strings.Contains(tk.Attachments[0].Filename, "天王蓋地虎") {
		t.Errorf("attachments = %+v, want one with a masked name", tk.Attachments)
	}
	if !strings.HasPrefix(tk.Summary, "User gave card") || !strings.Contains(tk.Summary, "****1111") || !strings.Contains(tk.Note, "****5559") {
		t.Errorf("summary %q, note %q: want them stored, masked", tk.Summary, tk.Note)
	}

	var file bytes.Buffer
	if _, err := r.store.Backup(ctx, &file); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{
		"你好123", "hunter2", "4111.1111.1111.1111", "4111111111111111", "四八二九一三", "4 8 2 9 1 3",
		"天王蓋地虎", "482913", "correct horse", "battery staple", "Zx81spectrum", "Qq7788tmp",
		"5500 0055 5555 5559", "cvv 321",
	} {
		if bytes.Contains(file.Bytes(), []byte(secret)) {
			t.Errorf("the database file holds %q", secret)
		}
	}
}
