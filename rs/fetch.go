package rs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// MaxResponseBytes bounds what is read of any answer of the
// authorization server (metadata, JWK Set, introspection).
const MaxResponseBytes = 256 << 10

// errTooLarge: an answer exceeded MaxResponseBytes.
var errTooLarge = errors.New("rs: response too large")

// readBody reads a 200 answer's body, bounded.
func readBody(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		return nil, fmt.Errorf("rs: %s answered %s", resp.Request.URL.Redacted(), resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err != nil {
		return nil, fmt.Errorf("rs: read %s: %w", resp.Request.URL.Redacted(), err)
	}
	if len(b) > MaxResponseBytes {
		return nil, errTooLarge
	}
	return b, nil
}

// get fetches url and returns its body and headers.
func get(ctx context.Context, c *http.Client, u, accept string) ([]byte, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("rs: %w", err)
	}
	req.Header.Set("Accept", accept)
	resp, err := c.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("rs: get: %w", err)
	}
	b, err := readBody(resp)
	return b, resp.Header, err
}

// Bounds of how long a JWK Set is cached (doc.go).
const (
	minTTL     = time.Minute
	maxTTL     = 24 * time.Hour
	defaultTTL = 5 * time.Minute
)

// cacheTTL reads how long an answer may be reused from its Cache-Control
// (max-age; no-cache and no-store count as 0) or Expires (RFC 9111
// §5.2.2, §5.3), bounded to [minTTL, maxTTL]; defaultTTL if neither says.
func cacheTTL(h http.Header, now time.Time) time.Duration {
	ttl, ok := maxAge(h.Get("Cache-Control"))
	if !ok {
		if exp, err := http.ParseTime(h.Get("Expires")); err == nil {
			ttl, ok = exp.Sub(now), true
		}
	}
	switch {
	case !ok:
		return defaultTTL
	case ttl < minTTL:
		return minTTL
	case ttl > maxTTL:
		return maxTTL
	}
	return ttl
}

func maxAge(cc string) (time.Duration, bool) {
	for _, d := range strings.Split(cc, ",") {
		name, val, _ := strings.Cut(strings.TrimSpace(d), "=")
		switch strings.ToLower(name) {
		case "no-store", "no-cache":
			return 0, true
		case "max-age":
			n, err := strconv.ParseInt(strings.Trim(val, `"`), 10, 64)
			if err == nil && n >= 0 {
				return time.Duration(min(n, int64(maxTTL/time.Second))) * time.Second, true
			}
		}
	}
	return 0, false
}

// metadata is what the middleware reads of RFC 8414 §2 metadata.
type metadata struct {
	Issuer                string `json:"issuer"`
	JWKSURI               string `json:"jwks_uri"`
	IntrospectionEndpoint string `json:"introspection_endpoint"`
}

// discoveryRetry is the least time between two attempts at discovery
// after a failure.
const discoveryRetry = time.Second

// discovery fetches the issuer's metadata once it works, unless the
// configuration names every endpoint itself.
type discovery struct {
	issuer string
	given  metadata
	// introspects: the introspection endpoint is needed.
	introspects bool
	client      *http.Client
	now         func() time.Time

	mu      sync.Mutex
	got     *metadata
	last    time.Time
	lastErr error
}

// get returns the endpoints, fetching the metadata if needed.
func (d *discovery) get(ctx context.Context) (metadata, error) {
	if d.given.JWKSURI != "" && (d.given.IntrospectionEndpoint != "" || !d.introspects) {
		return d.given, nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.got != nil {
		return *d.got, nil
	}
	if d.lastErr != nil && d.now().Sub(d.last) < discoveryRetry {
		return metadata{}, d.lastErr
	}
	d.last = d.now()
	md, err := d.fetch(ctx)
	if err != nil {
		d.lastErr = err
		return metadata{}, err
	}
	if d.given.JWKSURI != "" {
		md.JWKSURI = d.given.JWKSURI
	}
	if d.given.IntrospectionEndpoint != "" {
		md.IntrospectionEndpoint = d.given.IntrospectionEndpoint
	}
	d.got, d.lastErr = &md, nil
	return md, nil
}

// fetch reads the RFC 8414 document (§3.1: /.well-known/ inserted before
// the issuer's path), else OpenID Connect Discovery 1.0's (§4: appended);
// its issuer must be the configured one (RFC 8414 §3.3).
func (d *discovery) fetch(ctx context.Context) (metadata, error) {
	var errs []error
	for _, u := range metadataURLs(d.issuer) {
		b, _, err := get(ctx, d.client, u, "application/json")
		if err != nil {
			errs = append(errs, err)
			continue
		}
		var md metadata
		if err := json.Unmarshal(b, &md); err != nil {
			return metadata{}, fmt.Errorf("rs: metadata at %s: %w", u, err)
		}
		if md.Issuer != d.issuer {
			return metadata{}, fmt.Errorf("rs: metadata at %s names issuer %q, not %q", u, md.Issuer, d.issuer)
		}
		return md, nil
	}
	return metadata{}, fmt.Errorf("rs: discovery: %w", errors.Join(errs...))
}

func metadataURLs(issuer string) []string {
	u, err := url.Parse(issuer)
	if err != nil {
		return nil
	}
	path := strings.TrimSuffix(u.Path, "/")
	as := *u
	as.Path = "/.well-known/oauth-authorization-server" + path
	oidc := *u
	oidc.Path = path + "/.well-known/openid-configuration"
	return []string{as.String(), oidc.String()}
}
