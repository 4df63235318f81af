package intents

import (
	"context"
	"fmt"
	"log/slog"
)

// MaskLogs wraps h so that every log line goes through Mask: the message,
// string attributes, errors (which often quote what the user sent) and
// anything else that prints as text. A log line is stored text too, and the
// code that logs cannot always know that a value came from a user.
func MaskLogs(h slog.Handler) slog.Handler { return maskHandler{h} }

type maskHandler struct{ inner slog.Handler }

func (m maskHandler) Enabled(ctx context.Context, l slog.Level) bool { return m.inner.Enabled(ctx, l) }

func (m maskHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, Mask(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(maskAttr(a))
		return true
	})
	return m.inner.Handle(ctx, out)
}

func (m maskHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	masked := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		masked[i] = maskAttr(a)
	}
	return maskHandler{m.inner.WithAttrs(masked)}
}

func (m maskHandler) WithGroup(name string) slog.Handler { return maskHandler{m.inner.WithGroup(name)} }

// maskAttr masks one attribute's value. Numbers, times and the like print
// no secret worth a scan; anything that prints as text is masked.
func maskAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, Mask(v.String()))
	case slog.KindGroup:
		group := v.Group()
		masked := make([]any, len(group))
		for i, g := range group {
			masked[i] = maskAttr(g)
		}
		return slog.Group(a.Key, masked...)
	case slog.KindAny:
		var text string
		switch x := v.Any().(type) {
		case error:
			text = x.Error()
		case fmt.Stringer:
			text = x.String()
		case []byte:
			text = string(x)
		default:
			text = fmt.Sprint(x)
		}
		if masked := Mask(text); masked != text {
			return slog.String(a.Key, masked)
		}
		return slog.Attr{Key: a.Key, Value: v}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
