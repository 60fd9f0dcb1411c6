package tracing

import (
	"context"
	"net"
	"sync"
	"testing"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"
)

// grpcReceiver is an OTLP/gRPC trace receiver, the collector's service.
type grpcReceiver struct {
	coltracepb.UnimplementedTraceServiceServer
	mu    sync.Mutex
	spans []string
}

func (g *grpcReceiver) Export(_ context.Context, req *coltracepb.ExportTraceServiceRequest) (*coltracepb.ExportTraceServiceResponse, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, rs := range req.GetResourceSpans() {
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				g.spans = append(g.spans, s.GetName())
			}
		}
	}
	return &coltracepb.ExportTraceServiceResponse{}, nil
}

// TestSetupExportsOverGRPC: with OTEL_EXPORTER_OTLP_PROTOCOL=grpc, the
// provider Setup builds exports its spans to an OTLP/gRPC receiver, by
// the time Shutdown returns. (The OTLP/HTTP path is exercised end to end
// by cmd/tokenmint's TestServeExportsOTLP.)
func TestSetupExportsOverGRPC(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	rc := &grpcReceiver{}
	coltracepb.RegisterTraceServiceServer(srv, rc)
	go srv.Serve(ln)
	defer srv.Stop()

	for _, k := range otelVars {
		t.Setenv(k, "")
	}
	t.Setenv("OTEL_TRACES_EXPORTER", "otlp")
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://"+ln.Addr().String()) // http: no TLS
	p, err := Setup(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if p.Protocol != ProtocolGRPC {
		t.Fatalf("protocol %q", p.Protocol)
	}
	_, span := p.TracerProvider().Tracer("test").Start(context.Background(), "over-grpc")
	span.End()
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.spans) != 1 || rc.spans[0] != "over-grpc" {
		t.Errorf("the receiver got %v, want [over-grpc]", rc.spans)
	}
}
