package tracing

import (
	"net"
	"net/http"
	"net/netip"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// scope is the instrumentation scope of the spans this package makes.
const scope = "github.com/tokenmint/tokenmint/tracing"

// HTTPOptions configure Middleware.
type HTTPOptions struct {
	// TrustedProxies are the peers whose W3C trace context (traceparent,
	// tracestate) is honoured: a request from any other peer starts a new
	// trace, so that no client can choose the trace its requests join or
	// force them sampled.
	TrustedProxies []netip.Prefix
	// ClientIP, when set, gives the client.address attribute (the
	// trusted-proxy rules of the server).
	ClientIP func(*http.Request) string
}

// Middleware records a server span for each request, named after the
// route pattern that served it ("POST /oauth2/token"), or the method
// alone when no route did. It must be the outermost handler, around the
// ServeMux, which sets the request's Pattern. With tp nil it returns next
// itself: no span, no cost.
func Middleware(tp trace.TracerProvider, opts HTTPOptions, next http.Handler) http.Handler {
	if tp == nil {
		return next
	}
	tr := tp.Tracer(scope)
	prop := propagation.TraceContext{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		start := []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindServer)}
		if peerTrusted(r.RemoteAddr, opts.TrustedProxies) {
			ctx = prop.Extract(ctx, propagation.HeaderCarrier(r.Header))
		} else {
			start = append(start, trace.WithNewRoot())
		}
		ctx, span := tr.Start(ctx, r.Method, start...)
		defer span.End()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		r = r.WithContext(ctx)
		next.ServeHTTP(sw, r)
		finish(span, r, sw.status, opts)
	})
}

// finish names the span after the route and records the outcome. A 5xx
// is an error of the server's; a 4xx is the client's (the OpenTelemetry
// HTTP conventions leave server spans unset for them).
func finish(span trace.Span, r *http.Request, status int, opts HTTPOptions) {
	if !span.IsRecording() {
		return
	}
	attrs := []attribute.KeyValue{
		semconv.HTTPRequestMethodKey.String(r.Method),
		semconv.HTTPResponseStatusCode(status),
	}
	if route := routeOf(r.Pattern); route != "" {
		span.SetName(r.Method + " " + route)
		attrs = append(attrs, semconv.HTTPRoute(route))
	}
	if opts.ClientIP != nil {
		attrs = append(attrs, semconv.ClientAddress(opts.ClientIP(r)))
	}
	span.SetAttributes(attrs...)
	if status >= 500 {
		span.SetStatus(codes.Error, http.StatusText(status))
	}
}

// routeOf is the path of a ServeMux pattern ("POST /oauth2/token" →
// "/oauth2/token"), "" for none or the catch-all "/" (the JSON 404/405).
func routeOf(pattern string) string {
	if i := strings.IndexByte(pattern, '/'); i >= 0 {
		pattern = pattern[i:]
	} else {
		return ""
	}
	if pattern == "/" {
		return ""
	}
	return pattern
}

// peerTrusted reports whether the TCP peer is one of the trusted proxies.
func peerTrusted(remote string, trusted []netip.Prefix) bool {
	if len(trusted) == 0 {
		return false
	}
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// statusWriter remembers the status code written.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote && code >= 200 {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer
// (flushes, deadlines).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
