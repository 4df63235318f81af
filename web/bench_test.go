package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
)

// benchServer is a handler over a store of n tickets with short transcripts.
func benchServer(b *testing.B, n int) (http.Handler, string) {
	b.Helper()
	st, err := boltstore.Open(filepath.Join(b.TempDir(), "bench.db"), boltstore.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	tok, hash, err := tickets.NewToken()
	if err != nil {
		b.Fatal(err)
	}
	err = st.Update(context.Background(), func(tx tickets.Tx) error {
		if err := tx.CreateAgent(&tickets.Agent{Name: "alice", TokenHash: hash}); err != nil {
			return err
		}
		for i := range n {
			at := t0.Add(-time.Duration(i) * time.Minute)
			tk := tickets.Ticket{Status: tickets.Open, Intent: "withdrawal_failed", Priority: tickets.Priorities[i%4],
				Queue: "payments", Channel: tickets.Web, Lang: "zh-Hant", SLADue: at.Add(time.Hour), CreatedAt: at,
				User:       tickets.User{ID: "u", Name: "陳大文"},
				Details:    tickets.Details{Amount: "1200.00", Currency: "HKD", TransactionID: "TX20251102ABC123"},
				Transcript: []tickets.Entry{{From: tickets.FromUser, Text: "我提款唔成功，錢仲未到", At: at}, {From: tickets.FromBot, Text: "幾時發生？", At: at}}}
			if err := tx.CreateTicket(&tk); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	s := newServer(b, Config{Store: st})
	return s.Handler(), tok
}

func benchGet(b *testing.B, h http.Handler, tok, path string) {
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}

func BenchmarkListTickets50(b *testing.B) {
	h, tok := benchServer(b, 2000)
	benchGet(b, h, tok, "/api/tickets?status=open&limit=50")
}

func BenchmarkGetTicket(b *testing.B) {
	h, tok := benchServer(b, 2000)
	benchGet(b, h, tok, "/api/tickets/T-001000")
}
