package main

// The edge of serve: HTTP timeouts, abuse limits, metrics exposure and TLS
// (issue 12). Its flags are kept here, apart from the others in config.go.

import (
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"math"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/triagebot/triagebot/bot/ws"
)

// EdgeConfig is serve's edge: limits, metrics exposure, TLS.
type EdgeConfig struct {
	ReadTimeout    string
	IdleTimeout    string
	FrameLimit     string // "N/D": a conversation's frames
	IPConnLimit    string // "N/D": one address's WebSocket handshakes
	IPSessionLimit string // "N/D": one address's new conversations
	IPMaxConns     string
	TrustedProxies string
	IPLimitExempt  string
	MetricsAddr    string
	// MetricsToken comes from the environment or MetricsTokenFile, never
	// from a flag: a flag's value is visible to every user of the machine.
	MetricsToken     string
	MetricsTokenFile string
	TLSCert, TLSKey  string

	// Set by validate.
	readTimeout, idleTimeout time.Duration
	wsLimits                 ws.Limits
	trusted, exempt          []netip.Prefix
	tlsCert                  *tls.Certificate
}

// Defaults of the edge.
const (
	defaultReadTimeout = "30s"
	defaultIdleTimeout = "2m"
	// readHeaderTimeout bounds the request line and headers (at most the
	// read timeout): the slow-header attack gets no further than this.
	readHeaderTimeout = 10 * time.Second
	// writeTimeout bounds writing an answer to a client that does not read
	// it. The backup extends its own deadline; a WebSocket connection's
	// deadlines are cleared at the upgrade and kept by the hub.
	writeTimeout = 2 * time.Minute
	// maxHeaderBytes bounds the request headers (Go's default is 1 MiB).
	maxHeaderBytes = 64 << 10
	defaultExempt  = "127.0.0.0/8,::1/128"
)

func edgeFlags(fs *flag.FlagSet, e *EdgeConfig, getenv func(string) string) {
	fs.StringVar(&e.ReadTimeout, "read-timeout", env(getenv, "TRIAGEBOT_READ_TIMEOUT", defaultReadTimeout), "longest time to read one HTTP request, body included (env TRIAGEBOT_READ_TIMEOUT)")
	fs.StringVar(&e.IdleTimeout, "idle-timeout", env(getenv, "TRIAGEBOT_IDLE_TIMEOUT", defaultIdleTimeout), "how long an idle keep-alive HTTP connection stays open (env TRIAGEBOT_IDLE_TIMEOUT)")
	fs.StringVar(&e.FrameLimit, "frame-limit", env(getenv, "TRIAGEBOT_FRAME_LIMIT", "20/2s"), "WebSocket frames per conversation, N/DURATION (a burst of N, refilled over DURATION), or off; kept across reconnects (env TRIAGEBOT_FRAME_LIMIT)")
	fs.StringVar(&e.IPConnLimit, "ip-conn-limit", env(getenv, "TRIAGEBOT_IP_CONN_LIMIT", "60/1m"), "WebSocket handshakes per client address, N/DURATION or off (env TRIAGEBOT_IP_CONN_LIMIT)")
	fs.StringVar(&e.IPSessionLimit, "ip-session-limit", env(getenv, "TRIAGEBOT_IP_SESSION_LIMIT", "20/1m"), "new conversations per client address, N/DURATION or off (env TRIAGEBOT_IP_SESSION_LIMIT)")
	fs.StringVar(&e.IPMaxConns, "ip-max-conns", env(getenv, "TRIAGEBOT_IP_MAX_CONNS", "100"), "open WebSocket connections per client address; 0: no cap (env TRIAGEBOT_IP_MAX_CONNS)")
	fs.StringVar(&e.TrustedProxies, "trusted-proxies", env(getenv, "TRIAGEBOT_TRUSTED_PROXIES", ""), "comma-separated CIDRs of proxies whose X-Forwarded-For gives the client address (env TRIAGEBOT_TRUSTED_PROXIES)")
	fs.StringVar(&e.IPLimitExempt, "ip-limit-exempt", env(getenv, "TRIAGEBOT_IP_LIMIT_EXEMPT", defaultExempt), "comma-separated CIDRs of client addresses the per-address limits skip; \"\" for none (env TRIAGEBOT_IP_LIMIT_EXEMPT)")
	fs.StringVar(&e.MetricsAddr, "metrics-addr", env(getenv, "TRIAGEBOT_METRICS_ADDR", ""), "serve /metrics on this host:port only, not on -addr (env TRIAGEBOT_METRICS_ADDR)")
	fs.StringVar(&e.MetricsTokenFile, "metrics-token-file", env(getenv, "TRIAGEBOT_METRICS_TOKEN_FILE", ""), "file holding the bearer token /metrics asks for (or env TRIAGEBOT_METRICS_TOKEN)")
	fs.StringVar(&e.TLSCert, "tls-cert", env(getenv, "TRIAGEBOT_TLS_CERT", ""), "PEM certificate (chain) to serve HTTPS and WSS; needs -tls-key (env TRIAGEBOT_TLS_CERT)")
	fs.StringVar(&e.TLSKey, "tls-key", env(getenv, "TRIAGEBOT_TLS_KEY", ""), "PEM private key of -tls-cert (env TRIAGEBOT_TLS_KEY)")
	e.MetricsToken = getenv("TRIAGEBOT_METRICS_TOKEN")
}

// validate checks the edge and fills its derived fields; each error names
// its flag.
func (e *EdgeConfig) validate() []error {
	var errs []error
	dur := func(flag, v string, dst *time.Duration) {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("%s: %q is not a positive duration like 30s", flag, v))
		}
		*dst = d
	}
	dur("-read-timeout", e.ReadTimeout, &e.readTimeout)
	dur("-idle-timeout", e.IdleTimeout, &e.idleTimeout)

	l := &e.wsLimits
	for _, r := range []struct {
		flag, v string
		rate    *float64
		burst   *int
	}{
		{"-frame-limit", e.FrameLimit, &l.Rate, &l.Burst},
		{"-ip-conn-limit", e.IPConnLimit, &l.IPConnRate, &l.IPConnBurst},
		{"-ip-session-limit", e.IPSessionLimit, &l.IPSessionRate, &l.IPSessionBurst},
	} {
		rate, burst, err := parseRate(r.v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", r.flag, err))
		}
		*r.rate, *r.burst = rate, burst
	}
	if n, err := strconv.Atoi(e.IPMaxConns); err != nil || n < 0 {
		errs = append(errs, fmt.Errorf("-ip-max-conns: %q is not a count (0 for no cap)", e.IPMaxConns))
	} else if n == 0 {
		l.IPMaxConns = -1
	} else {
		l.IPMaxConns = n
	}
	var err error
	if e.trusted, err = parsePrefixes(e.TrustedProxies); err != nil {
		errs = append(errs, fmt.Errorf("-trusted-proxies: %w", err))
	}
	if e.exempt, err = parsePrefixes(e.IPLimitExempt); err != nil {
		errs = append(errs, fmt.Errorf("-ip-limit-exempt: %w", err))
	}

	if e.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(e.MetricsAddr); err != nil {
			errs = append(errs, fmt.Errorf("-metrics-addr: %q is not host:port", e.MetricsAddr))
		}
	}
	if e.MetricsTokenFile != "" {
		if e.MetricsToken != "" {
			errs = append(errs, errors.New("-metrics-token-file: TRIAGEBOT_METRICS_TOKEN is set too; use one"))
		}
		tok, err := readTokenFile(e.MetricsTokenFile)
		if err != nil {
			errs = append(errs, fmt.Errorf("-metrics-token-file: %w", err))
		}
		e.MetricsToken = tok
	}

	switch {
	case (e.TLSCert == "") != (e.TLSKey == ""):
		errs = append(errs, errors.New("-tls-cert and -tls-key: give both or neither"))
	case e.TLSCert != "":
		cert, err := tls.LoadX509KeyPair(e.TLSCert, e.TLSKey)
		if err != nil {
			errs = append(errs, fmt.Errorf("-tls-cert/-tls-key: %w", err))
		} else {
			e.tlsCert = &cert
		}
	}
	return errs
}

// parseRate reads "N/DURATION" (a burst of N, refilled at N per DURATION)
// or "off".
func parseRate(s string) (perSecond float64, burst int, err error) {
	if strings.TrimSpace(s) == "off" {
		return math.Inf(1), 1, nil
	}
	n, d, ok := strings.Cut(s, "/")
	count, cerr := strconv.Atoi(strings.TrimSpace(n))
	per, derr := time.ParseDuration(strings.TrimSpace(d))
	if !ok || cerr != nil || derr != nil || count < 1 || per <= 0 {
		return 0, 0, fmt.Errorf("%q is not N/DURATION (like 20/1m) or off", s)
	}
	return float64(count) / per.Seconds(), count, nil
}

// parsePrefixes reads comma-separated CIDRs; a bare address is a /32 or /128.
func parsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		if strings.Contains(f, "/") {
			p, err := netip.ParsePrefix(f)
			if err != nil {
				return nil, fmt.Errorf("%q is not a CIDR like 10.0.0.0/8", f)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not an address or a CIDR", f)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// readTokenFile reads a secret from a file: the first line, trimmed.
func readTokenFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	tok := strings.TrimSpace(line)
	if tok == "" {
		return "", fmt.Errorf("%s: empty", path)
	}
	return tok, nil
}

// loopback reports whether addr (host:port) listens on loopback only. An
// empty host or a name other than localhost may be reached from outside.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}
