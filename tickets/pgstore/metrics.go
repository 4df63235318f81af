package pgstore

import (
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the store's own figures; the server registers Collectors.
type metrics struct {
	pool         *poolCollector
	notifyLag    prometheus.Histogram
	reconnects   prometheus.Counter
	hintsDropped prometheus.Counter
	groupSize    prometheus.Histogram
	tailReads    *prometheus.CounterVec
}

func newMetrics(p *pgxpool.Pool) *metrics {
	m := &metrics{
		pool: &poolCollector{pool: p,
			acquired: prometheus.NewDesc("triagebot_pg_pool_acquired_conns", "Connections of the PostgreSQL pool in use.", nil, nil),
			idle:     prometheus.NewDesc("triagebot_pg_pool_idle_conns", "Idle connections of the PostgreSQL pool.", nil, nil),
			total:    prometheus.NewDesc("triagebot_pg_pool_total_conns", "Connections of the PostgreSQL pool.", nil, nil),
			max:      prometheus.NewDesc("triagebot_pg_pool_max_conns", "Size limit of the PostgreSQL pool.", nil, nil),
			acquires: prometheus.NewDesc("triagebot_pg_pool_acquires_total", "Connections taken from the PostgreSQL pool.", nil, nil),
			waits: prometheus.NewDesc("triagebot_pg_pool_empty_acquires_total",
				"Acquires that had to wait for a connection (the pool was busy).", nil, nil),
			waitSecs: prometheus.NewDesc("triagebot_pg_pool_acquire_wait_seconds_total",
				"Time spent waiting for a connection of the PostgreSQL pool.", nil, nil),
		},
		notifyLag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "triagebot_pg_notify_lag_seconds",
			Help:    "From the commit of an outbox message on another replica to this replica's wake-up by NOTIFY.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 5},
		}),
		reconnects: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "triagebot_pg_listener_reconnects_total",
			Help: "Times the LISTEN connection was lost and made again.",
		}),
		groupSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "triagebot_pg_group_commit_calls",
			Help:    "Dialogue turns committed together in one transaction (the group commit).",
			Buckets: []float64{1, 2, 4, 8, 16, 32},
		}),
		tailReads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "triagebot_pg_outbox_tail_total",
			Help: "Outbox reads after a wake-up, by where the messages came from: memory (this replica's own last commit) or database.",
		}, []string{"from"}),
		hintsDropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "triagebot_pg_hints_dropped_total",
			Help: "Hints (an agent typing) not sent to the other replicas: too many waiting, or too large.",
		}),
	}
	for _, from := range []string{"memory", "database"} {
		m.tailReads.WithLabelValues(from) // both series from the start, at 0
	}
	return m
}

// Collectors returns the store's metrics: pool figures, the notify lag,
// listener reconnects, dropped hints, group commit sizes and outbox tail reads.
func (s *Store) Collectors() []prometheus.Collector {
	return []prometheus.Collector{s.metrics.pool, s.metrics.notifyLag, s.metrics.reconnects, s.metrics.hintsDropped, s.metrics.groupSize, s.metrics.tailReads}
}

// poolCollector reads pgxpool's statistics at scrape time.
type poolCollector struct {
	pool                                                  *pgxpool.Pool
	acquired, idle, total, max, acquires, waits, waitSecs *prometheus.Desc
}

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.acquired, c.idle, c.total, c.max, c.acquires, c.waits, c.waitSecs} {
		ch <- d
	}
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.pool.Stat()
	ch <- prometheus.MustNewConstMetric(c.acquired, prometheus.GaugeValue, float64(st.AcquiredConns()))
	ch <- prometheus.MustNewConstMetric(c.idle, prometheus.GaugeValue, float64(st.IdleConns()))
	ch <- prometheus.MustNewConstMetric(c.total, prometheus.GaugeValue, float64(st.TotalConns()))
	ch <- prometheus.MustNewConstMetric(c.max, prometheus.GaugeValue, float64(st.MaxConns()))
	ch <- prometheus.MustNewConstMetric(c.acquires, prometheus.CounterValue, float64(st.AcquireCount()))
	ch <- prometheus.MustNewConstMetric(c.waits, prometheus.CounterValue, float64(st.EmptyAcquireCount()))
	ch <- prometheus.MustNewConstMetric(c.waitSecs, prometheus.CounterValue, st.AcquireDuration().Seconds())
}
