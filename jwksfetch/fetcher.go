package jwksfetch

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/go-jose/go-jose/v4"
	"go.opentelemetry.io/otel/trace"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/token"
	"github.com/tokenmint/tokenmint/tracing"
)

// Defaults of Options.
const (
	DefaultTimeout         = 5 * time.Second
	DefaultMinTTL          = time.Minute
	DefaultMaxTTL          = 24 * time.Hour
	DefaultTTL             = 5 * time.Minute
	DefaultRefreshInterval = time.Minute
	DefaultMaxEntries      = 1000
	maxRedirects           = 3
)

// Options tune a Fetcher; the zero value is the production policy.
type Options struct {
	// AllowPrivate lets fetches reach loopback, private and reserved
	// addresses, and use plain http: for tests and local work only
	// (--allow-private-fetch).
	AllowPrivate bool
	// Timeout bounds a fetch, redirects included (DefaultTimeout).
	Timeout time.Duration
	// MaxBytes bounds a response body (tokenmint.MaxJWKSBytes).
	MaxBytes int64
	// MinTTL and MaxTTL bound how long a set is cached, whatever its
	// answer's cache headers say; DefaultTTL applies when they say
	// nothing.
	MinTTL, MaxTTL, DefaultTTL time.Duration
	// RefreshInterval is the least time between two fetches of one URI
	// asked for by a refresh (an unknown kid).
	RefreshInterval time.Duration
	// MaxEntries bounds the URIs cached; the least recently used goes.
	MaxEntries int
	// TLSConfig, when set, is the TLS configuration of fetches (tests
	// trust their own certificate with it).
	TLSConfig *tls.Config
	Now       func() time.Time
	Logger    *slog.Logger
	// Tracing, when set, records a client span of each fetch, a child of
	// the token request's; nil records none.
	Tracing trace.TracerProvider

	// allow replaces PublicAddress, for tests of redirects.
	allow func(netip.AddrPort) bool
}

// Fetcher fetches and caches JWK Sets; it implements grant.KeySource. It
// is safe for concurrent use; concurrent requests for one URI share one
// fetch.
type Fetcher struct {
	opts   Options
	client *http.Client
	log    *slog.Logger

	mu        sync.Mutex
	entries   map[string]*entry
	discovery map[string]*discoveryEntry // by issuer (issuer.go)
}

// entry is the cache of one URI.
type entry struct {
	mu       sync.Mutex // held during a fetch of the URI
	set      *jose.JSONWebKeySet
	fetched  time.Time // of set
	expires  time.Time // of set
	err      error     // of the last fetch, when it failed
	failed   time.Time
	lastUsed time.Time // under Fetcher.mu
}

// New returns a Fetcher with opts, defaults filled in.
func New(opts Options) *Fetcher {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&opts.Timeout, DefaultTimeout)
	def(&opts.MinTTL, DefaultMinTTL)
	def(&opts.MaxTTL, DefaultMaxTTL)
	def(&opts.DefaultTTL, DefaultTTL)
	def(&opts.RefreshInterval, DefaultRefreshInterval)
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = tokenmint.MaxJWKSBytes
	}
	if opts.MaxEntries <= 0 {
		opts.MaxEntries = DefaultMaxEntries
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	f := &Fetcher{opts: opts, log: opts.Logger, entries: map[string]*entry{}, discovery: map[string]*discoveryEntry{}}
	f.client = f.newClient()
	return f
}

// newClient builds the HTTP client of fetches: no proxy, every dialed
// address checked, TLS 1.2 or later, bounded redirects.
func (f *Fetcher) newClient() *http.Client {
	dialer := &net.Dialer{Timeout: f.opts.Timeout, Control: f.control}
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12}
	if f.opts.TLSConfig != nil {
		tlsConf = f.opts.TLSConfig.Clone()
	}
	tr := &http.Transport{
		Proxy:                  nil, // a proxy would dial for us, past the address check
		DialContext:            dialer.DialContext,
		TLSClientConfig:        tlsConf,
		TLSHandshakeTimeout:    f.opts.Timeout,
		ResponseHeaderTimeout:  f.opts.Timeout,
		MaxResponseHeaderBytes: 16 << 10,
		MaxIdleConns:           16,
		IdleConnTimeout:        30 * time.Second,
		ForceAttemptHTTP2:      true,
	}
	return &http.Client{Transport: tracing.Transport(f.opts.Tracing, tr), Timeout: f.opts.Timeout, CheckRedirect: f.checkRedirect}
}

// control refuses a connection to an address outside the policy: it runs
// for every address the dialer tries, after name resolution.
func (f *Fetcher) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, address)
	}
	switch {
	case f.opts.allow != nil:
		if !f.opts.allow(ap) {
			return fmt.Errorf("%w: %s", ErrForbiddenAddress, ap.Addr())
		}
	case !f.opts.AllowPrivate && !PublicAddress(ap.Addr()):
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, ap.Addr())
	}
	return nil
}

// checkRedirect follows at most maxRedirects redirects, each to a URL
// the policy allows (the address is checked when it is dialed).
func (f *Fetcher) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return fmt.Errorf("jwksfetch: more than %d redirects", maxRedirects)
	}
	return f.checkURL(req.URL)
}

// ErrScheme is wrapped by the error of a fetch of a URL that is not
// https (or http, with AllowPrivate).
var ErrScheme = errors.New("jwksfetch: a jwks_uri must be https")

func (f *Fetcher) checkURL(u *url.URL) error {
	switch {
	case u.Scheme == "https", u.Scheme == "http" && f.opts.AllowPrivate:
	default:
		return fmt.Errorf("%w, not %q", ErrScheme, u.Scheme)
	}
	if u.Host == "" || u.User != nil {
		return errors.New("jwksfetch: a jwks_uri needs a host and no credentials")
	}
	return nil
}

// ClientKeys returns the JWK Set at uri, fetched or from the cache
// (grant.KeySource). refresh asks for a fetch even though the cached set
// is fresh; it is done only if the last fetch is RefreshInterval old.
// When a fetch fails and a set fetched less than MaxTTL ago is cached,
// that set is returned.
func (f *Fetcher) ClientKeys(ctx context.Context, uri string, refresh bool) (*jose.JSONWebKeySet, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return nil, fmt.Errorf("jwksfetch: %w", err)
	}
	if err := f.checkURL(u); err != nil {
		return nil, err
	}
	e := f.entry(uri)
	e.mu.Lock()
	defer e.mu.Unlock()
	now := f.opts.Now()
	recent := now.Sub(e.fetched) < f.opts.RefreshInterval
	switch {
	case e.set != nil && now.Before(e.expires) && (!refresh || recent):
		return e.set, nil
	case e.set == nil && e.err != nil && now.Sub(e.failed) < f.opts.RefreshInterval/6:
		return nil, e.err // a failing URI is tried again at most every 10 s
	}
	set, ttl, err := f.fetch(ctx, uri)
	if err != nil {
		e.err, e.failed = err, now
		if e.set != nil && now.Sub(e.fetched) < f.opts.MaxTTL {
			f.log.WarnContext(ctx, "jwks_uri fetch failed; using the last set", "jwks_uri", uri, "err", err)
			e.expires = now.Add(f.opts.MinTTL)
			return e.set, nil
		}
		e.set = nil
		return nil, err
	}
	e.set, e.fetched, e.expires, e.err = set, now, now.Add(ttl), nil
	return set, nil
}

// entry returns the cache entry of uri, making it (and dropping the
// least recently used one when the cache is full).
func (f *Fetcher) entry(uri string) *entry {
	f.mu.Lock()
	defer f.mu.Unlock()
	return lruEntry(f.entries, uri, f.opts.MaxEntries, f.opts.Now())
}

// used is the field of an entry type that lruEntry keeps.
func (e *entry) used() *time.Time { return &e.lastUsed }

// lruEntry returns m's entry for key, marked used at now, making it when
// m has none and dropping the least recently used one when m holds max.
// The caller holds Fetcher.mu.
func lruEntry[E any, P interface {
	*E
	used() *time.Time
}](m map[string]P, key string, max int, now time.Time) P {
	if e, ok := m[key]; ok {
		*e.used() = now
		return e
	}
	if len(m) >= max {
		var oldest string
		for k, e := range m {
			if oldest == "" || e.used().Before(*m[oldest].used()) {
				oldest = k
			}
		}
		delete(m, oldest)
	}
	e := P(new(E))
	*e.used() = now
	m[key] = e
	return e
}

// fetch GETs uri and parses the JWK Set it answers, with how long to
// keep it.
func (f *Fetcher) fetch(ctx context.Context, uri string) (*jose.JSONWebKeySet, time.Duration, error) {
	body, ttl, err := f.get(ctx, uri, "application/jwk-set+json, application/json")
	if err != nil {
		return nil, 0, err
	}
	set, err := token.ParseClientJWKS(body, false)
	if err != nil {
		return nil, 0, fmt.Errorf("jwksfetch: %s: %w", redact(uri), err)
	}
	return set, ttl, nil
}

// get GETs uri and returns its body, of at most MaxBytes, with how long
// to keep what it says.
func (f *Fetcher) get(ctx context.Context, uri, accept string) ([]byte, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, f.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("jwksfetch: %w", err)
	}
	req.Header.Set("Accept", accept)
	resp, err := f.client.Do(req)
	if err != nil {
		// The response-header timeout, the client's and the context's are
		// the same bound; whichever fires first, say so in one way.
		if ne := net.Error(nil); errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded) {
			return nil, 0, fmt.Errorf("jwksfetch: fetch %s: no answer within %s: %w", redact(uri), f.opts.Timeout, err)
		}
		return nil, 0, fmt.Errorf("jwksfetch: fetch %s: %w", redact(uri), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return nil, 0, fmt.Errorf("jwksfetch: fetch %s: status %d", redact(uri), resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, f.opts.MaxBytes+1))
	if err != nil {
		return nil, 0, fmt.Errorf("jwksfetch: read %s: %w", redact(uri), err)
	}
	if int64(len(body)) > f.opts.MaxBytes {
		return nil, 0, fmt.Errorf("jwksfetch: %s answered more than %d bytes", redact(uri), f.opts.MaxBytes)
	}
	return body, f.ttl(resp.Header, f.opts.Now()), nil
}

// ttl is how long to cache an answer with header h (RFC 9111 §5.2.2,
// §5.3), bounded to [MinTTL, MaxTTL].
func (f *Fetcher) ttl(h http.Header, now time.Time) time.Duration {
	d, ok := cacheControlTTL(h.Get("Cache-Control"))
	if !ok {
		d, ok = expiresTTL(h, now)
	}
	if !ok {
		d = f.opts.DefaultTTL
	}
	return min(max(d, f.opts.MinTTL), f.opts.MaxTTL)
}

// cacheControlTTL reads max-age, no-cache and no-store (the last two
// mean "as briefly as allowed").
func cacheControlTTL(cc string) (time.Duration, bool) {
	if cc == "" {
		return 0, false
	}
	var maxAge time.Duration
	found := false
	for _, d := range strings.Split(cc, ",") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), "=")
		switch strings.ToLower(name) {
		case "no-store", "no-cache":
			return 0, true
		case "max-age":
			n, err := strconv.ParseInt(strings.Trim(value, `"`), 10, 64)
			if err != nil || n < 0 {
				return 0, true // an invalid max-age means stale (RFC 9111 §4.2.1)
			}
			maxAge, found = time.Duration(min(n, 1<<31))*time.Second, true
		}
	}
	return maxAge, found
}

// expiresTTL reads Expires, relative to Date when the answer has one.
func expiresTTL(h http.Header, now time.Time) (time.Duration, bool) {
	v := h.Get("Expires")
	if v == "" {
		return 0, false
	}
	exp, err := http.ParseTime(v)
	if err != nil {
		return 0, true // an invalid Expires means stale (RFC 9111 §5.3)
	}
	if date, err := http.ParseTime(h.Get("Date")); err == nil {
		return exp.Sub(date), true
	}
	return exp.Sub(now), true
}

// redact is uri without its query, which may hold a client's token.
func redact(uri string) string {
	if i := strings.IndexAny(uri, "?#"); i >= 0 {
		return uri[:i]
	}
	return uri
}

// NewHTTPClient returns an HTTP client with the address policy of
// fetches (no loopback, private or reserved address unless
// opts.AllowPrivate; checked on every dialed address, redirects
// included), opts.Timeout (DefaultTimeout) on the whole exchange, TLS 1.2
// or later and no proxy: for the other requests the server makes to
// addresses clients registered (back-channel logout, sector identifier
// URIs). Callers bound what they read of a response.
func NewHTTPClient(opts Options) *http.Client { return New(opts).client }
