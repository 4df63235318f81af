package ws

import (
	"net/http"
	"net/url"
	"strings"
)

// originPolicy decides which browser pages may open a connection. Requests
// without an Origin header come from programs, not browsers, and cannot be
// used for cross-site WebSocket hijacking, so they are let in.
type originPolicy struct {
	any   bool            // "*" was configured
	hosts map[string]bool // "host[:port]" lowercased, any scheme
	full  map[string]bool // "scheme://host[:port]" lowercased
}

// newOriginPolicy reads the allow-list: each entry is "*", a full origin
// ("https://shop.example.com") or a bare host ("shop.example.com:8443").
func newOriginPolicy(origins []string) originPolicy {
	p := originPolicy{hosts: map[string]bool{}, full: map[string]bool{}}
	for _, o := range origins {
		o = strings.ToLower(strings.TrimRight(strings.TrimSpace(o), "/"))
		switch {
		case o == "":
		case o == "*":
			p.any = true
		case strings.Contains(o, "://"):
			p.full[o] = true
		default:
			p.hosts[o] = true
		}
	}
	return p
}

// allow is the Upgrader's CheckOrigin: same origin (Origin's host equals
// the Host the request came to) or listed.
func (p originPolicy) allow(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	if p.any {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false // includes the opaque "null" origin of sandboxed pages
	}
	host := strings.ToLower(u.Host)
	if strings.EqualFold(host, r.Host) {
		return true
	}
	return p.hosts[host] || p.full[strings.ToLower(u.Scheme)+"://"+host]
}
