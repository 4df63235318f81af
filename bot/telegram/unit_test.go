package telegram

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"golang.org/x/time/rate"

	"github.com/triagebot/triagebot/tickets"
)

func TestValidate(t *testing.T) {
	ok := Config{Token: "1:A", Engine: &recEngine{}, Store: nopStore{}}
	tests := []struct {
		name string
		edit func(*Config)
		want string // "" for valid
	}{
		{"minimal", func(*Config) {}, ""},
		{"no token", func(c *Config) { c.Token = "" }, "token"},
		{"endpoint without verbs", func(c *Config) { c.Endpoint = "http://x/bot" }, "endpoint"},
		{"no engine", func(c *Config) { c.Engine = nil }, "Config.Engine is required"},
		{"no store", func(c *Config) { c.Store = nil }, "Config.Store is required"},
		{"webhook without secret", func(c *Config) { c.WebhookURL = "https://x/hook" }, "webhook"},
		{"bad secret", func(c *Config) { c.WebhookURL, c.WebhookSecret = "https://x/hook", "has space" }, "secret"},
		{"poll too long", func(c *Config) { c.PollTimeout = time.Minute }, "poll"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.edit(&c)
			err := c.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("unexpected error %v", err)
			case tt.want != "" && (!errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("err = %v, want ErrConfig mentioning %q", err, tt.want)
			}
		})
	}
}

// TestNewRequires: New refuses a configuration without a required part
// before it makes any network call (the endpoint here answers nothing).
func TestNewRequires(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"nothing", Config{}, "Config.Engine is required"},
		{"no engine", Config{Token: "1:A", Store: nopStore{}}, "telegram: bad configuration: Config.Engine is required"},
		{"no store", Config{Token: "1:A", Engine: &recEngine{}}, "telegram: bad configuration: Config.Store is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Endpoint = "http://127.0.0.1:1/bot%s/%s"
			c, err := New(t.Context(), tt.cfg)
			if c != nil || !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New: %v, error %v, want ErrConfig with %q", c, err, tt.want)
			}
		})
	}
}

func TestFileEndpoint(t *testing.T) {
	tests := []struct{ in, want string }{
		{tgbotapi.APIEndpoint, tgbotapi.FileEndpoint},
		{"http://127.0.0.1:8081/bot%s/%s", "http://127.0.0.1:8081/file/bot%s/%s"},
		{"https://proxy.example/tg/bot%s/%s", "https://proxy.example/tg/file/bot%s/%s"},
	}
	for _, tt := range tests {
		if got := fileEndpoint(tt.in); got != tt.want {
			t.Errorf("fileEndpoint(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestClassify(t *testing.T) {
	live := context.Background()
	done, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name  string
		ctx   context.Context
		err   error
		want  failure
		after time.Duration
	}{
		{"429", live, &tgbotapi.Error{Code: 429, ResponseParameters: tgbotapi.ResponseParameters{RetryAfter: 7}}, failRetryAfter, 7 * time.Second},
		{"429 without retry_after", live, &tgbotapi.Error{Code: 429}, failRetryAfter, time.Second},
		{"403", live, &tgbotapi.Error{Code: 403, Message: "Forbidden: bot was blocked by the user"}, failBlocked, 0},
		{"chat gone", live, &tgbotapi.Error{Code: 400, Message: "Bad Request: chat not found"}, failBlocked, 0},
		{"bad markup", live, &tgbotapi.Error{Code: 400, Message: "Bad Request: can't parse entities"}, failRejected, 0},
		{"500", live, &tgbotapi.Error{Code: 500}, failTransient, 0},
		{"network", live, &net.OpError{Op: "dial", Err: errors.New("refused")}, failTransient, 0},
		{"shutdown", done, &net.OpError{Op: "read", Err: context.Canceled}, failStopped, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, after := classify(tt.ctx, fmt.Errorf("wrapped: %w", tt.err))
			if got != tt.want || after != tt.after {
				t.Errorf("classify = %d, %s; want %d, %s", got, after, tt.want, tt.after)
			}
		})
	}
}

func TestSplitText(t *testing.T) {
	long := strings.Repeat("字", 4500)
	words := strings.Repeat("word ", 900)
	tests := []struct {
		name  string
		in    string
		parts int
	}{
		{"short", "hello", 1},
		{"empty", "", 1},
		{"long CJK, no spaces", long, 3},
		{"words", words, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := splitText(tt.in, maxPartRunes)
			if len(got) != tt.parts {
				t.Fatalf("%d parts, want %d", len(got), tt.parts)
			}
			total := 0
			for _, p := range got {
				if n := utf8.RuneCountInString(p); n > maxPartRunes {
					t.Errorf("part of %d runes", n)
				}
				total += utf8.RuneCountInString(strings.TrimSpace(p))
			}
			if tt.name == "long CJK, no spaces" && total != 4500 {
				t.Errorf("lost text: %d runes of 4500", total)
			}
		})
	}
}

func TestChoiceData(t *testing.T) {
	tests := []struct {
		data string
		seq  uint64
		i    int
		ok   bool
	}{
		{choiceData(18446744073709551615, 99), 18446744073709551615, 99, true},
		{"qr:12:0", 12, 0, true},
		{"qr:12", 0, 0, false},
		{"qr:x:1", 0, 0, false},
		{"qr:1:-1", 0, 0, false},
		{"other", 0, 0, false},
	}
	for _, tt := range tests {
		if len(tt.data) > 64 {
			t.Errorf("%q over 64 bytes", tt.data)
		}
		seq, i, ok := parseChoice(tt.data)
		if seq != tt.seq || i != tt.i || ok != tt.ok {
			t.Errorf("parseChoice(%q) = %d, %d, %v", tt.data, seq, i, ok)
		}
	}
}

func TestBucket(t *testing.T) {
	b := &chatLimit{lim: rate.NewLimiter(2, 3)} // 2/s, bursts of 3
	now := time.Unix(1000, 0)
	var at []time.Duration
	for range 6 {
		t0 := b.ready(b.clock(now))
		b.book(t0)
		at = append(at, t0.Sub(now))
	}
	want := []time.Duration{0, 0, 0, 500 * time.Millisecond, time.Second, 1500 * time.Millisecond}
	if fmt.Sprint(at) != fmt.Sprint(want) {
		t.Errorf("send times %v, want %v", at, want)
	}
	if b.idle(now.Add(time.Second)) || !b.idle(now.Add(3*time.Second)) {
		t.Error("idle: want busy after 1s, idle after 3s")
	}
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		n    int
		want time.Duration
	}{
		{0, 500 * time.Millisecond}, // treated as the first failure
		{1, 500 * time.Millisecond},
		{2, time.Second},
		{4, 4 * time.Second},
		{7, 30 * time.Second}, // 32s capped
		{1000, 30 * time.Second},
	}
	for _, tt := range tests {
		if got := backoff(tt.n); got != tt.want {
			t.Errorf("backoff(%d) = %s, want %s", tt.n, got, tt.want)
		}
	}
}

func TestLimiterPause(t *testing.T) {
	l := newLimiter(Limits{PerChat: 100, PerChatBurst: 10, Global: 1000, GlobalBurst: 100}.withDefaults())
	l.pause(42, 300*time.Millisecond)
	start := time.Now()
	if err := l.wait(context.Background(), 42); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 290*time.Millisecond {
		t.Errorf("waited %s after a 300ms pause", d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	l.pause(43, time.Hour)
	cancel()
	if err := l.wait(ctx, 43); !errors.Is(err, context.Canceled) {
		t.Errorf("wait with a cancelled context = %v", err)
	}
}

func TestWorkQueue(t *testing.T) {
	q := newWorkQueue(2)
	ctx := context.Background()
	q.push("a")
	q.push("a") // queued once
	q.push("b")
	q.push("c") // over capacity: overflow
	if !q.takeOverflow() || q.takeOverflow() {
		t.Error("overflow not reported exactly once")
	}
	id, _ := q.pop(ctx)
	if id != "a" {
		t.Fatalf("pop = %q, want a", id)
	}
	q.push("a") // notified while running: again after done
	id2, _ := q.pop(ctx)
	if id2 != "b" {
		t.Fatalf("pop = %q, want b (a is running)", id2)
	}
	q.done("a")
	id3, _ := q.pop(ctx)
	if id3 != "a" {
		t.Fatalf("pop = %q, want a again", id3)
	}
	q.close()
	if _, ok := q.pop(ctx); ok {
		t.Error("pop after close succeeded")
	}
	q.push("z") // must not panic after close
}

func TestMentionedTickets(t *testing.T) {
	ev := func(id string) tickets.OutMessage {
		return tickets.OutMessage{Kind: tickets.KindTicket, Ticket: &tickets.TicketEvent{TicketID: id, Status: tickets.Open}}
	}
	msgs := []tickets.OutMessage{{Kind: tickets.KindMessage, Text: "I've opened ticket T-000001"}, ev("T-000001"), ev("T-000002")}
	told := mentionedTickets(msgs)
	if !told["T-000001"] || told["T-000002"] {
		t.Errorf("told = %v, want only T-000001", told)
	}
	c := &Channel{}
	if got := c.renderOut("en", ev("T-000002")); !strings.Contains(got, "T-000002") {
		t.Errorf("event sentence %q lacks the ticket id", got)
	}
}

func TestNoticeWaitsForTheSummary(t *testing.T) {
	c := &Channel{toldIDs: map[string]bool{}, notices: make(chan struct{}, 1)}
	now := time.Date(2025, 11, 3, 10, 0, 0, 0, time.UTC)
	fresh := tickets.Notice{Kind: tickets.NoticeNewTicket, TicketID: "T-000001", CreatedAt: now.Add(-time.Second)}
	if ok, wait := c.due(fresh, now); ok || wait != summaryGrace-time.Second {
		t.Errorf("a fresh notice whose ticket was not handed on: due %v, wait %s", ok, wait)
	}
	c.told(tickets.Ticket{ID: "T-000001"})
	if ok, _ := c.due(fresh, now); !ok {
		t.Error("a notice whose ticket has its summary is not due")
	}
	old := tickets.Notice{Kind: tickets.NoticeNewTicket, TicketID: "T-000002", CreatedAt: now.Add(-summaryGrace)}
	if ok, _ := c.due(old, now); !ok {
		t.Error("a notice past the grace (left by a restart) is not due")
	}
	c.forget("T-000001")
	if ok, _ := c.due(fresh, now); ok {
		t.Error("forgotten, the notice is still marked")
	}
	breach := tickets.Notice{Kind: tickets.NoticeBreach, TicketID: "T-000003", CreatedAt: now}
	if ok, _ := c.due(breach, now); !ok {
		t.Error("a breach notice waits for a summary")
	}
}
