// Package tracing is tokenmint's OpenTelemetry tracing: the tracer
// provider the standard OTEL_* environment variables configure (off
// unless they ask for it), the span of every HTTP request, the trace and
// span IDs in log lines, and the span of an outgoing HTTP call.
//
// Tracing is off by default. It is on when OTEL_TRACES_EXPORTER is
// "otlp", or when it is unset and an OTLP endpoint is
// (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
// OTEL_SDK_DISABLED=true turns it off whatever else is set. Spans are
// then exported over OTLP, HTTP (http/protobuf, the default) or gRPC
// (OTEL_EXPORTER_OTLP_PROTOCOL or OTEL_EXPORTER_OTLP_TRACES_PROTOCOL
// "grpc"), by the SDK's batch span processor; the exporters, the
// sampler (OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG), the batch
// processor (OTEL_BSP_*) and the resource (OTEL_SERVICE_NAME,
// OTEL_RESOURCE_ATTRIBUTES) read their own variables as the
// specification names them.
//
// When tracing is off, Setup returns a Provider whose Enabled is false,
// and the server installs nothing at all: no middleware, no driver
// wrapper, no hook, so that requests pay nothing for it (BENCHMARKS.md,
// "Tracing").
//
// Packages that make spans take a trace.TracerProvider, nil meaning
// none; this one is the only one that knows the SDK and the exporters.
package tracing
