package bot

import (
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/triagebot/triagebot/internal/promreg"
	"github.com/triagebot/triagebot/tickets"
)

// metrics are the engine's Prometheus series: what every channel shares,
// so the dashboards count turns whichever channel they came on.
type metrics struct {
	turns    *prometheus.CounterVec   // committed user turns, by channel
	turnTime *prometheus.HistogramVec // Handle's time for a committed turn, classification included
	failed   *prometheus.CounterVec   // turns that did not commit, by channel
}

func newMetrics(reg prometheus.Registerer, log *slog.Logger) *metrics {
	m := &metrics{
		turns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "triagebot_bot_turns_total", Help: "User turns the engine committed (a message or a file), by channel."},
			[]string{"channel"}),
		turnTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "triagebot_bot_turn_seconds", Help: "Time from a user turn's arrival at the engine to its commit, classification included, by channel.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 15}},
			[]string{"channel"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "triagebot_bot_turns_failed_total", Help: "User turns that did not commit (refused upload, store failure, cancelled), by channel."},
			[]string{"channel"}),
	}
	m.turns = promreg.Register(reg, m.turns, log)
	m.turnTime = promreg.Register(reg, m.turnTime, log)
	m.failed = promreg.Register(reg, m.failed, log)
	// Every channel's series exists from the start, at zero, so a rate or
	// an alert on failures works before the first one happens.
	for _, ch := range []tickets.Channel{tickets.Web, tickets.Telegram} {
		m.turns.WithLabelValues(string(ch))
		m.failed.WithLabelValues(string(ch))
	}
	return m
}
