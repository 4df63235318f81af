package intents

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

type textValue string

func (t textValue) String() string { return string(t) }

// TestMaskLogs: a secret reaches no log line, wherever it sits in it.
func TestMaskLogs(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(MaskLogs(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	log = log.With("conn", "card 4111 1111 1111 1111").WithGroup("turn")
	log.Warn("user said password: hunter2",
		"text", "驗證碼係 482913",
		"err", fmt.Errorf("classify %q: %w", "my pass is Tr0ub4dor&3", errors.New("timeout")),
		"stringer", textValue("otp 556677"),
		"bytes", []byte("cvv 123"),
		slog.Group("upload", "filename", "密碼：你好123.png"),
		"count", 4111111111111111, // a number is not text a user typed
	)
	out := buf.String()
	for _, secret := range []string{"4111 1111 1111 1111", "hunter2", "482913", "Tr0ub4dor", "556677", "cvv 123", "你好123"} {
		if strings.Contains(out, secret) {
			t.Errorf("log line holds %q:\n%s", secret, out)
		}
	}
	for _, kept := range []string{"****1111", "[password]", "[code]", "timeout", "turn.upload.filename", "count=4111111111111111"} {
		if !strings.Contains(out, kept) {
			t.Errorf("log line lost %q:\n%s", kept, out)
		}
	}
}
