package bot

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"image"
	"image/gif"
	"image/jpeg"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/triagebot/triagebot/escalation"
	"github.com/triagebot/triagebot/language"
	"github.com/triagebot/triagebot/prompts"
	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
)

func TestCheckUpload(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		want string
		err  error
	}{
		{"png", smallPNG, "image/png", nil},
		{"jpeg", encoded(t, "jpeg"), "image/jpeg", nil},
		{"webp lossless", webpFile("VP8L", []byte{0x2f, 0x3f, 0xc0, 0x0f, 0x00}), "image/webp", nil}, // 64×64
		{"webp lossy", webpFile("VP8 ", []byte{0x10, 0, 0, 0x9d, 0x01, 0x2a, 64, 0, 48, 0}), "image/webp", nil},
		{"webp extended", webpFile("VP8X", []byte{0, 0, 0, 0, 63, 0, 0, 47, 0, 0}), "image/webp", nil},
		// Magic bytes alone used to pass: the header must decode now.
		{"png signature only", []byte("\x89PNG\r\n\x1a\n" + strings.Repeat("\x00", 40)), "", ErrBadUpload},
		{"jpeg signature only", []byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0}, "", ErrBadUpload},
		{"webp without a frame", webpFile("VP8 ", make([]byte, 10)), "", ErrBadUpload},
		{"webp chunk past the end", append(webpFile("VP8L", []byte{0x2f, 0, 0, 0, 0})[:20], 0x2f), "", ErrBadUpload},
		{"webp of a billion pixels", webpFile("VP8X", []byte{0, 0, 0, 0, 0xff, 0xff, 0, 0xff, 0xff, 0}), "", ErrBadUpload},
		{"riff but not webp", []byte("RIFF\x10\x00\x00\x00WAVEfmt "), "", ErrBadUpload},
		{"gif (not in the contract)", encoded(t, "gif"), "", ErrBadUpload},
		{"zip", []byte("PK\x03\x04rest"), "", ErrBadUpload},
		{"empty", nil, "", ErrBadUpload},
		{"too large", append(append([]byte{}, smallPNG...), make([]byte, tickets.MaxAttachmentSize)...), "", ErrTooLarge},
	} {
		got, err := CheckUpload(Upload{Filename: "f", ContentType: "image/png", Data: tc.data})
		if got != tc.want || (tc.err == nil) != (err == nil) || (tc.err != nil && !errorsIs(err, tc.err)) {
			t.Errorf("%s: %q, %v; want %q, %v", tc.name, got, err, tc.want, tc.err)
		}
	}
}

// webpFile wraps one chunk in a RIFF WebP container.
func webpFile(fourcc string, payload []byte) []byte {
	b := []byte("RIFF\x00\x00\x00\x00WEBP" + fourcc)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(payload)))
	b = append(b, payload...)
	binary.LittleEndian.PutUint32(b[4:], uint32(len(b)-8))
	return b
}

// encoded is a small real image in format.
func encoded(t *testing.T, format string) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	var buf bytes.Buffer
	var err error
	switch format {
	case "jpeg":
		err = jpeg.Encode(&buf, img, nil)
	case "gif":
		err = gif.Encode(&buf, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestStripControls(t *testing.T) {
	for in, want := range map[string]string{
		"screen shot.png":             "screen shot.png",
		"a\nFAKE LOG LINE.png":        "aFAKE LOG LINE.png",
		"\x1b[31mred\x1b[0m.png":      "[31mred[0m.png",
		"invoice\u202egnp.exe":        "invoicegnp.exe",
		"截圖\u200f.png":                "截圖.png",
		"bad\xff\xfeutf8.jpg":         "badutf8.jpg",
		"tab\there\x00nul\x7fdel.png": "tabherenuldel.png",
	} {
		if got := stripControls(in); got != want {
			t.Errorf("stripControls(%q) = %q, want %q", in, got, want)
		}
	}
}

// quotaRig is an engine with quota q on a fresh file.
func quotaRig(t *testing.T, q Quota) (*Engine, tickets.Store) {
	t.Helper()
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "quota.db"), boltstore.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	eng, err := New(Config{Store: st, Classifier: realClassifier(t), Router: escalation.Default(),
		Now: func() time.Time { return testStart }, Location: hk, Quota: q})
	if err != nil {
		t.Fatal(err)
	}
	return eng, st
}

// send uploads n copies of a small PNG and returns the first refusal.
func sendFiles(eng *Engine, convID string, n int) (sent int, err error) {
	for sent = 0; sent < n; sent++ {
		err = eng.Handle(context.Background(), Inbound{Channel: tickets.Web, ConversationID: convID, User: tickets.User{ID: "u"},
			Upload: &Upload{Filename: "s.png", Data: smallPNG}})
		if err != nil {
			return sent, err
		}
	}
	return sent, nil
}

// TestAttachmentQuota: the conversation's quota before a ticket (files and
// bytes), then the ticket's, each refused with the user's language's
// sentence and nothing stored.
func TestAttachmentQuota(t *testing.T) {
	ctx := context.Background()
	size := int64(len(smallPNG))
	tests := []struct {
		name  string
		quota Quota
		lang  string
		allow int
	}{
		{"default: five files", Quota{}, "en", DefaultConversationFiles},
		{"bytes", Quota{ConversationBytes: 3*size + 1}, "zh-Hant", 3},
		{"files", Quota{ConversationFiles: 2}, "zh-Hans", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eng, _ := quotaRig(t, tt.quota)
			conv, _, err := eng.Open(ctx, OpenRequest{ID: "c", Channel: tickets.Web, User: tickets.User{ID: "u"}, LangHint: tt.lang})
			if err != nil {
				t.Fatal(err)
			}
			sent, err := sendFiles(eng, conv.ID, tt.allow+1)
			var qe *QuotaError
			if sent != tt.allow || !errors.As(err, &qe) || !errors.Is(err, ErrBadUpload) || qe.Ticket {
				t.Fatalf("sent %d, then %v; want %d taken, then the conversation's quota error", sent, err, tt.allow)
			}
			q := tt.quota.withDefaults()
			want := prompts.Render(language.FromHint(tt.lang), prompts.AttachmentQuotaConversation, prompts.QuotaData{Files: q.ConversationFiles, MB: q.ConversationBytes >> 20})
			if qe.Message != want {
				t.Errorf("message %q, want %q", qe.Message, want)
			}
			got, err := eng.Conversation(ctx, conv.ID)
			if err != nil {
				t.Fatal(err)
			}
			st, _ := decodeState(got.State)
			if got.Uploads != (tickets.Usage{Files: tt.allow, Bytes: int64(tt.allow) * size}) || len(st.Attachments) != tt.allow {
				t.Errorf("uploads %+v, %d in the dialogue; the refused file must leave no trace", got.Uploads, len(st.Attachments))
			}
		})
	}
}

// TestTicketAttachmentQuota: once a ticket exists its own quota counts the
// files it holds, those sent before it included.
func TestTicketAttachmentQuota(t *testing.T) {
	ctx := context.Background()
	eng, st := quotaRig(t, Quota{TicketFiles: 4})
	conv, _, err := eng.Open(ctx, OpenRequest{ID: "c", Channel: tickets.Web, User: tickets.User{ID: "u"}, LangHint: "en"})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := sendFiles(eng, conv.ID, 2); err != nil {
		t.Fatalf("file %d: %v", n+1, err)
	}
	if err := eng.Handle(ctx, Inbound{Channel: tickets.Web, ConversationID: conv.ID, User: tickets.User{ID: "u"},
		Text: "I want to talk to a human agent"}); err != nil {
		t.Fatal(err)
	}
	got, err := eng.Conversation(ctx, conv.ID)
	if err != nil || got.TicketID == "" || got.Uploads != (tickets.Usage{}) {
		t.Fatalf("after escalation: ticket %q, uploads %+v, %v; want a ticket and the conversation's count reset", got.TicketID, got.Uploads, err)
	}
	sent, err := sendFiles(eng, conv.ID, 3)
	var qe *QuotaError
	if sent != 2 || !errors.As(err, &qe) || !qe.Ticket {
		t.Fatalf("sent %d to the ticket, then %v; want 2, then the ticket's quota error", sent, err)
	}
	if want := prompts.Render("en", prompts.AttachmentQuotaTicket, prompts.QuotaData{Files: 4, MB: DefaultTicketBytes >> 20}); qe.Message != want {
		t.Errorf("message %q, want %q", qe.Message, want)
	}
	_ = st.View(ctx, func(tx tickets.Tx) error {
		tk, err := tx.Ticket(got.TicketID)
		if err != nil || len(tk.Attachments) != 4 {
			t.Errorf("ticket holds %d files (%v), want 4", len(tk.Attachments), err)
		}
		return nil
	})
}
