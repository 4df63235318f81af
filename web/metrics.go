package web

import (
	"bufio"
	"context"
	"crypto/subtle"
	"fmt"
	"github.com/triagebot/triagebot/internal/promreg"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/triagebot/triagebot/tickets"
)

// httpMetrics counts and times requests by route pattern (never by raw
// path: ticket ids would make the label set unbounded).
type httpMetrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newHTTPMetrics(reg prometheus.Registerer, log *slog.Logger) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "triagebot_http_requests_total",
			Help: "HTTP requests answered, by route pattern and status code.",
		}, []string{"route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "triagebot_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route"}),
	}
	m.requests = promreg.Register(reg, m.requests, log)
	m.latency = promreg.Register(reg, m.latency, log)
	return m
}

// wrap records every request that h answers.
func (m *httpMetrics) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		// Deferred so an aborted handler (a backup cut mid-stream) is counted too.
		defer func() {
			// The mux stored the matched pattern in r; unmatched paths share one label.
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			code := rec.status
			if code == 0 {
				code = http.StatusOK
			}
			m.requests.WithLabelValues(route, strconv.Itoa(code)).Inc()
			m.latency.WithLabelValues(route).Observe(time.Since(start).Seconds())
		}()
		h.ServeHTTP(rec, r)
	})
}

// statusRecorder remembers the status code. It passes Flush and Hijack on
// and unwraps for http.ResponseController, so streaming answers (the backup)
// and deadline changes keep working through it.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (r *statusRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := r.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, fmt.Errorf("web: %T cannot be hijacked: %w", r.ResponseWriter, http.ErrNotSupported)
	}
	return h.Hijack()
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// ticketCollector reports how many tickets there are by status, queue and
// priority, read from the store at scrape time so it can never drift from
// the truth the way a gauge updated on every change could.
type ticketCollector struct {
	store tickets.Store
	desc  *prometheus.Desc
}

func (c *ticketCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *ticketCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), metricsTimeout)
	defer cancel()
	var counts map[tickets.TicketKey]int
	err := c.store.View(ctx, func(tx tickets.Tx) error {
		var err error
		counts, err = tx.CountTickets()
		return err
	})
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, fmt.Errorf("count tickets: %w", err))
		return
	}
	for k, n := range counts {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n),
			string(k.Status), k.Queue, string(k.Priority))
	}
}

func (s *Server) registerTicketCollector() {
	promreg.Register[prometheus.Collector](s.reg, &ticketCollector{
		store: s.store,
		desc: prometheus.NewDesc("triagebot_tickets",
			"Tickets in the store, by status, queue and priority.",
			[]string{"status", "queue", "priority"}, nil),
	}, s.log)
}

// MetricsHandler exposes the registry, behind Config.MetricsToken when one
// is set; serve mounts it on -metrics-addr. A failing collector (the store
// did not answer) leaves its series out instead of failing the whole scrape.
func (s *Server) MetricsHandler() http.Handler {
	h := promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(s.log.Handler(), slog.LevelError),
		ErrorHandling: promhttp.ContinueOnError,
		Timeout:       metricsTimeout,
	})
	if s.metricsToken == "" {
		return h
	}
	want := []byte(s.metricsToken)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ := bearer(r)
		// Constant time: a scrape token is a secret like an agent's.
		if subtle.ConstantTimeCompare([]byte(got), want) != 1 {
			s.unauthorized(w, "/metrics needs the metrics token")
			return
		}
		h.ServeHTTP(w, r)
	})
}
