package telegram

import (
	"context"
	"testing"
	"time"

	"github.com/triagebot/triagebot/bot"
	"github.com/triagebot/triagebot/internal/fakebot"
	"github.com/triagebot/triagebot/language"
	"github.com/triagebot/triagebot/prompts"
)

// TestAttachmentQuotaAnswered: the photo after the conversation's quota
// is answered with the quota sentence in the user's language, and is not
// stored.
func TestAttachmentQuotaAnswered(t *testing.T) {
	h := newHarness(t, nil)
	u := fakebot.User{ID: 5030, Name: "Bo", Lang: "en"}
	h.fake.AddFile("Q1", fakebot.File{Data: pngBytes})
	for i := range bot.DefaultConversationFiles + 1 {
		before := len(h.fake.Sent(u.ID))
		h.fake.Photo(u, "Q1", "")
		if _, err := h.fake.WaitSent(u.ID, before+1, 10*time.Second); err != nil {
			t.Fatalf("photo %d: %v", i+1, err)
		}
	}
	sent := h.fake.Sent(u.ID)
	want := prompts.Render(language.English, prompts.AttachmentQuotaConversation,
		prompts.QuotaData{Files: bot.DefaultConversationFiles, MB: bot.DefaultConversationBytes >> 20})
	if got := sent[len(sent)-1].Params["text"]; got != want {
		t.Errorf("last answer %q, want the quota sentence %q", got, want)
	}
	conv, err := h.engine.Conversation(context.Background(), convPrefix+itoa(u.ID))
	if err != nil || conv.Uploads.Files != bot.DefaultConversationFiles {
		t.Errorf("conversation holds %d files (%v), want %d", conv.Uploads.Files, err, bot.DefaultConversationFiles)
	}
}
