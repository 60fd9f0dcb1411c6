package jwksfetch

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// issuerServer is a TLS OpenID issuer answering its discovery document
// (whose issuer and jwks_uri a test may change) and a JWK Set.
type issuerServer struct {
	*httptest.Server
	discoveries, sets atomic.Int64
	mu                sync.Mutex
	doc               map[string]any
}

func newIssuerServer(t *testing.T) *issuerServer {
	t.Helper()
	is := &issuerServer{}
	set := testSet(t, "k1")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /tenant/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		is.discoveries.Add(1)
		is.mu.Lock()
		defer is.mu.Unlock()
		w.Header().Set("Cache-Control", "max-age=600")
		json.NewEncoder(w).Encode(is.doc)
	})
	mux.HandleFunc("GET /keys", func(w http.ResponseWriter, r *http.Request) {
		is.sets.Add(1)
		w.Header().Set("Cache-Control", "max-age=3600")
		w.Write(set)
	})
	is.Server = httptest.NewTLSServer(mux)
	t.Cleanup(is.Close)
	is.doc = map[string]any{"issuer": is.URL + "/tenant", "jwks_uri": is.URL + "/keys"}
	return is
}

// TestIssuerKeys: an issuer's keys are found through its discovery
// document (issuer path kept, OIDC Discovery §4), both cached for their
// max-age; a refresh fetches the set again, not the document, and only
// once per RefreshInterval.
func TestIssuerKeys(t *testing.T) {
	is := newIssuerServer(t)
	clock := newClock()
	f := New(Options{AllowPrivate: true, TLSConfig: trusting(is.Server), Now: clock.Now})
	issuer := is.URL + "/tenant"
	for range 3 {
		set, err := f.IssuerKeys(t.Context(), issuer, false)
		if err != nil || len(set.Keys) != 1 || set.Keys[0].KeyID != "k1" {
			t.Fatalf("IssuerKeys: %v, %v", set, err)
		}
	}
	if is.discoveries.Load() != 1 || is.sets.Load() != 1 {
		t.Fatalf("fetched %d documents, %d sets; want 1 and 1", is.discoveries.Load(), is.sets.Load())
	}
	f.IssuerKeys(t.Context(), issuer, true)
	if is.sets.Load() != 1 {
		t.Fatalf("refresh within a minute of the fetch refetched the set")
	}
	clock.Advance(61 * time.Second)
	f.IssuerKeys(t.Context(), issuer, true)
	if is.discoveries.Load() != 1 || is.sets.Load() != 2 {
		t.Fatalf("refresh after a minute: %d documents, %d sets; want 1 and 2", is.discoveries.Load(), is.sets.Load())
	}
	clock.Advance(10 * time.Minute)
	f.IssuerKeys(t.Context(), issuer, false)
	if is.discoveries.Load() != 2 {
		t.Fatalf("the document was not fetched again after its max-age")
	}
}

// TestIssuerKeysRefusals: a document naming another issuer (OIDC
// Discovery §4.3), a jwks_uri on plain http or missing, an issuer on a
// private address without AllowPrivate, are all refused.
func TestIssuerKeysRefusals(t *testing.T) {
	for _, tc := range []struct {
		name string
		doc  func(is *issuerServer) map[string]any
	}{
		{"another issuer", func(is *issuerServer) map[string]any {
			return map[string]any{"issuer": "https://evil.example", "jwks_uri": is.URL + "/keys"}
		}},
		{"issuer without its path", func(is *issuerServer) map[string]any {
			return map[string]any{"issuer": is.URL, "jwks_uri": is.URL + "/keys"}
		}},
		{"no jwks_uri", func(is *issuerServer) map[string]any { return map[string]any{"issuer": is.URL + "/tenant"} }},
		{"jwks_uri not a URL", func(is *issuerServer) map[string]any {
			return map[string]any{"issuer": is.URL + "/tenant", "jwks_uri": "::"}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := newIssuerServer(t)
			is.doc = tc.doc(is)
			f := New(Options{AllowPrivate: true, TLSConfig: trusting(is.Server), Now: newClock().Now})
			if _, err := f.IssuerKeys(t.Context(), is.URL+"/tenant", false); !errors.Is(err, ErrDiscovery) {
				t.Fatalf("error = %v, want ErrDiscovery", err)
			}
			if is.sets.Load() != 0 {
				t.Fatalf("the keys were fetched")
			}
		})
	}
	t.Run("plain http jwks_uri without AllowPrivate", func(t *testing.T) {
		is := newIssuerServer(t)
		is.doc = map[string]any{"issuer": is.URL + "/tenant", "jwks_uri": "http://keys.example/keys"}
		f := New(Options{TLSConfig: trusting(is.Server), allow: func(netip.AddrPort) bool { return true }})
		if _, err := f.IssuerKeys(t.Context(), is.URL+"/tenant", false); !errors.Is(err, ErrScheme) {
			t.Fatalf("error = %v, want ErrScheme", err)
		}
	})
	t.Run("private address", func(t *testing.T) {
		is := newIssuerServer(t)
		f := New(Options{TLSConfig: trusting(is.Server)})
		if _, err := f.IssuerKeys(t.Context(), is.URL+"/tenant", false); !errors.Is(err, ErrForbiddenAddress) {
			t.Fatalf("error = %v, want ErrForbiddenAddress", err)
		}
		if is.discoveries.Load() != 0 {
			t.Fatalf("the issuer was reached")
		}
	})
}
