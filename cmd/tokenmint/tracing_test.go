package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	"google.golang.org/protobuf/proto"
)

// otlpReceiver is an OTLP/HTTP trace receiver: it decodes each export
// request's protobuf body as a collector would.
type otlpReceiver struct {
	mu       sync.Mutex
	spans    []string // span names
	services []string // the service.name of each resource
	errs     []string
}

func (rc *otlpReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/x-protobuf" {
		rc.fail("unexpected request %s %s %s", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
		http.Error(w, "no", http.StatusNotFound)
		return
	}
	body, err := io.ReadAll(r.Body)
	var req coltracepb.ExportTraceServiceRequest
	if err == nil {
		err = proto.Unmarshal(body, &req)
	}
	if err != nil {
		rc.fail("decode export request: %v", err)
		http.Error(w, "bad", http.StatusBadRequest)
		return
	}
	rc.mu.Lock()
	for _, rs := range req.GetResourceSpans() {
		rc.services = append(rc.services, stringAttr(rs.GetResource().GetAttributes(), "service.name"))
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				rc.spans = append(rc.spans, s.GetName())
			}
		}
	}
	rc.mu.Unlock()
	out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.Write(out)
}

func (rc *otlpReceiver) fail(format string, args ...any) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.errs = append(rc.errs, fmt.Sprintf(format, args...))
}

func stringAttr(kvs []*commonpb.KeyValue, key string) string {
	for _, kv := range kvs {
		if kv.GetKey() == key {
			return kv.GetValue().GetStringValue()
		}
	}
	return ""
}

// TestServeExportsOTLP: tokenmint serve, configured by the OTEL_*
// variables alone, exports the spans of a token request over OTLP/HTTP
// to a receiver, by the time it has shut down (the last batch is flushed
// on shutdown, well before the batch processor's 5 s schedule).
func TestServeExportsOTLP(t *testing.T) {
	rc := &otlpReceiver{}
	collector := httptest.NewServer(rc)
	defer collector.Close()
	t.Setenv("OTEL_TRACES_EXPORTER", "otlp")
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL)
	t.Setenv("OTEL_SERVICE_NAME", "tokenmint-otlp-test")
	t.Setenv("OTEL_TRACES_SAMPLER", "always_on")

	e := testEnv(t)
	created := decode[clientView](t, e.ok(t, "", "client", "create", "--name", "svc", "--id", "svc", "--token-format", "opaque", "--output", "json"))
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr lockedBuffer
	c := &cli{env: func(k string) string { return e[k] }, stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, now: time.Now}
	done := make(chan int, 1)
	go func() {
		done <- c.run(ctx, []string{"serve", "--addr", addr, "--admin-addr", "off", "--log-format", "json"})
	}()
	if !waitHealthy(t, "http://"+addr+"/healthz", done) {
		t.Fatalf("server never became healthy; stderr:\n%s", stderr.String())
	}
	form := url.Values{"grant_type": {"client_credentials"}}
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(created.ClientID, created.ClientSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("token: %d", resp.StatusCode)
	}
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Fatalf("serve exited %d; stderr:\n%s", code, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}

	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.errs) > 0 {
		t.Errorf("receiver: %v", rc.errs)
	}
	for _, want := range []string{"GET /healthz", "POST /oauth2/token", "grant.authenticate_client", "grant.client_credentials", "grant.issue_token", "INSERT"} {
		if !slices.Contains(rc.spans, want) {
			t.Errorf("exported spans %v lack %q", rc.spans, want)
		}
	}
	if len(rc.services) == 0 || slices.ContainsFunc(rc.services, func(s string) bool { return s != "tokenmint-otlp-test" }) {
		t.Errorf("service.name of the exported resources: %v, want OTEL_SERVICE_NAME's", rc.services)
	}
	if !strings.Contains(stderr.String(), `"msg":"tracing on"`) {
		t.Errorf("no start-up line saying tracing is on:\n%s", stderr.String())
	}
}
