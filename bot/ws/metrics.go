package ws

import (
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/triagebot/triagebot/internal/promreg"
)

// metrics are the channel's Prometheus series.
type metrics struct {
	open      prometheus.Gauge
	framesIn  *prometheus.CounterVec // by client frame type
	framesOut *prometheus.CounterVec // by server frame type
	refused   *prometheus.CounterVec // error frames, by code
	dropped   prometheus.Counter     // connections closed because the client did not keep up
	limited   *prometheus.CounterVec // handshakes and new conversations refused by the per-address limits
	coalesced prometheus.Counter     // error frames folded into a later one
}

func newMetrics(reg prometheus.Registerer, log *slog.Logger) *metrics {
	m := &metrics{
		open: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "triagebot_ws_connections", Help: "Open WebSocket connections."}),
		framesIn: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "triagebot_ws_frames_received_total", Help: "Frames received from WebSocket clients, by type."},
			[]string{"type"}),
		framesOut: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "triagebot_ws_frames_sent_total", Help: "Frames sent to WebSocket clients, by type."},
			[]string{"type"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "triagebot_ws_errors_total", Help: "Error frames sent to WebSocket clients, by code."},
			[]string{"code"}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "triagebot_ws_slow_clients_total", Help: "WebSocket connections closed because the client did not keep up."}),
		limited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "triagebot_ws_address_limited_total", Help: "WebSocket handshakes and new conversations refused by the per-address limits, by reason."},
			[]string{"reason"}),
		coalesced: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "triagebot_ws_errors_coalesced_total", Help: "Error frames folded into a later one because the client sent refused frames faster than they could be answered."}),
	}
	// A second hub on the same registry (tests, a restart inside one
	// process) shares the series instead of failing.
	m.open = promreg.Register(reg, m.open, log)
	m.framesIn = promreg.Register(reg, m.framesIn, log)
	m.framesOut = promreg.Register(reg, m.framesOut, log)
	m.refused = promreg.Register(reg, m.refused, log)
	m.dropped = promreg.Register(reg, m.dropped, log)
	m.limited = promreg.Register(reg, m.limited, log)
	m.coalesced = promreg.Register(reg, m.coalesced, log)
	return m
}

// frameType labels a client frame for the counter; anything unknown is
// "other" so a client cannot grow the label set.
func frameType(t string) string {
	switch t {
	case typeMessage, typeAttachment, typeAck:
		return t
	}
	return "other"
}
