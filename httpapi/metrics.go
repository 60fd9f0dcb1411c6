package httpapi

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are tokenmint's Prometheus metrics, in a registry of their own
// (no global state). A nil *Metrics records nothing.
type Metrics struct {
	reg         *prometheus.Registry
	requests    *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	issued      *prometheus.CounterVec
	rateLimited *prometheus.CounterVec
	limitErrors prometheus.Counter
	dpopRefused *prometheus.CounterVec
}

// NewMetrics registers the metrics, with the Go runtime and process
// collectors, in a new registry.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tokenmint_http_requests_total", Help: "HTTP requests by endpoint and status code.",
		}, []string{"endpoint", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "tokenmint_http_request_duration_seconds", Help: "HTTP request latency by endpoint.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"endpoint"}),
		issued: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tokenmint_tokens_issued_total", Help: "Access tokens issued by grant type and format.",
		}, []string{"grant_type", "format"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tokenmint_rate_limited_total", Help: "Requests refused by a rate limit, by limit.",
		}, []string{"limit"}),
		limitErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tokenmint_rate_limiter_errors_total", Help: "Rate limiter backend failures (the fail-open/closed policy decided).",
		}),
		dpopRefused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tokenmint_dpop_proofs_refused_total", Help: "DPoP proofs refused (RFC 9449), by error code: invalid_dpop_proof or use_dpop_nonce.",
		}, []string{"error"}),
	}
	m.reg.MustRegister(m.dpopRefused)
	m.reg.MustRegister(m.requests, m.latency, m.issued, m.rateLimited, m.limitErrors,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry exposes the registry, for tests and extra collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// TokenIssued implements grant.Observer.
func (m *Metrics) TokenIssued(grantType, format string) {
	if m != nil {
		m.issued.WithLabelValues(grantType, format).Inc()
	}
}

// RateLimited counts a refusal by the named limit.
func (m *Metrics) RateLimited(limit string) {
	if m != nil {
		m.rateLimited.WithLabelValues(limit).Inc()
	}
}

// DPoPRefused counts a refused DPoP proof by its error code
// (grant.Config.DPoPRefused).
func (m *Metrics) DPoPRefused(code string) {
	if m != nil {
		m.dpopRefused.WithLabelValues(code).Inc()
	}
}

// LimiterError counts a rate limiter backend failure.
func (m *Metrics) LimiterError() {
	if m != nil {
		m.limitErrors.Inc()
	}
}

// Wrap counts and times requests to next under the endpoint label.
func (m *Metrics) Wrap(endpoint string, next http.Handler) http.Handler {
	if m == nil {
		return next
	}
	obs := m.latency.WithLabelValues(endpoint)
	// The counter of successes, looked up once, on the first success (so
	// that the series appears when it did before): most answers are 200,
	// and the lookup by label values hashes them and formats the code.
	ok := sync.OnceValue(func() prometheus.Counter { return m.requests.WithLabelValues(endpoint, "200") })
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		obs.Observe(time.Since(start).Seconds())
		if sw.status == http.StatusOK {
			ok().Inc()
			return
		}
		m.requests.WithLabelValues(endpoint, strconv.Itoa(sw.status)).Inc()
	})
}

// statusWriter records the status code a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (s *statusWriter) WriteHeader(code int) {
	if !s.wroteHeader {
		s.status, s.wroteHeader = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
