package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/redis/go-redis/extra/redisotel/v9"
	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/trace"

	"github.com/tokenmint/tokenmint/httpapi"
	"github.com/tokenmint/tokenmint/tracing"
)

// tracingFlushTimeout bounds the export of the last spans on Close.
const tracingFlushTimeout = 5 * time.Second

// setupTracing picks the tracer provider: the caller's, or the one the
// OTEL_* environment variables describe (none unless they ask). With one,
// log lines written with a request's context carry its trace and span
// IDs.
func (s *Server) setupTracing(ctx context.Context, tp trace.TracerProvider) error {
	if tp == nil {
		p, err := tracing.Setup(ctx)
		if err != nil {
			return err
		}
		s.tracing, tp = p, p.TracerProvider()
		if p.Enabled() {
			s.log.Info("tracing on", "exporter", p.Exporter, "protocol", p.Protocol)
		}
	}
	if tp == nil {
		return nil
	}
	s.tp = tp
	s.log = slog.New(tracing.LogHandler(s.log.Handler()))
	return nil
}

// shutdownTracing exports the spans still queued, when the server set
// tracing up itself.
func (s *Server) shutdownTracing() error {
	ctx, cancel := context.WithTimeout(context.Background(), tracingFlushTimeout)
	defer cancel()
	return s.tracing.Shutdown(ctx)
}

// traced puts a listener's handler behind the span of each request
// (package tracing): W3C trace context is honoured from the trusted
// proxies only. Without tracing it returns h itself.
func (s *Server) traced(h http.Handler) http.Handler {
	trusted := s.cfg.TrustedProxyPrefixes()
	return tracing.Middleware(s.tp, tracing.HTTPOptions{
		TrustedProxies: trusted,
		ClientIP:       func(r *http.Request) string { return httpapi.ClientIP(r, trusted) },
	}, h)
}

// traceRedis makes a span of each Redis command (go-redis's own hook),
// without its arguments: rate-limit keys hold client IPs and IDs.
func traceRedis(c *redis.Client, tp trace.TracerProvider) error {
	if tp == nil {
		return nil
	}
	if err := redisotel.InstrumentTracing(c, redisotel.WithTracerProvider(tp), redisotel.WithDBStatement(false)); err != nil {
		return fmt.Errorf("redis tracing: %w", err)
	}
	return nil
}
