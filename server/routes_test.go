package server

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
)

// TestSecurityHeaders: every response carries the headers, under their
// canonical keys; a handler adding to them changes its
// own response only, never the shared values the next one gets.
func TestSecurityHeaders(t *testing.T) {
	add := false
	h := securityHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if add {
			w.Header().Add("Referrer-Policy", "strict-origin")
			w.Header().Add("X-Content-Type-Options", "other")
		}
	}))
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	serve := func() http.Header {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Result().Header
	}
	want := http.Header{"X-Content-Type-Options": {"nosniff"}, "Referrer-Policy": {"no-referrer"}}
	check := func(what string, got http.Header) {
		t.Helper()
		for k, v := range want {
			if !slices.Equal(got[k], v) {
				t.Errorf("%s: %s = %q, want %q", what, k, got[k], v)
			}
		}
	}
	check("first response", serve())
	add = true
	added := serve()
	if got := added.Values("Referrer-Policy"); !slices.Equal(got, []string{"no-referrer", "strict-origin"}) {
		t.Errorf("after Add: Referrer-Policy = %q", got)
	}
	add = false
	check("response after one that added to the headers", serve())

	w := &headerWriter{h: make(http.Header)}
	h.ServeHTTP(w, r)
	clear(w.h)
	h.ServeHTTP(w, r)
	check("reused header map", w.h)
}

// headerWriter is a ResponseWriter that keeps nothing but its header map.
type headerWriter struct{ h http.Header }

func (w *headerWriter) Header() http.Header         { return w.h }
func (w *headerWriter) WriteHeader(int)             {}
func (w *headerWriter) Write(p []byte) (int, error) { return len(p), nil }

// TestCanonicalPaths: the check in front of the mux passes canonical
// paths on without allocating, and stops the others.
func TestCanonicalPaths(t *testing.T) {
	for p, want := range map[string]bool{
		"/": true, "/oauth2/token": true, "/a/": true, "/.well-known/jwks.json": true,
		"//": false, "//oauth2/token": false, "/a//b": false, "/a/./b": false, "/a/../b": false,
		"/a/.": false, "/a/..": false, "/a//": false, "/..": false,
	} {
		if got := isCanonical(p); got != want {
			t.Errorf("isCanonical(%q) = %v, want %v", p, got, want)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(http.ResponseWriter, *http.Request) {})
	h := canonicalPaths(mux)
	r := httptest.NewRequest(http.MethodPost, "/oauth2/token", nil)
	w := &headerWriter{h: make(http.Header)}
	bare := testing.AllocsPerRun(100, func() { mux.ServeHTTP(w, r) })
	if n := testing.AllocsPerRun(100, func() { h.ServeHTTP(w, r) }); n != bare {
		t.Errorf("canonicalPaths allocates %v times per request beside the mux's %v, want none", n-bare, bare)
	}
}
