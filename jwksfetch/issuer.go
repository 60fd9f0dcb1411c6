package jwksfetch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// discoveryEntry caches the jwks_uri of one issuer's OpenID discovery
// document.
type discoveryEntry struct {
	mu       sync.Mutex // held during a fetch of the document
	jwksURI  string
	fetched  time.Time
	expires  time.Time
	err      error
	failed   time.Time
	lastUsed time.Time // under Fetcher.mu
}

// IssuerKeys returns the JWK Set of an external issuer a client trusts
// (grant.IssuerKeySource, workload identity federation): the set at the
// jwks_uri of the issuer's OpenID discovery document, fetched from
// issuer + "/.well-known/openid-configuration" (OIDC Discovery §4),
// whose issuer must be the one asked for (§4.3). The document is cached
// as a JWK Set is (its cache headers, bounded to [MinTTL, MaxTTL]), the
// set by ClientKeys, and refresh (an unknown kid) fetches the set again
// at most once per RefreshInterval. Every fetch is under the same
// address policy as a client's jwks_uri.
func (f *Fetcher) IssuerKeys(ctx context.Context, issuer string, refresh bool) (*jose.JSONWebKeySet, error) {
	uri, err := f.issuerJWKSURI(ctx, issuer)
	if err != nil {
		return nil, err
	}
	return f.ClientKeys(ctx, uri, refresh)
}

// issuerJWKSURI returns the jwks_uri of issuer, from the cache or its
// discovery document; a failed fetch keeps serving the last good one
// until it is MaxTTL old.
func (f *Fetcher) issuerJWKSURI(ctx context.Context, issuer string) (string, error) {
	u, err := url.Parse(issuer)
	if err != nil {
		return "", fmt.Errorf("jwksfetch: issuer: %w", err)
	}
	if err := f.checkURL(u); err != nil {
		return "", err
	}
	e := f.discoveryEntry(issuer)
	e.mu.Lock()
	defer e.mu.Unlock()
	now := f.opts.Now()
	switch {
	case e.jwksURI != "" && now.Before(e.expires):
		return e.jwksURI, nil
	case e.jwksURI == "" && e.err != nil && now.Sub(e.failed) < f.opts.RefreshInterval/6:
		return "", e.err
	}
	uri, ttl, err := f.fetchDiscovery(ctx, issuer)
	if err != nil {
		e.err, e.failed = err, now
		if e.jwksURI != "" && now.Sub(e.fetched) < f.opts.MaxTTL {
			f.log.WarnContext(ctx, "issuer discovery fetch failed; using the last jwks_uri", "issuer", issuer, "err", err)
			e.expires = now.Add(f.opts.MinTTL)
			return e.jwksURI, nil
		}
		e.jwksURI = ""
		return "", err
	}
	e.jwksURI, e.fetched, e.expires, e.err = uri, now, now.Add(ttl), nil
	return uri, nil
}

// ErrDiscovery is wrapped by the error of a discovery document that is
// not one of the issuer asked for, or names no usable jwks_uri.
var ErrDiscovery = errors.New("jwksfetch: issuer discovery")

// fetchDiscovery reads the issuer's discovery document.
func (f *Fetcher) fetchDiscovery(ctx context.Context, issuer string) (string, time.Duration, error) {
	uri := strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
	body, ttl, err := f.get(ctx, uri, "application/json")
	if err != nil {
		return "", 0, err
	}
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return "", 0, fmt.Errorf("%w: %s is not a JSON object: %v", ErrDiscovery, redact(uri), err)
	}
	if doc.Issuer != issuer {
		return "", 0, fmt.Errorf("%w: %s names issuer %q, not %q (OIDC Discovery §4.3)", ErrDiscovery, redact(uri), doc.Issuer, issuer)
	}
	ju, err := url.Parse(doc.JWKSURI)
	if err != nil || doc.JWKSURI == "" {
		return "", 0, fmt.Errorf("%w: %s has no valid jwks_uri", ErrDiscovery, redact(uri))
	}
	if err := f.checkURL(ju); err != nil {
		return "", 0, fmt.Errorf("%w: jwks_uri: %w", ErrDiscovery, err)
	}
	return doc.JWKSURI, ttl, nil
}

// discoveryEntry returns the cache entry of issuer, making it (and
// dropping the least recently used one when the cache is full).
func (f *Fetcher) discoveryEntry(issuer string) *discoveryEntry {
	f.mu.Lock()
	defer f.mu.Unlock()
	return lruEntry(f.discovery, issuer, f.opts.MaxEntries, f.opts.Now())
}

func (e *discoveryEntry) used() *time.Time { return &e.lastUsed }
