package jwksfetch

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/tokenmint/tokenmint/internal/fakeclock"
)

func TestPublicAddress(t *testing.T) {
	for addr, want := range map[string]bool{
		"8.8.8.8": true, "1.1.1.1": true, "2606:4700:4700::1111": true, "64:ff9b::808:808": true,
		"::ffff:8.8.8.8": true,
		"127.0.0.1":      false, "127.1.2.3": false, "::1": false, "0.0.0.0": false, "::": false,
		"10.1.2.3": false, "172.16.0.1": false, "172.31.255.255": false, "192.168.1.1": false,
		"169.254.169.254": false, "fe80::1": false, "fc00::1": false, "fd12:3456::1": false,
		"100.64.0.1": false, "192.0.0.8": false, "192.0.2.1": false, "198.18.0.1": false, "203.0.113.9": false,
		"224.0.0.1": false, "ff02::1": false, "255.255.255.255": false, "240.0.0.1": false,
		"::ffff:127.0.0.1": false, "::ffff:10.0.0.1": false, "64:ff9b::7f00:1": false, "64:ff9b::a00:1": false,
		"2002:7f00:1::": false, "2002:a9fe:a9fe::": false, "2001:db8::1": false, "fec0::1": false,
	} {
		if got := PublicAddress(netip.MustParseAddr(addr)); got != want {
			t.Errorf("PublicAddress(%s) = %v, want %v", addr, got, want)
		}
	}
}

// keyServer is a TLS server answering a JWK Set, counting requests.
type keyServer struct {
	*httptest.Server
	hits    atomic.Int64
	mu      sync.Mutex
	body    []byte
	status  int
	headers http.Header
	delay   time.Duration
}

func newKeyServer(t *testing.T) *keyServer {
	t.Helper()
	k := &keyServer{status: http.StatusOK, headers: http.Header{}}
	k.body = testSet(t, "k1")
	k.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k.hits.Add(1)
		k.mu.Lock()
		body, status, delay := k.body, k.status, k.delay
		for name, v := range k.headers {
			w.Header()[name] = v
		}
		k.mu.Unlock()
		time.Sleep(delay)
		w.Header().Set("Content-Type", "application/jwk-set+json")
		w.WriteHeader(status)
		w.Write(body)
	}))
	t.Cleanup(k.Close)
	return k
}

func (k *keyServer) set(f func(k *keyServer)) { k.mu.Lock(); f(k); k.mu.Unlock() }

func testSet(t *testing.T, kids ...string) []byte {
	t.Helper()
	var set jose.JSONWebKeySet
	for _, kid := range kids {
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: &k.PublicKey, KeyID: kid})
	}
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// trusting is a TLS configuration trusting httptest's certificate.
func trusting(s *httptest.Server) *tls.Config {
	return s.Client().Transport.(*http.Transport).TLSClientConfig
}

func newClock() *fakeclock.Clock { return fakeclock.New(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)) }

// TestFetchAndCache: a set is fetched over TLS, kept for its max-age,
// fetched again on a refresh only after RefreshInterval, and after its
// max-age.
func TestFetchAndCache(t *testing.T) {
	ks := newKeyServer(t)
	ks.headers.Set("Cache-Control", "public, max-age=600")
	clock := newClock()
	f := New(Options{AllowPrivate: true, TLSConfig: trusting(ks.Server), Now: clock.Now})
	get := func(refresh bool, wantHits int64) {
		t.Helper()
		set, err := f.ClientKeys(t.Context(), ks.URL+"/jwks", refresh)
		if err != nil || len(set.Keys) != 1 || set.Keys[0].KeyID != "k1" {
			t.Fatalf("ClientKeys = %v, %v", set, err)
		}
		if got := ks.hits.Load(); got != wantHits {
			t.Fatalf("%d fetches, want %d", got, wantHits)
		}
	}
	get(false, 1)
	get(false, 1)
	get(true, 1) // refreshed less than a minute ago
	clock.Advance(61 * time.Second)
	get(false, 1)
	get(true, 2)
	get(true, 2)
	clock.Advance(9 * time.Minute)
	get(false, 2)
	clock.Advance(2 * time.Minute) // past max-age since the last fetch
	get(false, 3)
}

// TestConcurrentFetchesShareOne: many requests for an uncached URI make
// one fetch.
func TestConcurrentFetchesShareOne(t *testing.T) {
	ks := newKeyServer(t)
	ks.delay = 50 * time.Millisecond
	f := New(Options{AllowPrivate: true, TLSConfig: trusting(ks.Server), Now: newClock().Now})
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := f.ClientKeys(t.Context(), ks.URL, false); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := ks.hits.Load(); n != 1 {
		t.Fatalf("%d fetches, want 1", n)
	}
}

// TestRefusesPrivateAddresses: without AllowPrivate, a jwks_uri on a
// loopback address, by IP or by a name resolving to one, is refused
// before any connection, and so is plain http.
func TestRefusesPrivateAddresses(t *testing.T) {
	ks := newKeyServer(t)
	f := New(Options{TLSConfig: trusting(ks.Server)})
	u, _ := url.Parse(ks.URL)
	for _, uri := range []string{ks.URL + "/jwks", "https://localhost:" + u.Port() + "/jwks", "https://[::1]:" + u.Port() + "/jwks",
		"https://169.254.169.254/latest/meta-data", "https://10.0.0.1/jwks"} {
		_, err := f.ClientKeys(t.Context(), uri, false)
		if !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("%s: error = %v, want ErrForbiddenAddress", uri, err)
		}
	}
	if _, err := f.ClientKeys(t.Context(), "http://example.com/jwks", false); !errors.Is(err, ErrScheme) {
		t.Errorf("plain http: error = %v, want ErrScheme", err)
	}
	if n := ks.hits.Load(); n != 0 {
		t.Fatalf("the server was reached %d times", n)
	}
}

// TestRefusesRedirects: a redirect to a private address is refused when
// it is dialed (the first server stands for a public one), and so is a
// redirect to plain http, and a fourth redirect.
func TestRefusesRedirects(t *testing.T) {
	private := newKeyServer(t)
	var hops atomic.Int64
	var public *httptest.Server
	public = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hops.Add(1)
		switch r.URL.Path {
		case "/to-private":
			http.Redirect(w, r, private.URL+"/jwks", http.StatusFound)
		case "/to-http":
			http.Redirect(w, r, "http://"+r.Host+"/jwks", http.StatusFound)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		}
	}))
	defer public.Close()
	publicAddr := netip.MustParseAddrPort(public.Listener.Addr().String())
	f := New(Options{TLSConfig: trusting(public), allow: func(ap netip.AddrPort) bool { return ap == publicAddr }})
	if _, err := f.ClientKeys(t.Context(), public.URL+"/to-private", false); !errors.Is(err, ErrForbiddenAddress) {
		t.Errorf("redirect to a private address: error = %v, want ErrForbiddenAddress", err)
	}
	if n := private.hits.Load(); n != 0 {
		t.Fatalf("the private server was reached %d times", n)
	}
	if _, err := f.ClientKeys(t.Context(), public.URL+"/to-http", false); !errors.Is(err, ErrScheme) {
		t.Errorf("redirect to http: error = %v, want ErrScheme", err)
	}
	hops.Store(0)
	if _, err := f.ClientKeys(t.Context(), public.URL+"/loop", false); err == nil || !strings.Contains(err.Error(), "redirects") {
		t.Errorf("a redirect loop: error = %v", err)
	}
	if n := hops.Load(); n != maxRedirects {
		t.Errorf("%d requests for a redirect loop, want %d", n, maxRedirects)
	}
}

// TestBadAnswers: too large, too slow, not 200, not a public JWK Set.
func TestBadAnswers(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(k *keyServer)
		want   string
	}{
		{"too large", func(k *keyServer) { k.body = append(k.body, make([]byte, 64<<10)...) }, "more than"},
		{"too slow", func(k *keyServer) { k.delay = 500 * time.Millisecond }, "no answer within 200ms"},
		{"status 404", func(k *keyServer) { k.status = http.StatusNotFound }, "status 404"},
		{"not JSON", func(k *keyServer) { k.body = []byte("<html>") }, "JWK Set"},
		{"a private key", func(k *keyServer) {
			key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			k.body, _ = json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key, KeyID: "p"}}})
		}, "private"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ks := newKeyServer(t)
			ks.set(tc.change)
			f := New(Options{AllowPrivate: true, TLSConfig: trusting(ks.Server), Timeout: 200 * time.Millisecond})
			_, err := f.ClientKeys(t.Context(), ks.URL, false)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want one saying %q", err, tc.want)
			}
		})
	}
}

// TestStaleOnError: a failed fetch keeps serving the last good set until
// it is MaxTTL old, and tries again no more than every 10 s.
func TestStaleOnError(t *testing.T) {
	ks := newKeyServer(t)
	clock := newClock()
	f := New(Options{AllowPrivate: true, TLSConfig: trusting(ks.Server), Now: clock.Now})
	if _, err := f.ClientKeys(t.Context(), ks.URL, false); err != nil {
		t.Fatal(err)
	}
	ks.set(func(k *keyServer) { k.status = http.StatusInternalServerError })
	clock.Advance(10 * time.Minute)
	if set, err := f.ClientKeys(t.Context(), ks.URL, false); err != nil || len(set.Keys) != 1 {
		t.Fatalf("stale set on error: %v, %v", set, err)
	}
	clock.Advance(DefaultMaxTTL)
	if _, err := f.ClientKeys(t.Context(), ks.URL, false); err == nil {
		t.Fatal("a day-old set served on error")
	}
	hits := ks.hits.Load()
	if _, err := f.ClientKeys(t.Context(), ks.URL, false); err == nil || ks.hits.Load() != hits {
		t.Fatalf("a failing URI fetched again at once (%v)", err)
	}
}

func TestTTL(t *testing.T) {
	f := New(Options{})
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		headers map[string]string
		want    time.Duration
	}{
		{nil, DefaultTTL},
		{map[string]string{"Cache-Control": "max-age=3600"}, time.Hour},
		{map[string]string{"Cache-Control": "public, max-age=\"120\", must-revalidate"}, 2 * time.Minute},
		{map[string]string{"Cache-Control": "max-age=5"}, DefaultMinTTL},
		{map[string]string{"Cache-Control": "max-age=99999999"}, DefaultMaxTTL},
		{map[string]string{"Cache-Control": "no-store"}, DefaultMinTTL},
		{map[string]string{"Cache-Control": "max-age=600, no-cache"}, DefaultMinTTL},
		{map[string]string{"Cache-Control": "max-age=-1"}, DefaultMinTTL},
		{map[string]string{"Expires": now.Add(2 * time.Hour).Format(http.TimeFormat)}, 2 * time.Hour},
		{map[string]string{"Expires": now.Add(3 * time.Hour).Format(http.TimeFormat), "Date": now.Add(time.Hour).Format(http.TimeFormat)}, 2 * time.Hour},
		{map[string]string{"Expires": "0"}, DefaultMinTTL},
		{map[string]string{"Expires": now.Add(2 * time.Hour).Format(http.TimeFormat), "Cache-Control": "max-age=120"}, 2 * time.Minute},
	} {
		h := http.Header{}
		for k, v := range tc.headers {
			h.Set(k, v)
		}
		if got := f.ttl(h, now); got != tc.want {
			t.Errorf("ttl(%v) = %s, want %s", tc.headers, got, tc.want)
		}
	}
}

// TestCacheBounded: past MaxEntries URIs, the least recently used goes.
func TestCacheBounded(t *testing.T) {
	ks := newKeyServer(t)
	clock := newClock()
	f := New(Options{AllowPrivate: true, TLSConfig: trusting(ks.Server), Now: clock.Now, MaxEntries: 2})
	for _, p := range []string{"/a", "/b", "/a", "/c"} {
		clock.Advance(time.Second)
		if _, err := f.ClientKeys(t.Context(), ks.URL+p, false); err != nil {
			t.Fatal(err)
		}
	}
	if len(f.entries) != 2 || f.entries[ks.URL+"/b"] != nil {
		t.Fatalf("entries after a, b, a, c with room for 2: %v", len(f.entries))
	}
}
