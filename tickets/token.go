package tickets

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
)

// tokenBytes is the entropy of an agent token: 256 bits, so guessing one is
// hopeless and a fast unsalted hash (HashToken) is safe to store.
const tokenBytes = 32

// NewToken returns a fresh agent bearer token (URL-safe base64 of 32 random
// bytes) and the hash to store. The token itself is shown once and never kept.
func NewToken() (token string, hash []byte, err error) {
	b := make([]byte, tokenBytes)
	// crypto/rand.Read never fails on supported platforms (Go ≥ 1.24 aborts the
	// program instead), but the error is still checked in case that changes.
	if _, err := rand.Read(b); err != nil {
		return "", nil, err
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token), nil
}

// HashToken returns the SHA-256 of a token: the key under which an agent is
// found. A slow password hash is not needed because tokens are random, not chosen.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// NewResumeKey returns a fresh resume key for a web conversation (128
// random bits, so an unsalted SHA-256 is safe to store) and its hash. The key
// goes to the browser once per connection; only the hash is kept.
func NewResumeKey() (key string, hash []byte) {
	key = "s-" + rand.Text()
	return key, HashToken(key)
}

// NewConversationID returns a random public conversation id.
func NewConversationID() string { return "c-" + rand.Text() }

// NewAttachmentID returns a random URL-safe id (128 bits, base32) for a
// stored file, so ids cannot be guessed from one another.
func NewAttachmentID() string { return rand.Text() }
