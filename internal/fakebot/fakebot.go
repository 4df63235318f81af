// Package fakebot is a local fake of the Telegram Bot API for tests: it
// speaks the real JSON of getMe, getUpdates, sendMessage,
// answerCallbackQuery, getFile, file downloads, setWebhook and
// deleteWebhook, so the real tgbotapi library can be pointed at it with
// NewBotAPIWithAPIEndpoint(token, srv.Endpoint()). Tests queue what users
// do, arm failures (429, 5xx, 403) and read back every call.
package fakebot

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Call is one request the client made.
type Call struct {
	Method string
	Params map[string]string
	Status int
	At     time.Time
	MsgID  int64 // message_id of an accepted message
}

// Fault is an armed failure of sendMessage.
type Fault struct {
	Chat       int64  // 0: any chat
	Contains   string // "": any text
	Status     int    // 429, 500, 403, ...
	RetryAfter int    // seconds, for 429
	Times      int    // how many calls it hits (0: once)
	Body       string // raw body instead of the Bot API's JSON (e.g. an HTML 502)
}

// File is a file the fake serves through getFile and the download URL.
type File struct {
	Data []byte
	Size int // reported file_size; 0 means len(Data)
}

type update struct {
	id        int
	body      map[string]any
	forced    bool
	confirmed bool
}

// Bot is the fake. Create it with New; Close it when done.
type Bot struct {
	Token string
	// PollCap bounds a getUpdates wait (default: the client's timeout).
	PollCap time.Duration
	// Date, when set, dates the users' messages (tests that compare runs).
	Date func() time.Time
	srv  *httptest.Server

	mu      sync.Mutex
	calls   []Call
	updates []*update
	nextUpd int
	nextMsg int64
	wake    chan struct{}
	faults  []*Fault
	files   map[string]File // by file_id
	polling int             // getUpdates requests in flight
	// handedOut: a batch was returned and not yet asked past.
	handedOut bool
	changed   chan struct{} // closed at the next recorded call
	webhook   map[string]string
	delay     time.Duration // added to every sendMessage
	blocked   map[int64]bool
	down      bool // every Bot API call but getMe answers an HTML 502 (an outage)
	// BotName is the username getMe reports.
	BotName string
}

// New starts a fake on a local port.
func New(token string) *Bot {
	b := &Bot{Token: token, nextUpd: 100, nextMsg: 5000, wake: make(chan struct{}), changed: make(chan struct{}), files: map[string]File{},
		blocked: map[int64]bool{}, BotName: "triage_test_bot"}
	b.srv = httptest.NewServer(b)
	return b
}

// Endpoint is the library's endpoint format for this fake.
func (b *Bot) Endpoint() string { return b.srv.URL + "/bot%s/%s" }

// Close stops the fake, ending open long polls.
func (b *Bot) Close() {
	b.srv.CloseClientConnections()
	b.srv.Close()
}

// ServeHTTP answers /bot<token>/<method> and /file/bot<token>/<path>.
func (b *Bot) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == PendingPath {
		// For a client in another process (crash tests): see Pending.
		write(w, 200, b.Pending())
		return
	}
	if rest, ok := strings.CutPrefix(r.URL.Path, "/file/bot"+b.Token+"/"); ok {
		b.download(w, rest)
		return
	}
	token, method, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/bot"), "/")
	if !ok || !strings.HasPrefix(r.URL.Path, "/bot") {
		http.NotFound(w, r)
		return
	}
	_ = r.ParseMultipartForm(1 << 20)
	_ = r.ParseForm()
	params := map[string]string{}
	for k, v := range r.Form {
		params[k] = v[0]
	}
	if token != b.Token {
		b.record(Call{Method: method, Params: params, Status: 401})
		write(w, 401, map[string]any{"ok": false, "error_code": 401, "description": "Unauthorized"})
		return
	}
	b.mu.Lock()
	down := b.down
	b.mu.Unlock()
	if down && method != "getMe" {
		b.record(Call{Method: method, Params: params, Status: 502})
		w.WriteHeader(502)
		_, _ = w.Write([]byte("<html>502 Bad Gateway</html>"))
		return
	}
	status, body := b.answer(r, method, params)
	call := Call{Method: method, Params: params, Status: status}
	if m, ok := body.(map[string]any); ok && status == 200 {
		call.MsgID, _ = m["message_id"].(int64)
	}
	b.record(call)
	switch {
	case status != 200:
		if s, ok := body.(string); ok {
			w.WriteHeader(status)
			_, _ = w.Write([]byte(s))
			return
		}
		write(w, status, body)
	default:
		write(w, 200, map[string]any{"ok": true, "result": body})
	}
}

func (b *Bot) answer(r *http.Request, method string, p map[string]string) (int, any) {
	switch method {
	case "getMe":
		return 200, map[string]any{"id": 424242, "is_bot": true, "first_name": "TriageBot", "username": b.BotName}
	case "getUpdates":
		return 200, b.getUpdates(r, p)
	case "sendMessage":
		chat, _ := strconv.ParseInt(p["chat_id"], 10, 64)
		b.mu.Lock()
		d := b.delay
		b.mu.Unlock()
		if d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-r.Context().Done():
			}
			t.Stop()
		}
		if st, body, hit := b.fault(chat, p["text"]); hit {
			return st, body
		}
		b.mu.Lock()
		b.nextMsg++
		id := b.nextMsg
		b.mu.Unlock()
		return 200, map[string]any{"message_id": id, "date": time.Now().Unix(),
			"chat": map[string]any{"id": chat, "type": chatType(chat)}, "text": p["text"]}
	case "getFile":
		b.mu.Lock()
		f, ok := b.files[p["file_id"]]
		b.mu.Unlock()
		if !ok {
			return 400, map[string]any{"ok": false, "error_code": 400, "description": "Bad Request: invalid file_id"}
		}
		size := f.Size
		if size == 0 {
			size = len(f.Data)
		}
		res := map[string]any{"file_id": p["file_id"], "file_unique_id": "u" + p["file_id"], "file_size": size}
		if size <= 20<<20 {
			res["file_path"] = "files/" + p["file_id"]
		}
		return 200, res
	case "setWebhook":
		b.mu.Lock()
		b.webhook = p
		b.mu.Unlock()
		return 200, true
	case "deleteWebhook":
		b.mu.Lock()
		b.webhook = nil
		b.mu.Unlock()
		return 200, true
	}
	return 200, true // answerCallbackQuery and the rest
}

func chatType(chat int64) string {
	if chat < 0 {
		return "supergroup"
	}
	return "private"
}

func (b *Bot) fault(chat int64, text string) (int, any, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.blocked[chat] {
		return 403, map[string]any{"ok": false, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}, true
	}
	for i, f := range b.faults {
		if (f.Chat != 0 && f.Chat != chat) || !strings.Contains(text, f.Contains) {
			continue
		}
		if f.Times <= 1 {
			b.faults = append(b.faults[:i], b.faults[i+1:]...)
		} else {
			f.Times--
		}
		if f.Body != "" {
			return f.Status, f.Body, true
		}
		body := map[string]any{"ok": false, "error_code": f.Status, "description": http.StatusText(f.Status)}
		if f.Status == 429 {
			body["description"] = fmt.Sprintf("Too Many Requests: retry after %d", f.RetryAfter)
			body["parameters"] = map[string]any{"retry_after": f.RetryAfter}
		}
		return f.Status, body, true
	}
	return 0, nil, false
}

func (b *Bot) download(w http.ResponseWriter, path string) {
	id := strings.TrimPrefix(path, "files/")
	b.mu.Lock()
	f, ok := b.files[id]
	b.mu.Unlock()
	if !ok {
		b.record(Call{Method: "file:" + path, Status: http.StatusNotFound})
		http.NotFound(w, nil)
		return
	}
	b.record(Call{Method: "file:" + path, Status: http.StatusOK})
	_, _ = w.Write(f.Data)
}

func (b *Bot) getUpdates(r *http.Request, p map[string]string) []map[string]any {
	offset, _ := strconv.Atoi(p["offset"])
	timeout, _ := strconv.Atoi(p["timeout"])
	b.mu.Lock()
	// The client asks again only once it handled what it got before.
	b.handedOut = false
	b.polling++
	wait := time.Duration(timeout) * time.Second
	if b.PollCap > 0 {
		wait = min(wait, b.PollCap)
	}
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		b.polling--
		b.mu.Unlock()
	}()
	deadline := time.Now().Add(wait)
	for {
		out := []map[string]any{}
		b.mu.Lock()
		for _, u := range b.updates {
			if offset > 0 && u.id < offset {
				u.confirmed = true
			}
			if (u.forced || !u.confirmed) && len(out) < 100 {
				u.forced = false
				out = append(out, u.body)
			}
		}
		wake := b.wake
		b.mu.Unlock()
		left := time.Until(deadline)
		if len(out) > 0 {
			b.mu.Lock()
			b.handedOut = true
			b.mu.Unlock()
			return out
		}
		if left <= 0 {
			return out
		}
		select {
		case <-wake:
		case <-time.After(left):
		case <-r.Context().Done():
			return out
		}
	}
}

func (b *Bot) record(c Call) {
	c.At = time.Now()
	b.mu.Lock()
	b.calls = append(b.calls, c)
	close(b.changed)
	b.changed = make(chan struct{})
	b.mu.Unlock()
}

// SetPollCap changes PollCap while clients poll.
func (b *Bot) SetPollCap(d time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.PollCap = d
}

// Changed is closed at the next recorded call: tests wait on it instead of
// polling.
func (b *Bot) Changed() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.changed
}

func write(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// Arm adds a sendMessage failure.
func (b *Bot) Arm(f Fault) {
	b.mu.Lock()
	b.faults = append(b.faults, &f)
	b.mu.Unlock()
}

// SetDown starts or ends an outage: every call but getMe answers an HTML 502.
func (b *Bot) SetDown(down bool) {
	b.mu.Lock()
	b.down = down
	b.mu.Unlock()
}

// Block makes every sendMessage to chat answer 403 (the user blocked the bot).
func (b *Bot) Block(chat int64) {
	b.mu.Lock()
	b.blocked[chat] = true
	b.mu.Unlock()
}

// SetDelay slows every sendMessage by d (a slow Bot API).
func (b *Bot) SetDelay(d time.Duration) {
	b.mu.Lock()
	b.delay = d
	b.mu.Unlock()
}

// AddFile makes a file available under id.
func (b *Bot) AddFile(id string, f File) {
	b.mu.Lock()
	b.files[id] = f
	b.mu.Unlock()
}

// Calls returns a copy of every call so far.
func (b *Bot) Calls() []Call {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Call(nil), b.calls...)
}

// Polling reports how many getUpdates requests are open.
func (b *Bot) Polling() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.polling
}

// Webhook returns the parameters of the last setWebhook (nil if none).
func (b *Bot) Webhook() map[string]string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.webhook
}

// Sent lists the accepted sendMessage calls to chat, in order.
func (b *Bot) Sent(chat int64) []Call {
	var out []Call
	for _, c := range b.Attempts(chat) {
		if c.Status == 200 {
			out = append(out, c)
		}
	}
	return out
}

// Attempts lists every sendMessage call to chat, accepted or not.
func (b *Bot) Attempts(chat int64) []Call {
	var out []Call
	for _, c := range b.Calls() {
		if c.Method == "sendMessage" && c.Params["chat_id"] == strconv.FormatInt(chat, 10) {
			out = append(out, c)
		}
	}
	return out
}

// WaitSent waits until chat has at least n accepted messages and returns them.
func (b *Bot) WaitSent(chat int64, n int, timeout time.Duration) ([]Call, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		changed := b.Changed()
		got := b.Sent(chat)
		if len(got) >= n {
			return got, nil
		}
		select {
		case <-changed:
		case <-deadline.C:
			return got, fmt.Errorf("chat %d: %d messages after %s, want %d", chat, len(got), timeout, n)
		}
	}
}

// User is a Telegram user in a private chat with the bot (chat id = user id).
type User struct {
	ID   int64
	Name string
	Lang string
}

func (u User) from() map[string]any {
	return map[string]any{"id": u.ID, "is_bot": false, "first_name": u.Name, "language_code": u.Lang}
}

func (u User) chat() map[string]any {
	return map[string]any{"id": u.ID, "type": "private", "first_name": u.Name}
}

// Push queues an update with body under key and returns its update_id.
func (b *Bot) Push(key string, body map[string]any) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.nextUpd++
	b.updates = append(b.updates, &update{id: b.nextUpd, body: map[string]any{"update_id": b.nextUpd, key: body}})
	b.nudge()
	return b.nextUpd
}

func (b *Bot) nudge() {
	close(b.wake)
	b.wake = make(chan struct{})
}

// Resend delivers update id again on the next getUpdates.
func (b *Bot) Resend(id int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, u := range b.updates {
		if u.id == id {
			u.forced = true
		}
	}
	b.nudge()
}

// PendingPath answers Pending over HTTP, as a JSON number.
const PendingPath = "/test/pending"

// Pending counts the updates the client has not confirmed with its offset
// or is still to be handed again, plus one while the client holds a batch
// it has not asked past (it asks again only after handling it): 0 means
// every update was fetched and handled.
func (b *Bot) Pending() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, u := range b.updates {
		if !u.confirmed || u.forced {
			n++
		}
	}
	if b.handedOut {
		n++
	}
	return n
}

func (b *Bot) message(u User, chat map[string]any, extra map[string]any) map[string]any {
	b.mu.Lock()
	b.nextMsg++
	id := b.nextMsg
	b.mu.Unlock()
	date := time.Now()
	if b.Date != nil {
		date = b.Date()
	}
	m := map[string]any{"message_id": id, "date": date.Unix(), "from": u.from(), "chat": chat}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

// Text queues a text message from u.
func (b *Bot) Text(u User, text string) int {
	extra := map[string]any{"text": text}
	if strings.HasPrefix(text, "/") {
		n := len(strings.Fields(text)[0])
		extra["entities"] = []map[string]any{{"type": "bot_command", "offset": 0, "length": n}}
	}
	return b.Push("message", b.message(u, u.chat(), extra))
}

// Photo queues a photo in two sizes; the large one is file id large.
func (b *Bot) Photo(u User, large string, caption string) int {
	b.mu.Lock()
	size := len(b.files[large].Data)
	if s := b.files[large].Size; s > 0 {
		size = s
	}
	b.mu.Unlock()
	extra := map[string]any{"photo": []map[string]any{
		{"file_id": "thumb-" + large, "file_unique_id": "t" + large, "width": 90, "height": 60, "file_size": 900},
		{"file_id": large, "file_unique_id": "u" + large, "width": 960, "height": 640, "file_size": size},
	}}
	if caption != "" {
		extra["caption"] = caption
	}
	return b.Push("message", b.message(u, u.chat(), extra))
}

// Document queues a document from u.
func (b *Bot) Document(u User, fileID, name, mime string, size int) int {
	return b.Push("message", b.message(u, u.chat(), map[string]any{"document": map[string]any{
		"file_id": fileID, "file_unique_id": "u" + fileID, "file_name": name, "mime_type": mime, "file_size": size}}))
}

// GroupText queues a message from u in group chat.
func (b *Bot) GroupText(u User, chat int64, text string) int {
	return b.Push("message", b.message(u, map[string]any{"id": chat, "type": "group", "title": "Team"},
		map[string]any{"text": text}))
}

// Callback queues a press of a button with data on the bot's message sent.
func (b *Bot) Callback(u User, sent Call, data string) int {
	return b.Push("callback_query", map[string]any{"id": fmt.Sprint("cq", time.Now().UnixNano()), "from": u.from(),
		"chat_instance": "ci", "data": data, "message": map[string]any{"message_id": sent.MsgID,
			"date": sent.At.Unix(), "chat": u.chat(), "text": sent.Params["text"]}})
}

// Buttons reads the inline keyboard of a sent message: labels and data.
func Buttons(c Call) (labels, data []string) {
	var m struct {
		Inline [][]struct {
			Text string `json:"text"`
			Data string `json:"callback_data"`
		} `json:"inline_keyboard"`
	}
	if json.Unmarshal([]byte(c.Params["reply_markup"]), &m) != nil {
		return nil, nil
	}
	for _, row := range m.Inline {
		for _, btn := range row {
			labels, data = append(labels, btn.Text), append(data, btn.Data)
		}
	}
	return labels, data
}
