package tracing

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// otelVars are the variables Setup reads to decide; each test clears them.
var otelVars = []string{"OTEL_SDK_DISABLED", "OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT",
	"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"}

func TestSetup(t *testing.T) {
	tests := []struct {
		name     string
		env      map[string]string
		enabled  bool
		protocol string
		err      string // substring of the error, "" for none
	}{
		{"nothing set: off", nil, false, "", ""},
		{"exporter none", map[string]string{"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}, false, "", ""},
		{"exporter otlp", map[string]string{"OTEL_TRACES_EXPORTER": "otlp"}, true, ProtocolHTTP, ""},
		{"an endpoint alone", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}, true, ProtocolHTTP, ""},
		{"a traces endpoint alone", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4318/v1/traces"}, true, ProtocolHTTP, ""},
		{"grpc", map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, true, ProtocolGRPC, ""},
		{"the traces protocol wins", map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/protobuf"}, true, ProtocolHTTP, ""},
		{"sdk disabled", map[string]string{"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "otlp"}, false, "", ""},
		{"sdk not disabled", map[string]string{"OTEL_SDK_DISABLED": "false", "OTEL_TRACES_EXPORTER": "otlp"}, true, ProtocolHTTP, ""},
		{"bad sdk disabled", map[string]string{"OTEL_SDK_DISABLED": "maybe"}, false, "", "OTEL_SDK_DISABLED"},
		{"unsupported exporter", map[string]string{"OTEL_TRACES_EXPORTER": "zipkin"}, false, "", `OTEL_TRACES_EXPORTER="zipkin"`},
		{"unsupported protocol", map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"}, false, "", "OTEL_EXPORTER_OTLP_PROTOCOL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range otelVars {
				t.Setenv(k, tc.env[k])
			}
			p, err := Setup(context.Background())
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want one naming %s", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer p.Shutdown(context.Background())
			if p.Enabled() != tc.enabled || p.Protocol != tc.protocol {
				t.Errorf("enabled %v protocol %q, want %v %q", p.Enabled(), p.Protocol, tc.enabled, tc.protocol)
			}
			if (p.TracerProvider() != nil) != tc.enabled {
				t.Errorf("TracerProvider() = %v with enabled %v", p.TracerProvider(), tc.enabled)
			}
		})
	}
}

// TestOffInstallsNothing: without a provider the middleware and the
// transport are the handler and the round tripper themselves.
func TestOffInstallsNothing(t *testing.T) {
	h := http.NewServeMux()
	if got := Middleware(nil, HTTPOptions{}, h); got != http.Handler(h) {
		t.Error("Middleware(nil) wrapped the handler")
	}
	if got := Transport(nil, http.DefaultTransport); got != http.DefaultTransport {
		t.Error("Transport(nil) wrapped the round tripper")
	}
}

func TestRouteOf(t *testing.T) {
	for pattern, want := range map[string]string{
		"POST /oauth2/token":         "/oauth2/token",
		"/oauth2/userinfo":           "/oauth2/userinfo",
		"GET /admin/v1/clients/{id}": "/admin/v1/clients/{id}",
		"/":                          "",
		"":                           "",
		"GET example.com/x":          "/x",
	} {
		if got := routeOf(pattern); got != want {
			t.Errorf("routeOf(%q) = %q, want %q", pattern, got, want)
		}
	}
}

func TestPeerTrusted(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	for remote, want := range map[string]bool{
		"10.1.2.3:4000":          true,
		"[::ffff:10.1.2.3]:4000": true,
		"[::1]:80":               true,
		"127.0.0.1:80":           false,
		"garbage":                false,
		"":                       false,
		"@":                      false,
	} {
		if got := peerTrusted(remote, trusted); got != want {
			t.Errorf("peerTrusted(%q) = %v, want %v", remote, got, want)
		}
	}
	if peerTrusted("10.1.2.3:4000", nil) {
		t.Error("trusted with no trusted proxies")
	}
}

// TestLogHandler: a record logged with a span's context carries its trace
// and span IDs; one without a span, none.
func TestLogHandler(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(LogHandler(slog.NewJSONHandler(&buf, nil))).With("component", "test")
	tp := sdktrace.NewTracerProvider()
	ctx, span := tp.Tracer("t").Start(context.Background(), "s")
	log.InfoContext(ctx, "inside")
	span.End()
	log.Info("outside")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines: %q", len(lines), buf.String())
	}
	var in, out map[string]any
	json.Unmarshal([]byte(lines[0]), &in)
	json.Unmarshal([]byte(lines[1]), &out)
	sc := span.SpanContext()
	if in["trace_id"] != sc.TraceID().String() || in["span_id"] != sc.SpanID().String() || in["component"] != "test" {
		t.Errorf("inside a span: %v, want trace_id %s span_id %s", in, sc.TraceID(), sc.SpanID())
	}
	if _, ok := out["trace_id"]; ok {
		t.Errorf("outside any span: %v", out)
	}
}

// TestMiddlewareStatus: the span records the status written, an error
// status for 5xx only, and names itself after the pattern the mux set.
func TestMiddlewareStatus(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /fail/{id}", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) })
	mux.HandleFunc("GET /ok", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	h := Middleware(tp, HTTPOptions{}, mux)
	for _, p := range []string{"/fail/7", "/ok"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, p, nil))
	}
	spans := exp.GetSpans()
	if len(spans) != 2 {
		t.Fatalf("%d spans", len(spans))
	}
	fail, ok := spans[0], spans[1]
	if fail.Name != "GET /fail/{id}" || fail.Status.Code.String() != "Error" {
		t.Errorf("failing request: %q %v", fail.Name, fail.Status)
	}
	if ok.Name != "GET /ok" || ok.Status.Code.String() != "Unset" || ok.SpanKind != trace.SpanKindServer {
		t.Errorf("good request: %q %v %v", ok.Name, ok.Status, ok.SpanKind)
	}
}

// FuzzTraceparent: whatever trace context a trusted peer sends, the
// request is served under a valid span, and either in the caller's trace
// (a well-formed header) or in a new one; nothing panics.
func FuzzTraceparent(f *testing.F) {
	f.Add("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "congo=t61rcWkgMzE")
	f.Add("00-00000000000000000000000000000000-0000000000000000-01", "")
	f.Add("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", ",,,=")
	f.Add(strings.Repeat("0", 600), strings.Repeat("a=b,", 100))
	tp := sdktrace.NewTracerProvider()
	f.Fuzz(func(t *testing.T, traceparent, tracestate string) {
		var sc trace.SpanContext
		h := Middleware(tp, HTTPOptions{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}},
			http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { sc = trace.SpanContextFromContext(r.Context()) }))
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header["Traceparent"] = []string{traceparent}
		r.Header["Tracestate"] = []string{tracestate}
		h.ServeHTTP(httptest.NewRecorder(), r)
		if !sc.IsValid() {
			t.Fatalf("no valid span for traceparent %q", traceparent)
		}
	})
}
