package web

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
)

// pingStore is a store behind a pool: /healthz must ping it.
type pingStore struct {
	tickets.Store
	err         error
	hadDeadline bool
}

func (p *pingStore) Ping(ctx context.Context) error {
	_, p.hadDeadline = ctx.Deadline()
	return p.err
}

func TestHealthzPingsThePool(t *testing.T) {
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "web.db"), boltstore.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	for _, c := range []struct {
		name   string
		ping   error
		status int
		reason string
	}{
		{"pool reaches the server", nil, http.StatusOK, ""},
		{"pool cannot", errors.New("dial tcp 127.0.0.1:5432: connection refused"), http.StatusServiceUnavailable, "connection refused"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ps := &pingStore{Store: st, err: c.ping}
			srv := httptest.NewServer(New(Config{Store: ps, Logger: slog.New(slog.DiscardHandler)}).Handler())
			defer srv.Close()
			resp, err := http.Get(srv.URL + "/healthz")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != c.status || !strings.Contains(string(body), c.reason) {
				t.Errorf("status %d %s, want %d with %q", resp.StatusCode, body, c.status, c.reason)
			}
			if !ps.hadDeadline {
				t.Error("the ping had no deadline")
			}
		})
	}
}
