package main

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
)

func TestBrowseURL(t *testing.T) {
	tests := map[string]string{
		"127.0.0.1:8080": "http://127.0.0.1:8080",
		"0.0.0.0:8080":   "http://localhost:8080",
		":8080":          "http://localhost:8080",
		"[::]:8080":      "http://localhost:8080",
		"[::1]:8080":     "http://[::1]:8080",
		"example.com:80": "http://example.com:80",
	}
	for in, want := range tests {
		if got := browseURL(in); got != want {
			t.Errorf("browseURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestWelcomeSettings: what the start-up summary says follows the
// configuration (the binary test covers the defaults).
func TestWelcomeSettings(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want []string
	}{
		{"llm on", nil, map[string]string{"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "OPENAI_MODEL": "m1"},
			[]string{"LLM            on: m1 at http://127.0.0.1:9/v1"}},
		{"public url", []string{"-public-url", "https://support.example"}, nil,
			[]string{"public URL     https://support.example"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"-addr", "127.0.0.1:0", "-db", filepath.Join(t.TempDir(), "w.db")}, tt.args...)
			cfg, err := parseServe(args, quiet(fakeEnv(tt.env)))
			if err != nil {
				t.Fatal(err)
			}
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			srv, err := NewServer(t.Context(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				t.Fatal(err)
			}
			var out strings.Builder
			werr := srv.Welcome(t.Context(), &out)
			ctx, cancel := context.WithCancel(t.Context())
			cancel() // Run with a finished context only shuts down and closes the store
			if err := srv.Run(ctx); err != nil {
				t.Errorf("Run: %v", err)
			}
			if werr != nil {
				t.Fatal(werr)
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("welcome lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}
