package tickets_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"testing"

	"github.com/triagebot/triagebot/tickets"
)

func TestNewToken(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		tok, hash, err := tickets.NewToken()
		if err != nil {
			t.Fatal(err)
		}
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil || len(raw) < 32 {
			t.Fatalf("token %q: %d bytes, %v", tok, len(raw), err)
		}
		if url.PathEscape(tok) != tok {
			t.Errorf("token %q is not URL-safe", tok)
		}
		want := sha256.Sum256([]byte(tok))
		if !bytes.Equal(hash, want[:]) || !bytes.Equal(tickets.HashToken(tok), hash) {
			t.Errorf("hash of %q does not match HashToken", tok)
		}
		if seen[tok] {
			t.Fatalf("token repeated: %q", tok)
		}
		seen[tok] = true
	}
	if bytes.Equal(tickets.HashToken("a"), tickets.HashToken("b")) {
		t.Error("different tokens hash alike")
	}
}

func TestNewAttachmentID(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := tickets.NewAttachmentID()
		if len(id) < 22 || url.PathEscape(id) != id || seen[id] {
			t.Fatalf("bad or repeated id %q", id)
		}
		seen[id] = true
	}
}
