package web

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"
)

// static holds the widget, the console and embed.js: plain files, no build
// step, nothing loaded from elsewhere (the pages must work offline).
//
//go:embed static
var static embed.FS

// staticFS is static without its top folder, as served under /static/.
var staticFS = must(fs.Sub(static, "static"))

func must[T any](v T, err error) T {
	if err != nil {
		// Only reachable if the embed directive above names a missing
		// folder, which the compiler already refuses.
		panic(err)
	}
	return v
}

// pages mounts the HTML pages and their assets.
func (s *Server) pages(mux *http.ServeMux) {
	mux.Handle("GET /{$}", s.page("widget.html", true))
	mux.Handle("GET /agent", s.page("console.html", false))
	mux.Handle("GET /agent/labels.js", s.handleLabels())
	// The console's own helper call, authenticated like the rest of the API.
	mux.Handle("GET /api/team", s.timeout(s.auth(s.handleTeam)))
	mux.HandleFunc("GET /hours", s.handleHours)
	// A host page that loads embed.js, as a merchant's would (docs/embed.md).
	mux.Handle("GET /embed-example.html", s.page("embed-example.html", false))
	mux.Handle("GET /agent/{$}", http.RedirectHandler("/agent", http.StatusMovedPermanently))
	files := http.FileServerFS(staticFS)
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "" || strings.HasSuffix(r.URL.Path, "/") || strings.HasSuffix(r.URL.Path, ".html") {
			// No directory listings; pages only under their own routes,
			// where they get their headers.
			http.NotFound(w, r)
			return
		}
		assetHeaders(w)
		files.ServeHTTP(w, r)
	})))
	mux.HandleFunc("GET /embed.js", func(w http.ResponseWriter, r *http.Request) {
		assetHeaders(w)
		// Merchants' pages load it from their own origin.
		w.Header().Set("Cross-Origin-Resource-Policy", "cross-origin")
		http.ServeFileFS(w, r, staticFS, "embed.js")
	})
}

// page serves one embedded HTML file with the security headers. The widget
// may be framed by any site (that is what embed.js does); the console never.
func (s *Server) page(name string, frameable bool) http.Handler {
	body, err := fs.ReadFile(staticFS, name)
	if err != nil {
		panic(err) // a missing embedded file is a build mistake, caught by the tests
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		ancestors := "'none'"
		if frameable {
			ancestors = "*"
		} else {
			h.Set("X-Frame-Options", "DENY")
		}
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; "+
			"img-src 'self' blob: data:; connect-src 'self'"+wsSources(r.Host)+"; "+
			"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors "+ancestors)
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		_, _ = w.Write(body)
	})
}

// wsSources names the page's own host under ws: and wss:. CSP Level 3 lets
// 'self' cover them, but older Safari does not, and the widget lives on /ws.
// A Host with characters that could break out of the header adds nothing.
func wsSources(host string) string {
	if host == "" || strings.ContainsAny(host, " ;,'\"\\\r\n\t*") {
		return ""
	}
	return " ws://" + host + " wss://" + host
}

func assetHeaders(w http.ResponseWriter) {
	h := w.Header()
	// Always revalidate: there is no build step to fingerprint file names,
	// and a stale script against a newer server would break the page.
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
}
