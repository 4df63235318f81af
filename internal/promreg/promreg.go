// Package promreg registers Prometheus collectors the way every part of
// triagebot wants: a part started twice on one registry (tests, a restart
// inside one process) shares the series instead of failing.
package promreg

import (
	"errors"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/triagebot/triagebot/internal/logs"
)

// Register adds c to reg and returns it, or returns the collector of the
// same type already registered under its name. A nil reg leaves c
// unregistered (tests, command-line tools). Any other failure is logged
// (a nil log is logs.Or's default) and c is returned unregistered (it still
// counts, unseen): metrics never stop the product.
func Register[C prometheus.Collector](reg prometheus.Registerer, c C, log *slog.Logger) C {
	if reg == nil {
		return c
	}
	err := reg.Register(c)
	if err == nil {
		return c
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing
		}
	}
	logs.Or(log).Error("registering a metric", "err", err)
	return c
}
