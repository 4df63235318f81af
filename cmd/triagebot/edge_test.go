package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

func TestParseRate(t *testing.T) {
	tests := []struct {
		in        string
		perSecond float64
		burst     int
		bad       bool
	}{
		{"20/1m", 20.0 / 60, 20, false},
		{"20/2s", 10, 20, false},
		{" 5 / 1h ", 5.0 / 3600, 5, false},
		{"off", math.Inf(1), 1, false},
		{"20", 0, 0, true},
		{"0/1m", 0, 0, true},
		{"-3/1m", 0, 0, true},
		{"20/0s", 0, 0, true},
		{"20/soon", 0, 0, true},
		{"", 0, 0, true},
	}
	for _, tt := range tests {
		r, b, err := parseRate(tt.in)
		if (err != nil) != tt.bad {
			t.Errorf("%q: err %v, want bad=%v", tt.in, err, tt.bad)
			continue
		}
		if !tt.bad && (b != tt.burst || math.Abs(r-tt.perSecond) > 1e-9 && !math.IsInf(r, 1)) {
			t.Errorf("%q: %v/s burst %d, want %v/s burst %d", tt.in, r, b, tt.perSecond, tt.burst)
		}
	}
}

func TestLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:8080": true, "[::1]:8080": true, "localhost:8080": true, "127.9.9.9:1": true,
		":8080": false, "0.0.0.0:8080": false, "[::]:8080": false, "10.0.0.5:8080": false, "shop.example:443": false,
	} {
		if got := loopback(addr); got != want {
			t.Errorf("loopback(%q) = %v, want %v", addr, got, want)
		}
	}
}

func TestEdgeValidateErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"bad frame limit", []string{"-frame-limit", "lots"}, nil, "-frame-limit"},
		{"bad session limit from env", nil, map[string]string{"TRIAGEBOT_IP_SESSION_LIMIT": "20 per minute"}, "-ip-session-limit"},
		{"bad conn limit", []string{"-ip-conn-limit", "0/1s"}, nil, "-ip-conn-limit"},
		{"bad max conns", []string{"-ip-max-conns", "-1"}, nil, "-ip-max-conns"},
		{"bad trusted proxy", []string{"-trusted-proxies", "10.0.0.0/8,proxy.local"}, nil, `-trusted-proxies: "proxy.local"`},
		{"bad exempt", []string{"-ip-limit-exempt", "10.0.0.0/99"}, nil, "-ip-limit-exempt"},
		{"bad read timeout", []string{"-read-timeout", "0s"}, nil, "-read-timeout"},
		{"bad idle timeout", []string{"-idle-timeout", "long"}, nil, "-idle-timeout"},
		{"bad metrics addr", []string{"-metrics-addr", "9090"}, nil, "-metrics-addr"},
		{"metrics token file missing", []string{"-metrics-token-file", filepath.Join(dir, "nope")}, nil, "-metrics-token-file"},
		{"metrics token file empty", []string{"-metrics-token-file", empty}, nil, "-metrics-token-file"},
		{"cert without key", []string{"-tls-cert", "a.pem"}, nil, "-tls-cert and -tls-key"},
		{"unreadable cert", []string{"-tls-cert", filepath.Join(dir, "a.pem"), "-tls-key", filepath.Join(dir, "a.key")}, nil, "-tls-cert/-tls-key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseServe(tt.args, quiet(fakeEnv(tt.env)))
			if err != nil {
				t.Fatal(err)
			}
			err = c.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate: %v, want an error naming %s", err, tt.want)
			}
		})
	}
	c, err := parseServe([]string{"-trusted-proxies", "10.0.0.0/8, 192.0.2.1", "-ip-max-conns", "0", "-frame-limit", "off"}, quiet(fakeEnv(nil)))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	e := c.Edge
	if len(e.trusted) != 2 || e.trusted[1].String() != "192.0.2.1/32" || len(e.exempt) != 2 {
		t.Errorf("trusted %v, exempt %v", e.trusted, e.exempt)
	}
	if e.wsLimits.IPMaxConns != -1 || !math.IsInf(e.wsLimits.Rate, 1) {
		t.Errorf("limits %+v", e.wsLimits)
	}
}

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServe runs serve as main does, on a fresh database, with args and
// env; it returns the server and its log, and stops it at cleanup.
func startServe(t *testing.T, args []string, env map[string]string) (*Server, *syncBuffer) {
	t.Helper()
	args = append([]string{"-db", filepath.Join(t.TempDir(), "serve.db")}, args...)
	cfg, err := parseServe(args, quiet(fakeEnv(env)))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := NewServer(ctx, cfg, logger)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return srv, logs
}

// dialWS connects to /ws once the hub runs (it answers 503 until then).
func dialWS(t *testing.T, d *websocket.Dialer, url string) *websocket.Conn {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; {
		c, resp, err := d.Dial(url, nil)
		if err == nil {
			return c
		}
		if resp == nil || resp.StatusCode != http.StatusServiceUnavailable || time.Now().After(deadline) {
			t.Fatalf("dial %s: %v", url, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// stalledBody starts a POST whose body stops after one byte of the 1,000
// it announces, and returns the connection.
func stalledBody(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_, err = io.WriteString(c, "POST /api/tickets/T-000001/messages HTTP/1.1\r\nHost: x\r\n"+
		"Authorization: Bearer whatever\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// cutOff waits for the server to end a stalled request: it answers and
// closes, or just closes. It returns the status line, if any.
func cutOff(t *testing.T, c net.Conn) string {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(30 * time.Second)) // only so a broken server cannot hang the test
	all, err := io.ReadAll(c)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("a stalled request was not cut off (got %q)", all)
	}
	line, _, _ := strings.Cut(string(all), "\r\n")
	return line
}

func TestSlowClientsCutOffOthersServed(t *testing.T) {
	// The API's own timeout is 10 s and answers 503; the read timeout must
	// end a stalled body long before, and without that answer.
	srv, _ := startServe(t, []string{"-addr", "127.0.0.1:0", "-read-timeout", "300ms"}, nil)
	var stalled []net.Conn
	for range 50 {
		stalled = append(stalled, stalledBody(t, srv.Addr()))
	}
	// A client that sends its headers a byte at a time is cut off too.
	slowHeader, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer slowHeader.Close()
	if _, err := io.WriteString(slowHeader, "GET /healthz HTTP/1.1\r\nHo"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + srv.Addr() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("healthz while 50 clients stall: %d", resp.StatusCode)
	}
	for i, c := range stalled {
		if line := cutOff(t, c); strings.Contains(line, "503") {
			t.Fatalf("stalled client %d was answered by the API timeout (%q), not cut off by the read timeout", i, line)
		}
	}
	cutOff(t, slowHeader)
}

func TestWebSocketOutlivesReadTimeout(t *testing.T) {
	srv, _ := startServe(t, []string{"-addr", "127.0.0.1:0", "-read-timeout", "200ms"}, nil)
	conn := dialWS(t, &websocket.Dialer{HandshakeTimeout: 5 * time.Second}, "ws://"+srv.Addr()+"/ws")
	defer conn.Close()
	frames := make(chan map[string]any, 64)
	go func() {
		defer close(frames)
		for {
			var f map[string]any
			if err := conn.ReadJSON(&f); err != nil {
				return
			}
			frames <- f
		}
	}()
	next := func() map[string]any {
		t.Helper()
		select {
		case f, ok := <-frames:
			if !ok {
				t.Fatal("the WebSocket connection closed")
			}
			return f
		case <-time.After(10 * time.Second):
			t.Fatal("no frame")
		}
		return nil
	}
	if f := next(); f["type"] != "session" {
		t.Fatalf("first frame %v", f)
	}
	for f := next(); f["type"] != "message"; f = next() { // the greeting
	}
	// A request started now is cut off by the read timeout, so once it is,
	// more than the read timeout has passed since the WebSocket opened.
	cutOff(t, stalledBody(t, srv.Addr()))
	_ = conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if err := conn.WriteJSON(map[string]string{"type": "message", "text": "my withdrawal failed"}); err != nil {
		t.Fatalf("writing after the read timeout: %v", err)
	}
	for f := next(); f["type"] != "message"; f = next() {
		if f["type"] == "error" {
			t.Fatalf("refused: %v", f)
		}
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key to dir.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "triagebot test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func TestTLS(t *testing.T) {
	cert, key, pool := selfSigned(t, t.TempDir())
	srv, logs := startServe(t, []string{"-addr", "127.0.0.1:0", "-tls-cert", cert, "-tls-key", key}, nil)
	tlsConf := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsConf}, Timeout: 10 * time.Second}
	resp, err := client.Get("https://" + srv.Addr() + "/healthz")
	if err != nil {
		t.Fatalf("HTTPS: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.TLS == nil {
		t.Fatalf("HTTPS healthz: %d, tls %v", resp.StatusCode, resp.TLS != nil)
	}
	conn := dialWS(t, &websocket.Dialer{TLSClientConfig: tlsConf, HandshakeTimeout: 5 * time.Second}, "wss://"+srv.Addr()+"/ws")
	var f map[string]any
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if err := conn.ReadJSON(&f); err != nil || f["type"] != "session" {
		t.Fatalf("wss: %v %v", f, err)
	}
	conn.Close()
	// Plain HTTP to the TLS port gets nothing useful.
	if resp, err := http.Get("http://" + srv.Addr() + "/healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Error("plain HTTP answered 200 on the TLS port")
		}
	}
	if !strings.Contains(logs.String(), "tls=true") {
		t.Errorf("start log does not say TLS is on:\n%s", logs)
	}
}

func TestMetricsExposure(t *testing.T) {
	get := func(t *testing.T, url, token string) int {
		t.Helper()
		req, _ := http.NewRequest("GET", url, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	t.Run("loopback: open as before", func(t *testing.T) {
		srv, logs := startServe(t, []string{"-addr", "127.0.0.1:0"}, nil)
		if c := get(t, "http://"+srv.Addr()+"/metrics", ""); c != 200 {
			t.Errorf("/metrics: %d", c)
		}
		if strings.Contains(logs.String(), "without TLS") {
			t.Error("warned about TLS on loopback")
		}
	})
	t.Run("non-loopback: off, with warnings", func(t *testing.T) {
		srv, logs := startServe(t, []string{"-addr", "0.0.0.0:0"}, nil)
		_, port, _ := net.SplitHostPort(srv.Addr())
		if c := get(t, "http://127.0.0.1:"+port+"/metrics", ""); c != 404 {
			t.Errorf("/metrics: %d, want 404", c)
		}
		for _, w := range []string{"/metrics is off", "without TLS"} {
			if !strings.Contains(logs.String(), w) {
				t.Errorf("no warning %q in:\n%s", w, logs)
			}
		}
	})
	t.Run("token", func(t *testing.T) {
		dir := t.TempDir()
		file := filepath.Join(dir, "metrics-token")
		if err := os.WriteFile(file, []byte("s3cret\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		srv, _ := startServe(t, []string{"-addr", "0.0.0.0:0", "-metrics-token-file", file}, nil)
		_, port, _ := net.SplitHostPort(srv.Addr())
		url := "http://127.0.0.1:" + port + "/metrics"
		if c := get(t, url, ""); c != 401 {
			t.Errorf("without the token: %d, want 401", c)
		}
		if c := get(t, url, "s3cret"); c != 200 {
			t.Errorf("with the token: %d, want 200", c)
		}
	})
	t.Run("separate address", func(t *testing.T) {
		srv, _ := startServe(t, []string{"-addr", "127.0.0.1:0", "-metrics-addr", "127.0.0.1:0"}, map[string]string{"TRIAGEBOT_METRICS_TOKEN": "env-token"})
		if c := get(t, "http://"+srv.Addr()+"/metrics", "env-token"); c != 404 {
			t.Errorf("/metrics on -addr: %d, want 404", c)
		}
		if c := get(t, "http://"+srv.MetricsAddr()+"/metrics", "env-token"); c != 200 {
			t.Errorf("/metrics on -metrics-addr: %d, want 200", c)
		}
		if c := get(t, "http://"+srv.MetricsAddr()+"/metrics", ""); c != 401 {
			t.Errorf("/metrics on -metrics-addr without the token: %d, want 401", c)
		}
		if c := get(t, "http://"+srv.MetricsAddr()+"/healthz", ""); c != 404 {
			t.Errorf("-metrics-addr serves more than /metrics: %d", c)
		}
	})
}
