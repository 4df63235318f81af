package web

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/boltstore"
)

func TestHealthz(t *testing.T) {
	f := newFixture(t)
	r := f.do("GET", "/healthz", "", nil)
	if r.status != 200 || strings.TrimSpace(string(r.body)) != `{"status":"ok"}` {
		t.Fatalf("open store: status %d body %s", r.status, r.body)
	}
	if err := f.store.Close(); err != nil {
		t.Fatal(err)
	}
	r = f.do("GET", "/healthz", "", nil)
	if r.status != http.StatusServiceUnavailable {
		t.Errorf("closed store: status %d, want 503: %s", r.status, r.body)
	}
}

// TestHealthzWhenCommitsPanic: a commit that panics (as bbolt does on a
// damaged page) fails the write at once instead of wedging later writes,
// and /healthz answers 503 with the reason until a write succeeds again.
func TestHealthzWhenCommitsPanic(t *testing.T) {
	var broken atomic.Bool
	f := newFixtureOpts(t, boltstore.Options{NoSync: true, BeforeCommit: func() {
		if broken.Load() {
			panic("page 7: invalid type")
		}
	}})
	tk := f.ticket(tickets.Normal, "payments", time.Hour)
	broken.Store(true)
	for range 2 { // the second write would hang for ever if the lead were lost
		if r := f.do("POST", "/api/tickets/"+tk.ID+"/claim", "alice", nil); r.status < 500 {
			t.Fatalf("claim on a broken store: status %d %s", r.status, r.body)
		}
	}
	r := f.do("GET", "/healthz", "", nil)
	if r.status != http.StatusServiceUnavailable || !strings.Contains(string(r.body), "page 7: invalid type") {
		t.Fatalf("healthz after a failed commit: %d %s, want 503 with the reason", r.status, r.body)
	}
	broken.Store(false)
	if r := f.do("POST", "/api/tickets/"+tk.ID+"/claim", "alice", nil); r.status != http.StatusOK {
		t.Fatalf("claim after recovery: %d %s", r.status, r.body)
	}
	if r := f.do("GET", "/healthz", "", nil); r.status != http.StatusOK {
		t.Errorf("healthz after recovery: %d %s", r.status, r.body)
	}
}

func TestNewRequires(t *testing.T) {
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "req.db"), boltstore.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tests := []struct {
		name string
		cfg  Config
		want string // "" when New must succeed
	}{
		{"nothing", Config{}, "web: Config.Store is required"},
		{"no store", Config{Engine: refusingEngine{}}, "web: Config.Store is required"},
		{"no engine", Config{Store: st}, "web: Config.Engine is required"},
		{"store and engine", Config{Store: st, Engine: refusingEngine{}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(tt.cfg)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("New: %v", err)
			case tt.want == "" && s == nil:
				t.Fatal("New returned no server and no error")
			case tt.want != "" && (err == nil || err.Error() != tt.want):
				t.Fatalf("New: error %v, want %q", err, tt.want)
			case tt.want != "" && s != nil:
				t.Fatal("New returned a server with its error")
			}
		})
	}
}

func TestMetrics(t *testing.T) {
	f := newFixture(t)
	f.ticket(tickets.Urgent, "payments", time.Hour)
	f.ticket(tickets.Urgent, "payments", 2*time.Hour)
	claimed := f.ticket(tickets.Low, "merchant", time.Hour)
	f.do("POST", "/api/tickets/"+claimed.ID+"/claim", "alice", nil)
	f.do("GET", "/api/tickets/T-999999", "alice", nil)
	f.do("GET", "/api/tickets/T-999999", "alice", nil)
	f.do("GET", "/no/such/page", "", nil)
	// Another package's collector on the same registry shows up too.
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "triagebot_ws_connections", Help: "test"})
	g.Set(7)
	f.reg.MustRegister(g)

	r := f.do("GET", "/metrics", "", nil)
	if r.status != 200 {
		t.Fatalf("status %d", r.status)
	}
	body := string(r.body)
	for _, want := range []string{
		`triagebot_tickets{priority="urgent",queue="payments",status="open"} 2`,
		`triagebot_tickets{priority="low",queue="merchant",status="claimed"} 1`,
		`triagebot_http_requests_total{code="404",route="GET /api/tickets/{id}"} 2`,
		`triagebot_http_requests_total{code="200",route="POST /api/tickets/{id}/claim"} 1`,
		`triagebot_http_requests_total{code="404",route="unmatched"} 1`,
		`triagebot_http_request_duration_seconds_bucket{route="GET /api/tickets/{id}",le="+Inf"} 2`,
		`triagebot_ws_connections 7`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(body, "T-999999") {
		t.Error("a raw path leaked into a label")
	}
}

func TestPages(t *testing.T) {
	f := newFixture(t)
	inline := regexp.MustCompile(`(?i)<script(?:\s[^>]*)?>\s*[^<\s]|\son[a-z]+\s*=|javascript:|<style`)
	cases := []struct {
		path, contentType string
		html              bool
		frame             string // X-Frame-Options
	}{
		{"/", "text/html; charset=utf-8", true, ""},
		{"/agent", "text/html; charset=utf-8", true, "DENY"},
		{"/static/widget.js", "text/javascript; charset=utf-8", false, ""},
		{"/static/console.js", "text/javascript; charset=utf-8", false, ""},
		{"/static/strings.js", "text/javascript; charset=utf-8", false, ""},
		{"/static/widget.css", "text/css; charset=utf-8", false, ""},
		{"/static/console.css", "text/css; charset=utf-8", false, ""},
		{"/embed.js", "text/javascript; charset=utf-8", false, ""},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			r := f.do("GET", c.path, "", nil)
			if r.status != 200 {
				t.Fatalf("status %d", r.status)
			}
			if got := r.header.Get("Content-Type"); got != c.contentType {
				t.Errorf("Content-Type %q, want %q", got, c.contentType)
			}
			if r.header.Get("X-Content-Type-Options") != "nosniff" {
				t.Error("no nosniff")
			}
			if !c.html {
				return
			}
			csp := r.header.Get("Content-Security-Policy")
			for _, want := range []string{"default-src 'self'", "script-src 'self';", "object-src 'none'"} {
				if !strings.Contains(csp, want) {
					t.Errorf("CSP %q lacks %q", csp, want)
				}
			}
			if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
				t.Errorf("CSP allows inline code: %q", csp)
			}
			if got := r.header.Get("X-Frame-Options"); got != c.frame {
				t.Errorf("X-Frame-Options %q, want %q", got, c.frame)
			}
			if m := inline.Find(r.body); m != nil {
				t.Errorf("inline script or style: %q", m)
			}
		})
	}
	for _, path := range []string{"/static/", "/static/widget.html", "/static/nothing.js", "/agent/x"} {
		if r := f.do("GET", path, "", nil); r.status != 404 {
			t.Errorf("%s: status %d, want 404", path, r.status)
		}
	}
}

// TestPageScriptsUseTextContent guards the rule that user-written text never
// goes through an HTML parser in the pages' scripts.
func TestPageScriptsUseTextContent(t *testing.T) {
	bad := regexp.MustCompile(`innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function`)
	for _, name := range []string{"widget.js", "console.js", "strings.js", "embed.js"} {
		b, err := static.ReadFile("static/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if m := bad.Find(b); m != nil {
			t.Errorf("%s uses %s", name, m)
		}
	}
}

func TestWSMount(t *testing.T) {
	var hijackable bool
	ws := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, hijackable = w.(http.Hijacker)
		io.WriteString(w, "ws here")
	})
	s := newServer(t, Config{WS: ws})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/ws?session=abc")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "ws here" || !hijackable {
		t.Errorf("/ws: body %q, hijackable %v", b, hijackable)
	}
}

// stuckEngine never answers until the request's context ends.
type stuckEngine struct{}

func (stuckEngine) Claim(ctx context.Context, _, _ string) (tickets.Ticket, error) {
	<-ctx.Done()
	return tickets.Ticket{}, ctx.Err()
}

func (stuckEngine) Release(ctx context.Context, _, _ string) (tickets.Ticket, error) {
	<-ctx.Done()
	return tickets.Ticket{}, ctx.Err()
}

func (stuckEngine) Reply(ctx context.Context, _, _, _ string) (tickets.Ticket, error) {
	<-ctx.Done()
	return tickets.Ticket{}, ctx.Err()
}

func (stuckEngine) Resolve(ctx context.Context, _, _, _ string) (tickets.Ticket, error) {
	<-ctx.Done()
	return tickets.Ticket{}, ctx.Err()
}

func (stuckEngine) Note(ctx context.Context, _, _, _ string) (tickets.Ticket, error) {
	<-ctx.Done()
	return tickets.Ticket{}, ctx.Err()
}

func (stuckEngine) Transfer(ctx context.Context, _, _ string, _ tickets.Target) (tickets.Ticket, error) {
	<-ctx.Done()
	return tickets.Ticket{}, ctx.Err()
}

func TestAPITimeout(t *testing.T) {
	f := newFixture(t)
	tk := f.ticket(tickets.High, "payments", time.Hour)
	s := newServer(t, Config{Store: f.store, Engine: stuckEngine{}})
	s.apiTimeout = 200 * time.Millisecond
	f.srv = httptest.NewServer(s.Handler())
	defer f.srv.Close()
	start := time.Now()
	r := f.do("POST", "/api/tickets/"+tk.ID+"/claim", "alice", nil)
	if r.status != http.StatusServiceUnavailable || r.errCode() != CodeUnavailable {
		t.Errorf("status %d code %q, want 503 unavailable: %s", r.status, r.errCode(), r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("answered after %s", d)
	}
	// The backup is not under the API timeout.
	r = f.do("GET", "/api/admin/backup", "root", nil)
	if r.status != 200 || len(r.body) == 0 {
		t.Errorf("backup: status %d, %d bytes", r.status, len(r.body))
	}
}
