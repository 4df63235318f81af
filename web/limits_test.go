package web

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/triagebot/triagebot/tickets"
)

// bodyReader hides its length from the client, so the request goes chunked
// and only the server's reading limit can stop it.
type bodyReader struct{ io.Reader }

func TestBodyLimitEverywhere(t *testing.T) {
	f := newFixture(t)
	tk := f.ticket(tickets.High, "payments", time.Hour)
	huge := `{"text":"` + strings.Repeat("a", maxBody) + `"}`
	tests := []struct {
		name, method, path string
		body               io.Reader
	}{
		{"declared length, JSON handler", "POST", "/api/tickets/" + tk.ID + "/messages", strings.NewReader(huge)},
		{"chunked, JSON handler", "POST", "/api/tickets/" + tk.ID + "/resolve", bodyReader{strings.NewReader(huge)}},
		{"declared length, handler that reads no body", "POST", "/api/tickets/" + tk.ID + "/claim", strings.NewReader(huge)},
		{"declared length, page", "GET", "/", bytes.NewReader(bytes.Repeat([]byte("x"), 1<<20))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, f.srv.URL+tt.path, tt.body)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+f.tokens["alice"])
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(b), CodeTooLarge) {
				t.Errorf("status %d body %s, want 413 too_large", resp.StatusCode, b)
			}
		})
	}
	// Nothing was changed by the refused calls, and the server still answers.
	r := f.do("GET", "/api/tickets/"+tk.ID, "alice", nil)
	if got := decodeTicket(t, r); got.Status != tickets.Open || len(got.Transcript) != 1 {
		t.Errorf("after refused calls the ticket is %s with %d entries", got.Status, len(got.Transcript))
	}
}

func TestMetricsToken(t *testing.T) {
	s := newServer(t, Config{MetricsToken: "scrape-secret"})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	tests := []struct {
		auth string
		want int
	}{
		{"", http.StatusUnauthorized},
		{"Bearer wrong", http.StatusUnauthorized},
		{"Bearer scrape-secret", http.StatusOK},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest("GET", srv.URL+"/metrics", nil)
		if tt.auth != "" {
			req.Header.Set("Authorization", tt.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("Authorization %q: status %d, want %d", tt.auth, resp.StatusCode, tt.want)
		}
		if tt.want == http.StatusOK && !strings.Contains(string(b), "triagebot_http_requests_total") {
			t.Errorf("scrape with the token has no series:\n%s", b)
		}
	}
}

func TestNoMetricsLeavesRouteOff(t *testing.T) {
	s := newServer(t, Config{NoMetrics: true})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("/metrics with NoMetrics: status %d, want 404", resp.StatusCode)
	}
	// The handler itself still works for a separate listener.
	rec := httptest.NewRecorder()
	s.MetricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Errorf("MetricsHandler: status %d", rec.Code)
	}
}
