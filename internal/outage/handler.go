package outage

import (
	"context"
	"log/slog"
)

// Route hands a Reporter the warnings Match says are about its
// dependency: Match is asked of each attribute of a record at
// slog.LevelWarn or above, and one true is enough.
type Route struct {
	Reporter *Reporter
	Match    func(slog.Attr) bool
}

// Handler is a slog.Handler that passes every record to next but the
// warnings and errors a Route matches, which go to the route's Reporter.
type Handler struct {
	next   slog.Handler
	routes []Route
}

// NewHandler returns a Handler in front of next.
func NewHandler(next slog.Handler, routes ...Route) *Handler {
	return &Handler{next: next, routes: routes}
}

// Enabled implements slog.Handler.
func (h *Handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

// Handle implements slog.Handler.
func (h *Handler) Handle(ctx context.Context, rec slog.Record) error {
	if rec.Level >= slog.LevelWarn {
		if r := h.route(rec); r != nil {
			return r.Failed(ctx, rec)
		}
	}
	return h.next.Handle(ctx, rec)
}

func (h *Handler) route(rec slog.Record) *Reporter {
	var found *Reporter
	rec.Attrs(func(a slog.Attr) bool {
		for _, rt := range h.routes {
			if rt.Match(a) {
				found = rt.Reporter
				return false
			}
		}
		return true
	})
	return found
}

// WithAttrs implements slog.Handler.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &Handler{next: h.next.WithAttrs(attrs), routes: h.routes}
}

// WithGroup implements slog.Handler.
func (h *Handler) WithGroup(name string) slog.Handler {
	return &Handler{next: h.next.WithGroup(name), routes: h.routes}
}
