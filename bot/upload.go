package bot

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // registers the JPEG header decoder with image.DecodeConfig
	_ "image/png"  // and PNG's
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/triagebot/triagebot/prompts"
	"github.com/triagebot/triagebot/tickets"
)

// Upload errors. A channel turns them into an error frame or message; the
// conversation is left unchanged.
var (
	// ErrBadUpload is a file that is not a PNG, JPEG or WebP image.
	ErrBadUpload = errors.New("attachment refused")
	// ErrTooLarge is a file over tickets.MaxAttachmentSize. It wraps
	// ErrBadUpload too, so a channel that only knows ErrBadUpload still refuses it.
	ErrTooLarge = fmt.Errorf("%w: larger than %d bytes", ErrBadUpload, tickets.MaxAttachmentSize)
	// ErrQuota is a file over the conversation's or the ticket's quota. It
	// wraps ErrBadUpload too; the error is a *QuotaError, whose Message
	// tells the user in their language.
	ErrQuota = fmt.Errorf("%w: attachment quota reached", ErrBadUpload)
)

// maxPixels bounds an image's declared size: a few bytes can declare a
// picture of billions of pixels that the agent's browser would then try to
// decode. Real screenshots are far below (a 6K screen is 20 Mpx).
const maxPixels = 64 << 20

// CheckUpload reads u's image header and returns the content type to store.
// The client's claimed content type is never trusted (a ZIP labelled
// image/png is refused), nor are leading magic bytes alone: the header must
// decode (image.DecodeConfig for PNG and JPEG; WebP's RIFF header by hand,
// as the standard library has no WebP decoder) and declare a sane size.
// Refusals wrap ErrBadUpload (ErrTooLarge for size) and say why.
func CheckUpload(u Upload) (contentType string, err error) {
	switch {
	case len(u.Data) == 0:
		return "", fmt.Errorf("empty file: %w", ErrBadUpload)
	case len(u.Data) > tickets.MaxAttachmentSize:
		return "", fmt.Errorf("%d bytes: %w", len(u.Data), ErrTooLarge)
	}
	var w, h int
	if isRIFFWebP(u.Data) {
		contentType = "image/webp"
		w, h, err = webpSize(u.Data)
	} else {
		var cfg image.Config
		var format string
		cfg, format, err = image.DecodeConfig(bytes.NewReader(u.Data))
		contentType, w, h = "image/"+format, cfg.Width, cfg.Height
		if err == nil && format != "png" && format != "jpeg" {
			err = fmt.Errorf("format %s", format) // a decoder some other package registered
		}
	}
	if err != nil {
		return "", fmt.Errorf("not a PNG, JPEG or WebP image (claimed %q): %v: %w", u.ContentType, err, ErrBadUpload)
	}
	if w <= 0 || h <= 0 || w*h > maxPixels {
		return "", fmt.Errorf("image of %d×%d pixels: %w", w, h, ErrBadUpload)
	}
	return contentType, nil
}

// isRIFFWebP reports whether b starts like a WebP file.
func isRIFFWebP(b []byte) bool {
	return len(b) >= 12 && string(b[0:4]) == "RIFF" && string(b[8:12]) == "WEBP"
}

// webpSize reads the canvas size from a WebP file's first chunk: VP8 (lossy),
// VP8L (lossless) or VP8X (extended), as the WebP container spec lays them out.
func webpSize(b []byte) (w, h int, err error) {
	le := binary.LittleEndian
	if riff := int(le.Uint32(b[4:8])); riff+8 > len(b) || riff < 4 {
		return 0, 0, fmt.Errorf("RIFF size %d, file %d bytes", riff, len(b))
	}
	if len(b) < 20 {
		return 0, 0, errors.New("no chunk after the RIFF header")
	}
	fourcc, size, p := string(b[12:16]), int(le.Uint32(b[16:20])), b[20:]
	if size > len(p) {
		return 0, 0, fmt.Errorf("chunk %q of %d bytes, %d left", fourcc, size, len(p))
	}
	p = p[:size]
	switch fourcc {
	case "VP8 ":
		// frame tag (3 bytes, key frame when bit 0 is 0), start code, 14-bit sizes.
		if len(p) < 10 || p[0]&1 != 0 || !bytes.Equal(p[3:6], []byte{0x9d, 0x01, 0x2a}) {
			return 0, 0, errors.New("VP8 chunk without a key frame header")
		}
		return int(le.Uint16(p[6:]) & 0x3fff), int(le.Uint16(p[8:]) & 0x3fff), nil
	case "VP8L":
		// signature 0x2f, then width-1 and height-1 in 14 bits each.
		if len(p) < 5 || p[0] != 0x2f {
			return 0, 0, errors.New("VP8L chunk without its signature")
		}
		bits := le.Uint32(p[1:5])
		return int(bits&0x3fff) + 1, int(bits>>14&0x3fff) + 1, nil
	case "VP8X":
		// flags, 3 reserved bytes, then canvas width-1 and height-1 in 24 bits each.
		if len(p) < 10 {
			return 0, 0, errors.New("VP8X chunk cut short")
		}
		u24 := func(q []byte) int { return int(q[0]) | int(q[1])<<8 | int(q[2])<<16 }
		return u24(p[4:7]) + 1, u24(p[7:10]) + 1, nil
	}
	return 0, 0, fmt.Errorf("first chunk %q is not VP8, VP8L or VP8X", fourcc)
}

// stripControls removes what must never reach a file name shown to an
// agent: control characters (newlines that forge log lines or transcript
// entries, escapes) and the invisible bidirectional marks that can make
// "gnp.exe" read as "exe.png". Invalid UTF-8 is dropped too.
func stripControls(s string) string {
	s = strings.ToValidUTF8(s, "")
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, s)
}

// Quota bounds what one user can store in files. The zero value of a
// field means its default.
type Quota struct {
	// ConversationFiles and ConversationBytes bound the files stored while
	// a conversation has no ticket: anyone can open one, so it is small.
	ConversationFiles int
	ConversationBytes int64
	// TicketFiles and TicketBytes bound the files of one ticket, those of
	// the dialogue that led to it included.
	TicketFiles int
	TicketBytes int64
}

// Default quotas.
const (
	DefaultConversationFiles = 5
	DefaultConversationBytes = 15 << 20
	DefaultTicketFiles       = 20
	DefaultTicketBytes       = 50 << 20
)

// withDefaults fills zero fields with the defaults.
func (q Quota) withDefaults() Quota {
	if q.ConversationFiles <= 0 {
		q.ConversationFiles = DefaultConversationFiles
	}
	if q.ConversationBytes <= 0 {
		q.ConversationBytes = DefaultConversationBytes
	}
	if q.TicketFiles <= 0 {
		q.TicketFiles = DefaultTicketFiles
	}
	if q.TicketBytes <= 0 {
		q.TicketBytes = DefaultTicketBytes
	}
	return q
}

// QuotaError refuses a file over a quota. Message is the sentence for the
// user, in the conversation's language.
type QuotaError struct {
	Message string
	Used    tickets.Usage // before this file
	Size    int64         // this file's
	Ticket  bool          // the ticket's quota, not the conversation's
}

func (e *QuotaError) Error() string {
	which := "conversation"
	if e.Ticket {
		which = "ticket"
	}
	return fmt.Sprintf("%s already holds %d files (%d bytes); a file of %d bytes is over its quota", which, e.Used.Files, e.Used.Bytes, e.Size)
}

func (e *QuotaError) Unwrap() error { return ErrQuota }

// storeUpload stores the turn's file after checking the quota that applies:
// the ticket's when the conversation has one, else the conversation's own
// count, which the turn then raises. Over the quota, nothing is stored and
// the turn fails with a *QuotaError (its transaction is rolled back).
func (t *turn) storeUpload() error {
	q := t.e.quota
	size := t.up.att.Size
	if t.ticket != nil {
		used := tickets.UsageOf(t.ticket.Attachments)
		if next := used.Add(size); next.Files > q.TicketFiles || next.Bytes > q.TicketBytes {
			return &QuotaError{Used: used, Size: size, Ticket: true,
				Message: t.render(prompts.AttachmentQuotaTicket, prompts.QuotaData{Files: q.TicketFiles, MB: q.TicketBytes >> 20})}
		}
	} else {
		used := t.conv.Uploads
		next := used.Add(size)
		if next.Files > q.ConversationFiles || next.Bytes > q.ConversationBytes {
			return &QuotaError{Used: used, Size: size,
				Message: t.render(prompts.AttachmentQuotaConversation, prompts.QuotaData{Files: q.ConversationFiles, MB: q.ConversationBytes >> 20})}
		}
		t.conv.Uploads = next
	}
	return t.tx.PutAttachment(&t.up.att, t.conv.ID, t.up.data)
}
