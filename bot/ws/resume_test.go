package ws

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/triagebot/triagebot/tickets"
)

// TestResumeKeyIsSecret: the session frame's key resumes the chat, but the
// ticket names the conversation by another id (user.id, conversation_id),
// that id does not resume it, and the key is nowhere in the database file.
func TestResumeKeyIsSecret(t *testing.T) {
	dir := t.TempDir()
	eng, closeStore := realEngine(t, dir)
	f := startHub(t, eng, Config{})
	c := connect(t, f.url, "")
	key := c.session
	c.say("I want to talk to a human agent please")
	tf := c.until(10*time.Second, isType("ticket"))
	c.close()

	ctx := context.Background()
	conv, err := eng.ConversationByResume(ctx, tickets.HashToken(key))
	if err != nil {
		t.Fatal(err)
	}
	tk, err := eng.Claim(ctx, tf.TicketID, "amy")
	if err != nil {
		t.Fatal(err)
	}
	asJSON, _ := json.Marshal(tk)
	if tk.User.ID != conv.ID || tk.ConversationID != conv.ID || strings.Contains(string(asJSON), key) {
		t.Fatalf("ticket user %q conversation %q (resume key %q): %s", tk.User.ID, tk.ConversationID, key, asJSON)
	}

	// What an agent sees does not resume the chat.
	thief := connect(t, f.url, tk.User.ID)
	if thief.session == key {
		t.Fatal("the public id resumed the customer's conversation")
	}
	if e := thief.until(3*time.Second, isType("error")); e.Code != CodeUnknownSession {
		t.Errorf("?session=<user.id>: error %q, want %s", e.Code, CodeUnknownSession)
	}
	thief.close()

	// The key does, and the agent's claim is replayed to it.
	back := connect(t, f.url, key)
	if back.session != key {
		t.Fatalf("resumed with %q, session frame says %q", key, back.session)
	}
	back.until(5*time.Second, func(fr frame) bool { return fr.Type == "ticket" && fr.Status == string(tickets.Claimed) })
	back.close()
	f.stop(t)

	closeStore()
	file, err := os.ReadFile(filepath.Join(dir, "triagebot.db"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(file, []byte(key)) {
		t.Error("the database file holds the resume key")
	}
	if !bytes.Contains(file, tickets.HashToken(key)) {
		t.Error("the database file lacks the resume key's hash")
	}
}
