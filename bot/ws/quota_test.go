package ws

import (
	"testing"
	"time"

	"github.com/triagebot/triagebot/bot"
	"github.com/triagebot/triagebot/language"
	"github.com/triagebot/triagebot/prompts"
)

// TestAttachmentQuotaFrame: the file after the conversation's quota is
// refused with the contract's too_large code and the sentence in the
// user's language, and the connection stays usable.
func TestAttachmentQuotaFrame(t *testing.T) {
	f := startHub(t, openEngine(t, t.TempDir()), Config{})
	c := connect(t, f.url, "")
	defer c.close()
	c.settle(5 * time.Second) // the greeting
	for i := range bot.DefaultConversationFiles {
		c.send(attachment("s.png", "image/png", smallPNG(t)))
		if r := c.until(10*time.Second, func(f frame) bool { return f.Type == "message" || f.Type == "error" }); r.Type != "message" {
			t.Fatalf("file %d within the quota: %s", i+1, r.raw)
		}
	}
	// The conversation has no language yet: the bot's default, zh-Hant.
	want := prompts.Render(language.ZhHant, prompts.AttachmentQuotaConversation,
		prompts.QuotaData{Files: bot.DefaultConversationFiles, MB: bot.DefaultConversationBytes >> 20})
	c.send(attachment("s.png", "image/png", smallPNG(t)))
	e := c.until(10*time.Second, func(f frame) bool { return f.Type == "error" })
	if e.Code != CodeTooLarge || e.Message != want {
		t.Errorf("refusal %s %q, want %s %q", e.Code, e.Message, CodeTooLarge, want)
	}
	c.say("hello again")
	if r := c.until(5*time.Second, func(f frame) bool { return f.Type == "message" || f.Type == "error" }); r.Type != "message" {
		t.Errorf("after the refusal a plain message got %s", r.raw)
	}
}
