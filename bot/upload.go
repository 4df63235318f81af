package bot

import (
	"bytes"
	"errors"
	"fmt"

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
)

// magic lists the image formats we accept, by their leading bytes. The
// client's claimed content type is never trusted: a ZIP labelled image/png
// must be refused.
var magic = []struct {
	contentType string
	match       func(b []byte) bool
}{
	{"image/png", func(b []byte) bool { return bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) }},
	{"image/jpeg", func(b []byte) bool { return bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}) }},
	// WebP is a RIFF container: "RIFF", a 4-byte size, then "WEBP".
	{"image/webp", func(b []byte) bool {
		return len(b) >= 12 && bytes.Equal(b[0:4], []byte("RIFF")) && bytes.Equal(b[8:12], []byte("WEBP"))
	}},
}

// CheckUpload sniffs u's bytes and returns the content type to store.
// Refusals wrap ErrBadUpload (ErrTooLarge for size) and say why.
func CheckUpload(u Upload) (contentType string, err error) {
	switch {
	case len(u.Data) == 0:
		return "", fmt.Errorf("empty file: %w", ErrBadUpload)
	case len(u.Data) > tickets.MaxAttachmentSize:
		return "", fmt.Errorf("%d bytes: %w", len(u.Data), ErrTooLarge)
	}
	for _, m := range magic {
		if m.match(u.Data) {
			return m.contentType, nil
		}
	}
	return "", fmt.Errorf("not a PNG, JPEG or WebP image (claimed %q): %w", u.ContentType, ErrBadUpload)
}
