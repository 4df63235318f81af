package telegram

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/triagebot/triagebot/bot"
	"github.com/triagebot/triagebot/internal/fakebot"
	"github.com/triagebot/triagebot/language"
	"github.com/triagebot/triagebot/prompts"
	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
)

type tgUser = tgbotapi.User

// nopStore is a store that is never reached (New fails before).
type nopStore struct{}

var errNop = errors.New("nop store")

func (nopStore) Cursor(context.Context, tickets.Channel) (int64, error)     { return 0, errNop }
func (nopStore) SetCursor(context.Context, tickets.Channel, int64) error    { return errNop }
func (nopStore) PutChoices(context.Context, string, uint64, []string) error { return errNop }
func (nopStore) Choices(context.Context, string, uint64) ([]string, error)  { return nil, errNop }
func (nopStore) Notices(context.Context, int) ([]tickets.Notice, error)     { return nil, errNop }
func (nopStore) DeleteNotice(context.Context, string) error                 { return errNop }
func (nopStore) Changed() <-chan struct{}                                   { return nil }

// pngBytes is a small real PNG: the engine decodes the image header.
var pngBytes = func() []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 16, 16))); err != nil {
		panic(err)
	}
	return b.Bytes()
}()

// fraudOpening escalates at once, so the dialogue is short and the photo
// lands on the ticket.
const fraudOpening = "Someone used my account for a payment I didn't make: 3000 HKD yesterday 3pm, transaction TX20251102ABC123"

// playToTicket plays a user who answers what the bot asks until the chat's
// conversation has a ticket holding a screenshot: the screenshot when asked
// or once the ticket exists, the first button when offered, else "I don't know".
func playToTicket(t *testing.T, h *harness, u fakebot.User, open string) tickets.Ticket {
	t.Helper()
	h.fake.AddFile("F1", fakebot.File{Data: pngBytes})
	h.fake.Text(u, open)
	seen, photoSent := 0, false
	for turn := 0; turn < 10; turn++ {
		b := h.burst(u.ID, seen)
		seen += len(b)
		tk, ok := h.ticketOf(u.ID)
		if ok && len(tk.Attachments) > 0 {
			return tk
		}
		last := b[len(b)-1]
		labels, data := fakebot.Buttons(last)
		switch {
		case !photoSent && (ok || strings.Contains(strings.ToLower(last.Params["text"]), "screenshot")):
			photoSent = true
			h.fake.Photo(u, "F1", "")
		case len(labels) > 0:
			h.fake.Callback(u, last, data[0])
		default:
			h.fake.Text(u, "I don't know")
		}
	}
	t.Fatal("no ticket with the screenshot after 10 turns")
	return tickets.Ticket{}
}

func TestDialogueReachesTicketWithPhoto(t *testing.T) {
	h := newHarness(t, nil)
	u := fakebot.User{ID: 5001, Name: "Mei", Lang: "en"}
	tk := playToTicket(t, h, u, fraudOpening)
	if tk.Channel != tickets.Telegram || tk.User.ID != "5001" || tk.ConversationID != "tg-5001" {
		t.Errorf("ticket channel/user/conversation = %s/%s/%s", tk.Channel, tk.User.ID, tk.ConversationID)
	}
	if len(tk.Attachments) != 1 || tk.Attachments[0].ContentType != "image/png" {
		t.Errorf("attachments = %+v, want the one PNG", tk.Attachments)
	}
	if tk.Details.TransactionID != "TX20251102ABC123" {
		t.Errorf("transaction id = %q", tk.Details.TransactionID)
	}
	// The largest photo size was fetched, never the thumbnail.
	var files []string
	for _, c := range h.fake.Calls() {
		if c.Method == "getFile" {
			files = append(files, c.Params["file_id"])
		}
	}
	if len(files) != 1 || files[0] != "F1" {
		t.Errorf("getFile calls = %v, want [F1]", files)
	}
	for _, in := range h.engine.handled() {
		if in.ConversationID != "tg-5001" || !strings.HasPrefix(in.DedupKey, "tg:") {
			t.Errorf("inbound %+v: want conversation tg-5001 and a tg: dedup key", in)
		}
	}
}

// TestPhotoWithCaption checks that a caption follows its photo as the
// user's words, under a dedup key of its own, and that the update opens
// the conversation once, not once per engine call.
func TestPhotoWithCaption(t *testing.T) {
	h := newHarness(t, nil)
	u := fakebot.User{ID: 5002, Name: "Kit", Lang: "en"}
	h.fake.AddFile("F2", fakebot.File{Data: pngBytes})
	h.fake.Text(u, "hello")
	waitFor(t, "the first turn", 5*time.Second, func() bool { return len(h.engine.handled()) == 1 })
	opens := h.engine.openCount()

	const caption = "this is the failed transfer"
	id := h.fake.Photo(u, "F2", caption)
	waitFor(t, "the photo and its caption", 5*time.Second, func() bool { return len(h.engine.handled()) == 3 })
	got := h.engine.handled()[1:]
	key := "tg:" + strconv.Itoa(id)
	if got[0].DedupKey != key || got[0].Upload == nil || got[0].Text != "" {
		t.Errorf("first event: key %q, upload %v, text %q; want %q, the photo, no text", got[0].DedupKey, got[0].Upload != nil, got[0].Text, key)
	}
	if got[1].DedupKey != key+":caption" || got[1].Upload != nil || got[1].Text != caption {
		t.Errorf("second event: key %q, upload %v, text %q; want %q, no upload, %q", got[1].DedupKey, got[1].Upload != nil, got[1].Text, key+":caption", caption)
	}
	if n := h.engine.openCount() - opens; n != 1 {
		t.Errorf("the photo update opened the conversation %d times, want 1", n)
	}
}

func TestAgentReplyReachesChatAndNoticeReachesAgentChat(t *testing.T) {
	const agentChat = -100777
	h := newHarness(t, func(c *Config) { c.AgentChatID = agentChat })
	u := fakebot.User{ID: 5001, Name: "Mei", Lang: "en"}
	tk := playToTicket(t, h, u, fraudOpening)

	notes, err := h.fake.WaitSent(agentChat, 1, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	n := notes[0].Params["text"]
	for _, want := range []string{tk.ID, string(tk.Priority), tk.Queue, tk.Intent, "http://console.test/agent"} {
		if !strings.Contains(n, want) {
			t.Errorf("notice %q lacks %q", n, want)
		}
	}

	ctx := context.Background()
	if _, err := h.engine.Claim(ctx, tk.ID, "alice"); err != nil {
		t.Fatal(err)
	}
	before := len(h.fake.Sent(u.ID))
	if _, err := h.engine.Reply(ctx, tk.ID, "alice", "agent says hello 4242"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the agent reply", 5*time.Second, func() bool {
		for _, c := range h.fake.Sent(u.ID)[before:] {
			if c.Params["text"] == "agent says hello 4242" {
				return true
			}
		}
		return false
	})
	if got := len(h.fake.Sent(agentChat)); got != 1 {
		t.Errorf("agent chat got %d messages, want 1 notice", got)
	}
}

func TestInlineKeyboardChoiceBecomesLabel(t *testing.T) {
	h := newHarness(t, nil)
	u := fakebot.User{ID: 5003, Name: "Ka", Lang: "zh-hk"}
	ctx := context.Background()
	conv, _, err := h.engine.Open(ctx, h.ch.openRequest(newSession(u.ID, &tgUser{ID: u.ID, FirstName: u.Name}), false))
	if err != nil {
		t.Fatal(err)
	}
	// A label far over the 64 bytes Telegram allows as callback data.
	long := strings.Repeat("我想搵真人客服同我跟進", 4)
	err = h.store.Update(ctx, func(tx tickets.Tx) error {
		return tx.Enqueue(&tickets.OutMessage{ConversationID: conv.ID, Kind: tickets.KindMessage, From: tickets.FromBot,
			Text: "揀一個", QuickReplies: []string{"係", long}})
	})
	if err != nil {
		t.Fatal(err)
	}
	h.ch.work.push(conv.ID)
	sent, err := h.fake.WaitSent(u.ID, 1, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	labels, data := fakebot.Buttons(sent[0])
	if len(labels) != 2 || labels[1] != long {
		t.Fatalf("buttons = %q", labels)
	}
	for _, d := range data {
		if len(d) > 64 {
			t.Errorf("callback data %q is %d bytes, over 64", d, len(d))
		}
	}
	// Restart first: the labels must survive it.
	h.restart()
	h.fake.Callback(u, sent[0], data[1])
	waitFor(t, "the choice reaching the engine", 5*time.Second, func() bool {
		for _, in := range h.engine.handled() {
			if in.Text == long {
				return true
			}
		}
		return false
	})
	waitFor(t, "answerCallbackQuery", 2*time.Second, func() bool { return countCalls(h.fake, "answerCallbackQuery") == 1 })

	// An unknown or stale button is answered and goes nowhere.
	n := len(h.engine.handled())
	h.fake.Callback(u, sent[0], "qr:999:0")
	waitFor(t, "the stale button's answer", 2*time.Second, func() bool { return countCalls(h.fake, "answerCallbackQuery") == 2 })
	if got := len(h.engine.handled()); got != n {
		t.Errorf("a stale button reached the engine (%d inbound, want %d)", got, n)
	}
}

func countCalls(f *fakebot.Bot, method string) int {
	n := 0
	for _, c := range f.Calls() {
		if c.Method == method {
			n++
		}
	}
	return n
}

// replyFor opens a conversation for u and queues an agent-like bot message.
func enqueue(t *testing.T, h *harness, chat int64, texts ...string) string {
	t.Helper()
	ctx := context.Background()
	conv, _, err := h.engine.Open(ctx, h.ch.openRequest(newSession(chat, &tgUser{ID: chat, FirstName: "U"}), false))
	if err != nil {
		t.Fatal(err)
	}
	err = h.store.Update(ctx, func(tx tickets.Tx) error {
		for _, s := range texts {
			if err := tx.Enqueue(&tickets.OutMessage{ConversationID: conv.ID, Kind: tickets.KindMessage,
				From: tickets.FromAgent, Text: s}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	h.ch.work.push(conv.ID)
	return conv.ID
}

func TestSendFailures(t *testing.T) {
	tests := []struct {
		name   string
		faults []fakebot.Fault
		check  func(t *testing.T, attempts []fakebot.Call)
	}{
		{"429 retry_after is obeyed", []fakebot.Fault{{Status: 429, RetryAfter: 1}}, func(t *testing.T, a []fakebot.Call) {
			if len(a) != 2 || a[0].Status != 429 || a[1].Status != 200 {
				t.Fatalf("attempts %v, want 429 then 200", statuses(a))
			}
			if gap := a[1].At.Sub(a[0].At); gap < 950*time.Millisecond {
				t.Errorf("retried %s after the 429, before retry_after 1s", gap)
			}
		}},
		{"500s are retried", []fakebot.Fault{{Status: 500, Times: 2}}, func(t *testing.T, a []fakebot.Call) {
			if got := statuses(a); fmt.Sprint(got) != "[500 500 200]" {
				t.Errorf("attempts %v, want [500 500 200]", got)
			}
		}},
		{"a 502 page that is not JSON is retried", []fakebot.Fault{{Status: 502, Body: "<html>Bad Gateway</html>"}},
			func(t *testing.T, a []fakebot.Call) {
				if got := statuses(a); fmt.Sprint(got) != "[502 200]" {
					t.Errorf("attempts %v, want [502 200]", got)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Backoffs on a fast clock; retry_after keeps real time (the limiter's).
			h := newHarness(t, func(c *Config) { c.Clock = newFastClock(20) })
			const chat = 6001
			for _, f := range tt.faults {
				f.Chat = chat
				h.fake.Arm(f)
			}
			id := enqueue(t, h, chat, "hello 4242")
			if _, err := h.fake.WaitSent(chat, 1, 8*time.Second); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the outbox to empty", 2*time.Second, func() bool {
				out, _ := h.engine.Outbox(context.Background(), id)
				return len(out) == 0
			})
			h.settle() // a wrong second delivery would have happened by now
			tt.check(t, h.fake.Attempts(chat))
		})
	}
}

func statuses(cs []fakebot.Call) []int {
	var out []int
	for _, c := range cs {
		out = append(out, c.Status)
	}
	return out
}

func TestBlockedUserMarksConversationUnreachable(t *testing.T) {
	h := newHarness(t, nil)
	const chat = 6002
	h.fake.Block(chat)
	id := enqueue(t, h, chat, "one", "two")
	waitFor(t, "the conversation marked unreachable", 5*time.Second, func() bool {
		conv, err := h.engine.Conversation(context.Background(), id)
		return err == nil && conv.Unreachable
	})
	h.settle()
	if a := h.fake.Attempts(chat); len(a) != 1 || a[0].Status != 403 {
		t.Errorf("attempts %v, want a single 403 (no retry after a block)", statuses(a))
	}
	h.ch.work.push(id) // a later notice must not try again
	h.settle()
	if a := h.fake.Attempts(chat); len(a) != 1 {
		t.Errorf("%d attempts after the block, want 1", len(a))
	}
}

func TestDuplicateUpdateIsAnsweredOnce(t *testing.T) {
	h := newHarness(t, nil)
	u := fakebot.User{ID: 5002, Name: "Sam", Lang: "en"}
	upd := h.fake.Text(u, "hello")
	first := h.burst(u.ID, 0)
	h.fake.Resend(upd)
	h.settle() // the re-sent update fetched and handled
	if got := len(h.fake.Sent(u.ID)); got != len(first) {
		t.Errorf("%d messages after the re-send, want %d", got, len(first))
	}
	if n := len(userTurns(t, h, u.ID)); n != 1 {
		t.Errorf("%d user turns recorded, want 1", n)
	}
}

// userTurns reads the user's lines from the conversation's dialogue via the
// inbound the engine took (dedup applied by the engine itself).
func userTurns(t *testing.T, h *harness, chat int64) []string {
	t.Helper()
	var texts []string
	seen := map[string]bool{}
	for _, in := range h.engine.handled() {
		if in.ConversationID == convPrefix+itoa(chat) && !seen[in.DedupKey] {
			seen[in.DedupKey] = true
			texts = append(texts, in.Text)
		}
	}
	return texts
}

func TestRestartNeitherLosesNorRepeats(t *testing.T) {
	h := newHarness(t, nil)
	u := fakebot.User{ID: 5004, Name: "Lee", Lang: "en"}
	first := h.fake.Text(u, "hello")
	sent := len(h.burst(u.ID, 0))

	// A crash after the turn was handled but before the offset reached
	// disk: Telegram hands the update out again, the stored offset is
	// behind it. Meanwhile a message waits in the outbox.
	h.stop()
	st, err := boltstore.Open(h.dbPath, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetCursor(context.Background(), tickets.Telegram, 0); err != nil {
		t.Fatal(err)
	}
	err = st.Update(context.Background(), func(tx tickets.Tx) error {
		return tx.Enqueue(&tickets.OutMessage{ConversationID: "tg-5004", Kind: tickets.KindMessage,
			From: tickets.FromAgent, Text: "queued across a restart"})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	h.fake.Resend(first)
	h.start()

	if _, err := h.fake.WaitSent(u.ID, sent+1, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	h.settle() // the re-sent update fetched and handled
	got := h.fake.Sent(u.ID)
	if len(got) != sent+1 || got[sent].Params["text"] != "queued across a restart" {
		t.Errorf("after restart: %d messages (want %d, the last the queued one): %v", len(got), sent+1, texts(got))
	}

	// The next turn is handled normally.
	h.fake.Text(u, "my app crashes when I open it")
	waitFor(t, "an answer to the turn after the restart", 5*time.Second, func() bool { return len(h.fake.Sent(u.ID)) > sent+1 })
}

func texts(cs []fakebot.Call) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Params["text"])
	}
	return out
}

func TestGroupChatIsRefusedOnce(t *testing.T) {
	h := newHarness(t, nil)
	u := fakebot.User{ID: 5005, Name: "Wing", Lang: "zh-hk"}
	const group = -4001
	h.fake.GroupText(u, group, "/start")
	sent, err := h.fake.WaitSent(group, 1, 3*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sent[0].Params["text"], "私人對話") || !strings.Contains(sent[0].Params["text"], "@triage_test_bot") {
		t.Errorf("refusal %q: want the zh-Hant text naming the bot", sent[0].Params["text"])
	}
	h.fake.GroupText(u, group, "hello?")
	h.settle() // the second message fetched and handled
	if got := len(h.fake.Sent(group)); got != 1 {
		t.Errorf("%d messages to the group, want 1 refusal", got)
	}
	for _, in := range h.engine.handled() {
		if !errors.Is(in.Refused, bot.ErrGroupChat) {
			t.Errorf("a group message reached the engine as %+v, not as a refusal", in)
		}
	}
}

func TestFilesRefused(t *testing.T) {
	tests := []struct {
		name, mime string
		data       []byte
		size       int
		want       string
		download   bool
	}{
		{"oversized image document", "image/png", nil, 6 << 20, "too large", false},
		{"pdf document", "application/pdf", []byte("%PDF-1.4"), 9, "PNG, JPEG or WebP", false},
		{"zip claiming to be png", "image/png", []byte("PK\x03\x04zipzipzip"), 13, "PNG, JPEG or WebP", true},
		{"file grown past the limit since", "image/png", make([]byte, 6<<20), 1000, "too large", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, nil)
			u := fakebot.User{ID: 5006, Name: "Jo", Lang: "en"}
			h.fake.AddFile("D1", fakebot.File{Data: tt.data, Size: tt.size})
			h.fake.Document(u, "D1", "x.bin", tt.mime, tt.size)
			sent, err := h.fake.WaitSent(u.ID, 1, 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(sent[0].Params["text"], tt.want) {
				t.Errorf("answer %q lacks %q", sent[0].Params["text"], tt.want)
			}
			downloaded := countCalls(h.fake, "file:files/D1") > 0
			if downloaded != tt.download {
				t.Errorf("downloaded = %v, want %v", downloaded, tt.download)
			}
			for _, in := range h.engine.handled() {
				if in.Upload != nil {
					t.Errorf("a refused file reached the engine")
				}
			}
		})
	}
}

func TestShutdownWithLongPollOpen(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.PollTimeout = 30 * time.Second })
	h.fake.SetPollCap(0) // hold the poll for the full 30 s
	waitFor(t, "a long poll to be open", 3*time.Second, func() bool { return h.fake.Polling() > 0 })
	start := time.Now()
	h.cancel()
	select {
	case err := <-h.done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Run did not return within 2s with a long poll open")
	}
	t.Logf("stopped in %s", time.Since(start).Round(time.Millisecond))
	h.cancel = nil
	if err := h.store.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestTokenRejected(t *testing.T) {
	fake := fakebot.New(testToken)
	defer fake.Close()
	_, err := New(context.Background(), Config{Token: "999:WRONG", Endpoint: fake.Endpoint(), Engine: &recEngine{},
		Store: nopStore{}})
	if !errors.Is(err, ErrTokenRejected) {
		t.Fatalf("err = %v, want ErrTokenRejected", err)
	}
	if want := "TELEGRAM_BOT_TOKEN rejected by the Bot API: 401 Unauthorized"; err.Error() != want {
		t.Errorf("err = %q, want %q", err, want)
	}
}

func TestWebhook(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.WebhookURL = "https://bot.example/telegram/hook"
		c.WebhookSecret = "s3cret-token"
	})
	waitFor(t, "setWebhook", 3*time.Second, func() bool { return h.fake.Webhook() != nil })
	if p := h.fake.Webhook(); p["url"] != "https://bot.example/telegram/hook" || p["secret_token"] != "s3cret-token" {
		t.Errorf("setWebhook params %v", p)
	}
	if countCalls(h.fake, "getUpdates") != 0 {
		t.Error("getUpdates called in webhook mode")
	}
	srv := httptest.NewServer(h.ch.Handler())
	defer srv.Close()
	body := `{"update_id": 9001, "message": {"message_id": 1, "date": 1700000000,
		"from": {"id": 5007, "is_bot": false, "first_name": "Web", "language_code": "en"},
		"chat": {"id": 5007, "type": "private"}, "text": "hello"}}`
	post := func(secret string) int {
		req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(body))
		if secret != "" {
			req.Header.Set(secretHeader, secret)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, tc := range []struct {
		secret string
		want   int
	}{{"", 401}, {"wrong", 401}, {"s3cret-token", 200}, {"s3cret-token", 200}} {
		if got := post(tc.secret); got != tc.want {
			t.Errorf("POST with secret %q: %d, want %d", tc.secret, got, tc.want)
		}
	}
	if n := len(userTurns(t, h, 5007)); n != 1 {
		t.Errorf("%d turns from two deliveries of one update, want 1", n)
	}
	if _, err := h.fake.WaitSent(5007, 1, 5*time.Second); err != nil {
		t.Fatal(err)
	}
}

func TestCommands(t *testing.T) {
	h := newHarness(t, nil)
	u := fakebot.User{ID: 5008, Name: "Chan", Lang: "zh-hk"}
	h.fake.Text(u, "/start")
	greet := h.burst(u.ID, 0)
	h.fake.Text(u, "/status")
	status := h.burst(u.ID, len(greet))
	if want := prompts.Render(language.ZhHant, prompts.StatusNone, nil); status[0].Params["text"] != want {
		t.Errorf("/status answer %q, want the engine's zh-Hant no-tickets answer %q", status[0].Params["text"], want)
	}
	h.fake.Text(u, "/help")
	help := h.burst(u.ID, len(greet)+len(status))
	if !strings.Contains(help[0].Params["text"], "/agent") {
		t.Errorf("/help answer %q lacks /agent", help[0].Params["text"])
	}
	h.fake.Text(u, "/agent")
	h.settle()
	if _, ok := h.ticketOf(u.ID); !ok {
		t.Errorf("/agent made no ticket")
	}
}

// TestStatusListsTickets checks /status once the user has a ticket: the
// answer names it (the no-tickets answer is in TestCommands).
func TestStatusListsTickets(t *testing.T) {
	h := newHarness(t, nil)
	u := fakebot.User{ID: 5010, Name: "Ho", Lang: "en"}
	tk := playToTicket(t, h, u, fraudOpening)
	before := len(h.fake.Sent(u.ID))
	h.fake.Text(u, "/status")
	h.settle()
	// The engine's status answer, as for "what happened to my ticket?".
	want := prompts.Render(language.English, prompts.StatusList, map[string]any{"Tickets": []map[string]string{
		{"ID": tk.ID, "Queue": tk.Queue, "Status": prompts.Render(language.English, prompts.StatusLabel(string(tk.Status)), nil)}}})
	if got := texts(h.fake.Sent(u.ID)[before:]); len(got) != 1 || got[0] != want {
		t.Errorf("/status answered %q, want %q", got, want)
	}
}

func TestOutageIsSurvived(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Clock = newFastClock(20) })
	u := fakebot.User{ID: 5009, Name: "Fong", Lang: "en"}
	h.fake.SetDown(true)
	waitFor(t, "failed polls", 3*time.Second, func() bool { return countStatus(h.fake, "getUpdates", 502) >= 2 })
	n := countStatus(h.fake, "getUpdates", 502)
	h.fake.Text(u, "hello")
	// More failed polls after the message: the poller lives through the outage.
	waitFor(t, "more failed polls", 5*time.Second, func() bool { return countStatus(h.fake, "getUpdates", 502) >= n+2 })
	select {
	case err := <-h.done:
		t.Fatalf("Run returned during the outage: %v", err)
	default:
	}
	h.fake.SetDown(false)
	if _, err := h.fake.WaitSent(u.ID, 1, 10*time.Second); err != nil {
		t.Fatal(err)
	}
}

func countStatus(f *fakebot.Bot, method string, status int) int {
	n := 0
	for _, c := range f.Calls() {
		if c.Method == method && c.Status == status {
			n++
		}
	}
	return n
}
