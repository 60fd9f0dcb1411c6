package httpapi

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestMetricsWrap: answers are counted by endpoint and code, and a
// code's series appears with its first answer, never before.
func TestMetricsWrap(t *testing.T) {
	m := NewMetrics()
	status := http.StatusTeapot
	h := m.Wrap("x", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if status != http.StatusOK {
			w.WriteHeader(status)
		}
	}))
	serve := func() { h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil)) }
	serve()
	if got := requestCounts(t, m); len(got) != 1 || got["418"] != 1 {
		t.Fatalf("after one 418: %v", got)
	}
	status = http.StatusOK
	serve()
	serve()
	if got := requestCounts(t, m); len(got) != 2 || got["418"] != 1 || got["200"] != 2 {
		t.Fatalf("after one 418 and two 200: %v", got)
	}
}

// requestCounts gathers tokenmint_http_requests_total by code.
func requestCounts(t *testing.T, m *Metrics) map[string]float64 {
	t.Helper()
	mfs, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "tokenmint_http_requests_total" {
			continue
		}
		for _, mt := range mf.GetMetric() {
			for _, l := range mt.GetLabel() {
				if l.GetName() == "code" {
					counts[l.GetValue()] = mt.GetCounter().GetValue()
				}
			}
		}
	}
	return counts
}
