package ws

import (
	"encoding/base64"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/triagebot/triagebot/tickets"
)

func TestDecodedLenMatchesBase64(t *testing.T) {
	for n := 0; n < 64; n++ {
		s := base64.StdEncoding.EncodeToString(make([]byte, n))
		if got := decodedLen(s); got != n {
			t.Errorf("decodedLen of %d bytes encoded = %d", n, got)
		}
	}
	// The bound that matters: 5 MiB passes, one byte more does not, even
	// though both encode to the same length.
	for _, tt := range []struct {
		n    int
		code string
	}{{tickets.MaxAttachmentSize, ""}, {tickets.MaxAttachmentSize + 1, CodeTooLarge}} {
		data := base64.StdEncoding.EncodeToString(make([]byte, tt.n))
		_, ref := decodeAttachment(clientFrame{Type: typeAttachment, Data: data})
		if got := refCode(ref); got != tt.code {
			t.Errorf("%d bytes: code %q, want %q", tt.n, got, tt.code)
		}
	}
}

func refCode(r *refusal) string {
	if r == nil {
		return ""
	}
	return r.code
}

func TestParseFrame(t *testing.T) {
	tests := []struct {
		raw  string
		code string
	}{
		{`{"type":"message","text":"hi"}`, ""},
		{`{"type":"message","text":"` + strings.Repeat("冇", tickets.MaxTextRunes) + `"}`, ""},
		{`{"type":"message","text":"` + strings.Repeat("冇", tickets.MaxTextRunes+1) + `"}`, CodeTooLong},
		{`{"type":"message","text":""}`, CodeBadFrame},
		{`{"type":"message"}`, CodeBadFrame},
		{`{"type":"message","text":5}`, CodeBadFrame},
		{"{\"type\":\"message\",\"text\":\"\xff\"}", CodeBadFrame},
		{`{"type":"message","text":"hi","client_id":"c-6f1e2a"}`, ""},
		{`{"type":"message","text":"hi","client_id":"` + strings.Repeat("a", maxClientID) + `"}`, ""},
		{`{"type":"message","text":"hi","client_id":"` + strings.Repeat("a", maxClientID+1) + `"}`, CodeBadFrame},
		{`{"type":"message","text":"hi","client_id":"two words"}`, CodeBadFrame},
		{`{"type":"message","text":"hi","client_id":"\u0000"}`, CodeBadFrame},
		{`{"type":"ack","id":"m-1"}`, ""},
		{`{"type":"ack"}`, CodeBadFrame},
		{`{"type":"attachment","data":"QUJD"}`, ""},
		{`{"type":"attachment"}`, CodeBadFrame},
		{`{"type":"teleport"}`, CodeUnknownType},
		{`{}`, CodeBadFrame},
		{`null`, CodeBadFrame},
		{`"message"`, CodeBadFrame},
		{``, CodeBadFrame},
	}
	for _, tt := range tests {
		_, ref := parseFrame([]byte(tt.raw))
		if got := refCode(ref); got != tt.code {
			t.Errorf("parseFrame(%s) code %q, want %q", clip(tt.raw, 40), got, tt.code)
		}
	}
}

func TestEncodeOut(t *testing.T) {
	tests := []struct {
		m    tickets.OutMessage
		want string
	}{
		{tickets.OutMessage{ID: "m1", Kind: tickets.KindMessage, From: tickets.FromAgent, Text: "hi"},
			`{"type":"message","id":"m1","from":"agent","text":"hi","quick_replies":[]}`},
		{tickets.OutMessage{ID: "m2", Kind: tickets.KindMessage, Text: "q", QuickReplies: []string{"a", "b"}},
			`{"type":"message","id":"m2","from":"bot","text":"q","quick_replies":["a","b"]}`},
		{tickets.OutMessage{ID: "m3", Kind: tickets.KindTicket, Ticket: &tickets.TicketEvent{TicketID: "T-000001",
			Status: tickets.Open, Queue: "payments", Priority: tickets.High}},
			`{"type":"ticket","id":"m3","ticket_id":"T-000001","status":"open","queue":"payments","priority":"high"}`},
		{tickets.OutMessage{ID: "m4", Kind: tickets.KindTicket}, ""},
		{tickets.OutMessage{ID: "m5", Kind: "sticker"}, ""},
	}
	for _, tt := range tests {
		b, err := encodeOut(tt.m)
		if tt.want == "" {
			if err == nil {
				t.Errorf("%s: encoded %s, want an error", tt.m.ID, b)
			}
			continue
		}
		if err != nil || string(b) != tt.want {
			t.Errorf("%s: %s, %v; want %s", tt.m.ID, b, err, tt.want)
		}
	}
}

func TestOriginPolicy(t *testing.T) {
	p := newOriginPolicy([]string{" https://Shop.example.com/ ", "app.example.org:8443", ""})
	tests := []struct {
		host, origin string
		ok           bool
	}{
		{"chat.example.com", "", true},
		{"chat.example.com", "https://chat.example.com", true},
		{"chat.example.com", "https://shop.example.com", true},
		{"chat.example.com", "http://shop.example.com", false},
		{"chat.example.com", "http://app.example.org:8443", true},
		{"chat.example.com", "http://app.example.org", false},
		{"chat.example.com", "null", false},
		{"chat.example.com", "://", false},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "http://"+tt.host+"/ws", nil)
		if tt.origin != "" {
			r.Header.Set("Origin", tt.origin)
		}
		if got := p.allow(r); got != tt.ok {
			t.Errorf("host %s origin %q: allow %v, want %v", tt.host, tt.origin, got, tt.ok)
		}
	}
	any := newOriginPolicy([]string{"*"})
	r := httptest.NewRequest("GET", "http://a/ws", nil)
	r.Header.Set("Origin", "https://anything.example")
	if !any.allow(r) {
		t.Error(`"*" did not allow every origin`)
	}
}

// FuzzParseFrame: any bytes give a frame or a refusal with a known code,
// never a panic; an accepted message is valid UTF-8 within the limit.
func FuzzParseFrame(f *testing.F) {
	for _, s := range []string{`{"type":"message","text":"hi"}`, `{"type":"ack","id":"x"}`,
		`{"type":"attachment","data":"QUJD"}`, "{\"type\":\"message\",\"text\":\"\xff\"}", `[`, `{"type":"message","text":"\ud800"}`} {
		f.Add([]byte(s))
	}
	codes := map[string]bool{CodeBadFrame: true, CodeUnknownType: true, CodeTooLong: true}
	f.Fuzz(func(t *testing.T, raw []byte) {
		fr, ref := parseFrame(raw)
		if ref != nil {
			if !codes[ref.code] {
				t.Fatalf("unexpected code %q", ref.code)
			}
			return
		}
		if fr.Type == typeMessage && (!utf8.ValidString(*fr.Text) || utf8.RuneCountInString(*fr.Text) > tickets.MaxTextRunes) {
			t.Fatalf("accepted a bad text %q", *fr.Text)
		}
		if fr.Type == typeAttachment {
			_, _ = decodeAttachment(fr)
		}
	})
}
