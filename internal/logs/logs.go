// Package logs holds the one default every part of triagebot takes for a
// nil Config.Logger, so the parts cannot disagree about where an
// unconfigured part's lines go.
package logs

import "log/slog"

// Or returns l, or slog.Default() when l is nil. The process's default
// logger rather than a discard: a part built without a logger still reports
// its failures somewhere someone may read them. Tests that want quiet pass
// slog.New(slog.DiscardHandler).
func Or(l *slog.Logger) *slog.Logger {
	if l != nil {
		return l
	}
	return slog.Default()
}
