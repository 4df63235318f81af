package telegram

import (
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/triagebot/triagebot/internal/promreg"
)

// metrics are the channel's Prometheus series.
type metrics struct {
	noticesSent   prometheus.Counter
	noticeFails   *prometheus.CounterVec // by outcome: retry (kept) or dropped
	noticesQueued prometheus.Gauge
	leader        prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer, log *slog.Logger) *metrics {
	m := &metrics{
		noticesSent: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "triagebot_telegram_notices_sent_total", Help: "Notices the agent chat received."}),
		noticeFails: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "triagebot_telegram_notice_failures_total",
			Help: "Failed sends of agent notices: retry (kept, tried again later) or dropped (Telegram refused it)."},
			[]string{"outcome"}),
		noticesQueued: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "triagebot_telegram_notices_pending", Help: "Agent notices stored and not yet sent (at the last look)."}),
		leader: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "triagebot_telegram_leader", Help: "1 while this process polls Telegram and sends its messages (the one replica holding the lease), else 0."}),
	}
	m.noticesSent = promreg.Register(reg, m.noticesSent, log)
	m.noticeFails = promreg.Register(reg, m.noticeFails, log)
	m.noticesQueued = promreg.Register(reg, m.noticesQueued, log)
	m.leader = promreg.Register(reg, m.leader, log)
	return m
}
