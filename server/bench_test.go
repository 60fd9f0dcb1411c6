package server_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/internal/benchcpu"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
)

// BenchmarkHandlers drives the real handler chain (router, middleware,
// metrics, grant engine, SQLite store) in process, without sockets, for
// the requests of the load benchmark's scenarios (bench/):
// its allocs/op are what a change to decoding, encoding or storage code
// saves per request. floor is the trivial handler those scenarios are
// compared with; its allocations are the harness's and the middleware's.
// cpu-ns/op is the process's CPU time (every thread: the garbage
// collector's too) per request, which a shared machine disturbs less
// than the wall-clock ns/op.
//
//	go test ./server -run '^$' -bench Handlers -benchmem -count 10
func BenchmarkHandlers(b *testing.B) {
	in := servertest.Start(b, func(c *config.Config) { c.BenchFloor = true })
	h := in.Server.Handler()
	opaque := in.CreateClient(b, registry.ClientSpec{TokenFormat: tokenmint.FormatOpaque})
	es256 := in.CreateClient(b, registry.ClientSpec{TokenFormat: tokenmint.FormatJWT, SigningAlg: tokenmint.AlgES256})
	const pool = 64 // distinct tokens introspected in turn, as by a resource server
	introspect := func(c servertest.Client) []*benchRequest {
		reqs := make([]*benchRequest, pool)
		for i := range reqs {
			tok := benchIssue(b, h, c)
			reqs[i] = newBenchRequest(http.MethodPost, "/oauth2/introspect", c, "token_type_hint=access_token&token="+url.QueryEscape(tok))
		}
		return reqs
	}
	cases := []struct {
		name   string
		h      http.Handler // the listener's
		reqs   []*benchRequest
		active bool // the answer must be an active introspection
	}{
		{"floor", in.Server.AdminHandler(), []*benchRequest{newBenchRequest(http.MethodGet, "/bench/floor", servertest.Client{}, "")}, false},
		{"introspect-opaque", h, introspect(opaque), true},
		{"introspect-jwt", h, introspect(es256), true},
		{"cc-jwt-es256", h, []*benchRequest{newBenchRequest(http.MethodPost, "/oauth2/token", es256, "grant_type=client_credentials")}, false},
		{"cc-opaque", h, []*benchRequest{newBenchRequest(http.MethodPost, "/oauth2/token", opaque, "grant_type=client_credentials")}, false},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			w := &benchWriter{h: make(http.Header)}
			serve := func(i int) {
				w.reset()
				tc.h.ServeHTTP(w, tc.reqs[i%len(tc.reqs)].next())
				if w.status != http.StatusOK {
					b.Fatalf("%s: status %d: %s", tc.name, w.status, w.body.Bytes())
				}
			}
			serve(0)
			if tc.active && !bytes.Contains(w.body.Bytes(), []byte(`"active":true`)) {
				b.Fatalf("%s: not active: %s", tc.name, w.body.Bytes())
			}
			b.ReportAllocs()
			stop := benchcpu.Start(b)
			i := 0
			for b.Loop() {
				serve(i)
				i++
			}
			stop()
		})
	}
}

// benchIssue obtains an access token for c through the token endpoint.
func benchIssue(b *testing.B, h http.Handler, c servertest.Client) string {
	b.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, newBenchRequest(http.MethodPost, "/oauth2/token", c, "grant_type=client_credentials").next())
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &body); w.Code != http.StatusOK || err != nil || body.AccessToken == "" {
		b.Fatalf("token: %d %s", w.Code, w.Body.Bytes())
	}
	return body.AccessToken
}

// benchRequest replays one request: each next() is a shallow copy of a
// template (handlers replace Body and fill in the parsed form) with its
// body rewound, so the harness allocates little besides the copy.
type benchRequest struct {
	tmpl *http.Request
	body string
	rd   benchBody
}

type benchBody struct{ strings.Reader }

func (*benchBody) Close() error { return nil }

func newBenchRequest(method, target string, c servertest.Client, body string) *benchRequest {
	r := httptest.NewRequest(method, target, nil)
	r.RemoteAddr = "192.0.2.1:1234"
	if body != "" {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.ContentLength = int64(len(body))
	}
	if c.ID != "" {
		r.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(c.ID)+":"+url.QueryEscape(c.Secret))))
	}
	return &benchRequest{tmpl: r, body: body}
}

func (br *benchRequest) next() *http.Request {
	r := *br.tmpl
	br.rd.Reset(br.body)
	r.Body = &br.rd
	return &r
}

// benchWriter is a reusable http.ResponseWriter.
type benchWriter struct {
	h      http.Header
	status int
	body   bytes.Buffer
}

func (w *benchWriter) Header() http.Header { return w.h }

func (w *benchWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *benchWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(p)
}

func (w *benchWriter) reset() {
	clear(w.h)
	w.status = 0
	w.body.Reset()
}

// BenchmarkTokenTracing is the token endpoint with tracing off (as
// shipped: nothing installed) and on (the SDK, always sampling, spans
// batched to an exporter that drops them, as production batches to OTLP):
// what tracing costs a request, in allocations and CPU. Off must equal
// BenchmarkHandlers' figures before tracing existed (BENCHMARKS.md,
// "Tracing").
//
//	go test ./server -run '^$' -bench TokenTracing -benchmem -count 5
func BenchmarkTokenTracing(b *testing.B) {
	for _, mode := range []string{"off", "on"} {
		var in *servertest.Instance
		if mode == "off" {
			in = servertest.Start(b)
		} else {
			tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(discardExporter{}), sdktrace.WithSampler(sdktrace.AlwaysSample()))
			b.Cleanup(func() { tp.Shutdown(context.Background()) })
			in = servertest.StartTraced(b, tp)
		}
		h := in.Server.Handler()
		for _, format := range []string{tokenmint.FormatOpaque, tokenmint.FormatJWT} {
			c := in.CreateClient(b, registry.ClientSpec{TokenFormat: format, SigningAlg: tokenmint.AlgES256})
			req := newBenchRequest(http.MethodPost, "/oauth2/token", c, "grant_type=client_credentials")
			b.Run("tracing-"+mode+"/cc-"+format, func(b *testing.B) {
				w := &benchWriter{h: make(http.Header)}
				b.ReportAllocs()
				stop := benchcpu.Start(b)
				for b.Loop() {
					w.reset()
					h.ServeHTTP(w, req.next())
					if w.status != http.StatusOK {
						b.Fatalf("status %d: %s", w.status, w.body.Bytes())
					}
				}
				stop()
			})
		}
	}
}

// discardExporter drops the spans it is handed.
type discardExporter struct{}

func (discardExporter) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discardExporter) Shutdown(context.Context) error                             { return nil }
