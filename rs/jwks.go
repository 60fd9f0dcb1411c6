package rs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// maxStale is how long a JWK Set whose refresh keeps failing is still
// used.
const maxStale = 24 * time.Hour

// keySet is the cached JWK Set of the issuer: lookups read a snapshot
// without a lock; one fetch at a time, under mu.
type keySet struct {
	disc     *discovery
	client   *http.Client
	now      func() time.Time
	interval time.Duration // least time between two fetches for an unknown kid
	log      *slog.Logger

	snap atomic.Pointer[keySnapshot]

	mu          sync.Mutex
	lastAttempt time.Time
	lastErr     error // of the last attempt, when no set was ever fetched
}

// keySnapshot is one fetched set.
type keySnapshot struct {
	byKID   map[string][]*jose.JSONWebKey
	all     []*jose.JSONWebKey
	fetched time.Time
	expires time.Time
}

// lookup returns the keys that may have signed a JWS with header kid
// (every key when kid is ""), fetching the set when it has expired, or
// when kid is unknown and no fetch happened in the last interval (the
// authorization server rotated its keys).
func (k *keySet) lookup(ctx context.Context, kid string) ([]*jose.JSONWebKey, error) {
	now := k.now()
	s := k.snap.Load()
	if s == nil || !now.Before(s.expires) {
		var err error
		if s, err = k.refresh(ctx, s, false); err != nil {
			return nil, err
		}
	}
	if keys := s.find(kid); len(keys) > 0 {
		return keys, nil
	}
	s, err := k.refresh(ctx, s, true)
	if err != nil {
		return nil, err
	}
	return s.find(kid), nil
}

func (s *keySnapshot) find(kid string) []*jose.JSONWebKey {
	if kid == "" {
		return s.all
	}
	return s.byKID[kid]
}

// refresh fetches the set unless another caller just did (seen is the
// snapshot the caller found), or, for an unknown kid, the last attempt
// is under interval old. A failure keeps the current set until it is
// maxStale old.
func (k *keySet) refresh(ctx context.Context, seen *keySnapshot, unknownKID bool) (*keySnapshot, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.now()
	cur := k.snap.Load()
	if cur != seen && cur != nil {
		return cur, nil // fetched meanwhile
	}
	if cur != nil && now.Sub(k.lastAttempt) < k.interval {
		return cur, nil
	}
	if cur == nil && k.lastErr != nil && now.Sub(k.lastAttempt) < discoveryRetry {
		return nil, k.lastErr // an unreachable issuer is not asked on every request
	}
	k.lastAttempt = now
	next, err := k.fetch(ctx, now)
	if err == nil {
		k.snap.Store(next)
		return next, nil
	}
	if cur == nil || now.Sub(cur.fetched) > maxStale {
		k.lastErr = err
		return nil, err
	}
	k.log.WarnContext(ctx, "rs: JWK Set refresh failed; using the previous set", "err", err, "unknown_kid", unknownKID)
	stale := *cur
	stale.expires = now.Add(k.interval)
	k.snap.Store(&stale)
	return &stale, nil
}

func (k *keySet) fetch(ctx context.Context, now time.Time) (*keySnapshot, error) {
	md, err := k.disc.get(ctx)
	if err != nil {
		return nil, err
	}
	if md.JWKSURI == "" {
		return nil, errors.New("rs: the issuer's metadata has no jwks_uri")
	}
	b, h, err := get(ctx, k.client, md.JWKSURI, "application/jwk-set+json, application/json")
	if err != nil {
		return nil, err
	}
	s, err := parseKeySet(b)
	if err != nil {
		return nil, err
	}
	s.fetched, s.expires = now, now.Add(cacheTTL(h, now))
	return s, nil
}

// parseKeySet keeps the signature keys of a JWK Set (RFC 7517 §5): a set
// holding private or symmetric keys is refused whole (it is not an
// issuer's published set, and no token may be verified with a secret
// anyone can read); encryption keys are left out.
func parseKeySet(b []byte) (*keySnapshot, error) {
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(b, &set); err != nil {
		return nil, fmt.Errorf("rs: JWK Set: %w", err)
	}
	s := &keySnapshot{byKID: make(map[string][]*jose.JSONWebKey)}
	for i := range set.Keys {
		key := &set.Keys[i]
		if !key.IsPublic() || !key.Valid() {
			return nil, errors.New("rs: the JWK Set holds a private, symmetric or invalid key")
		}
		if key.Use != "" && key.Use != "sig" {
			continue
		}
		s.all = append(s.all, key)
		s.byKID[key.KeyID] = append(s.byKID[key.KeyID], key)
	}
	if len(s.all) == 0 {
		return nil, errors.New("rs: the JWK Set has no signature key")
	}
	return s, nil
}
