package tracing

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// ServiceName is the service.name of tokenmint's spans unless
// OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES names another.
const ServiceName = "tokenmint"

// Protocols of the OTLP exporter (OTEL_EXPORTER_OTLP_PROTOCOL).
const (
	ProtocolHTTP = "http/protobuf"
	ProtocolGRPC = "grpc"
)

// Provider is the tracer provider of a process: the SDK's, exporting over
// OTLP, or nil when tracing is off.
type Provider struct {
	sdk *sdktrace.TracerProvider
	// Exporter and Protocol say what Setup chose, for the start-up log.
	Exporter, Protocol string
}

// Enabled reports whether spans are recorded and exported.
func (p *Provider) Enabled() bool { return p != nil && p.sdk != nil }

// TracerProvider is the provider to hand the packages that make spans,
// nil when tracing is off (their "none").
func (p *Provider) TracerProvider() trace.TracerProvider {
	if !p.Enabled() {
		return nil
	}
	return p.sdk
}

// Shutdown exports the spans still queued and stops the exporter; the
// server calls it last, on shutdown, so that the spans of the final
// requests are not lost. It does nothing when tracing is off.
func (p *Provider) Shutdown(ctx context.Context) error {
	if !p.Enabled() {
		return nil
	}
	if err := p.sdk.Shutdown(ctx); err != nil {
		return fmt.Errorf("tracing: flush spans: %w", err)
	}
	return nil
}

// Setup reads the OTEL_* environment variables (see the package doc) and
// returns the process's Provider: off unless they ask for OTLP. An error
// names the variable at fault.
func Setup(ctx context.Context) (*Provider, error) {
	on, err := wanted()
	if err != nil || !on {
		return &Provider{}, err
	}
	protocol, err := otlpProtocol()
	if err != nil {
		return nil, err
	}
	exp, err := newExporter(ctx, protocol)
	if err != nil {
		return nil, fmt.Errorf("tracing: OTLP exporter (%s): %w", protocol, err)
	}
	res, err := newResource(ctx)
	if err != nil {
		exp.Shutdown(ctx)
		return nil, err
	}
	// The SDK reads OTEL_TRACES_SAMPLER(_ARG) and OTEL_BSP_* itself.
	sdk := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	return &Provider{sdk: sdk, Exporter: "otlp", Protocol: protocol}, nil
}

// wanted decides whether tracing is on, from OTEL_SDK_DISABLED,
// OTEL_TRACES_EXPORTER and the OTLP endpoints.
func wanted() (bool, error) {
	if v := os.Getenv("OTEL_SDK_DISABLED"); v != "" {
		off, err := strconv.ParseBool(v)
		if err != nil {
			return false, fmt.Errorf("tracing: OTEL_SDK_DISABLED=%q: want true or false", v)
		}
		if off {
			return false, nil
		}
	}
	switch v := strings.TrimSpace(os.Getenv("OTEL_TRACES_EXPORTER")); v {
	case "otlp":
		return true, nil
	case "none":
		return false, nil
	case "":
		// The specification's default is otlp; tokenmint's is off, unless
		// an endpoint to send to is set.
		return os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != "", nil
	default:
		return false, fmt.Errorf("tracing: OTEL_TRACES_EXPORTER=%q is not supported: use otlp or none", v)
	}
}

// otlpProtocol is the OTLP transport: the traces' own variable first,
// then the general one, then http/protobuf.
func otlpProtocol() (string, error) {
	for _, name := range []string{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"} {
		switch v := strings.TrimSpace(os.Getenv(name)); v {
		case "":
			continue
		case ProtocolHTTP, ProtocolGRPC:
			return v, nil
		default:
			return "", fmt.Errorf("tracing: %s=%q is not supported: use %s or %s", name, v, ProtocolHTTP, ProtocolGRPC)
		}
	}
	return ProtocolHTTP, nil
}

// newExporter builds the OTLP exporter; each reads its endpoint, headers,
// timeout, compression and TLS settings from the OTEL_EXPORTER_OTLP_*
// variables.
func newExporter(ctx context.Context, protocol string) (sdktrace.SpanExporter, error) {
	if protocol == ProtocolGRPC {
		return otlptracegrpc.New(ctx)
	}
	return otlptracehttp.New(ctx)
}

// newResource describes this process: tokenmint and its version unless
// OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES say otherwise, and the
// SDK.
func newResource(ctx context.Context) (*resource.Resource, error) {
	res, err := resource.New(ctx,
		resource.WithAttributes(semconv.ServiceName(ServiceName), semconv.ServiceVersion(version())),
		resource.WithTelemetrySDK(),
		resource.WithFromEnv(), // last: the environment wins
	)
	if err != nil && !errors.Is(err, resource.ErrPartialResource) {
		return nil, fmt.Errorf("tracing: resource (OTEL_RESOURCE_ATTRIBUTES, OTEL_SERVICE_NAME): %w", err)
	}
	return res, nil
}

// version is the module version the binary was built from.
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}
