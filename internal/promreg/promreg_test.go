package promreg

import (
	"io"
	"log/slog"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func TestRegisterSharesTheSeries(t *testing.T) {
	reg := prometheus.NewRegistry()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	opts := prometheus.CounterOpts{Name: "x_total", Help: "x"}
	a := Register(reg, prometheus.NewCounter(opts), log)
	b := Register(reg, prometheus.NewCounter(opts), log)
	if a != b {
		t.Fatal("a second registration got a new counter, not the registered one")
	}
	// Same name, another type: the new collector comes back, unregistered.
	g := Register(reg, prometheus.NewGauge(prometheus.GaugeOpts{Name: "x_total", Help: "x"}), log)
	g.Set(1)
	a.Inc()
	mfs, err := reg.Gather()
	if err != nil || len(mfs) != 1 || mfs[0].GetMetric()[0].GetCounter().GetValue() != 1 {
		t.Fatalf("gathered %v, %v", mfs, err)
	}
}

func TestRegisterWithoutRegistry(t *testing.T) {
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "y_total", Help: "y"})
	if got := Register(nil, c, nil); got != c {
		t.Fatal("a nil registry did not give the collector back")
	}
	c.Inc() // still counts, unseen
}
