package cache

import (
	"context"
	"fmt"
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tokenmint/tokenmint"
)

// shardCount spreads the entries over independently locked maps, so that
// concurrent introspections rarely contend.
const shardCount = 64

// evictSample is how many entries a full shard looks at to find one to
// evict: an expired one if any, else the one that expires first.
const evictSample = 8

// tokenCache is a tokenmint.Store whose GetAccessToken answers from
// memory for opaque tokens it has read before (see the package
// documentation). Every other method is the wrapped store's;
// TouchAccessToken and DeleteAccessToken also update the cache.
type tokenCache struct {
	tokenmint.Store
	now      func() time.Time
	seed     maphash.Seed
	perShard int
	shards   [shardCount]shard

	size   atomic.Int64
	hits   atomic.Uint64
	misses atomic.Uint64
}

type shard struct {
	mu sync.RWMutex
	m  map[string]tokenmint.AccessToken
}

// newTokenCache wraps store, which must be the denylist (it answers
// IsRevoked from memory and follows the revocation feed) for the
// guarantees of the package documentation to hold: Wrap stacks them so.
// It holds about opts.TokenEntries records, at least one per shard.
func newTokenCache(store *denylist, opts Options) *tokenCache {
	opts = opts.withDefaults()
	s := &tokenCache{Store: store, now: opts.Now, seed: maphash.MakeSeed()}
	s.perShard = max(1, (opts.TokenEntries+shardCount-1)/shardCount)
	for i := range s.shards {
		s.shards[i].m = make(map[string]tokenmint.AccessToken)
	}
	return s
}

func (s *tokenCache) shard(id string) *shard {
	return &s.shards[maphash.String(s.seed, id)%shardCount]
}

// GetAccessToken returns the cached record when it may be served (see the
// package documentation): active, not revoked, its use not due to be
// written. Otherwise it reads the record, and caches it when it is an
// active opaque token. The record's slices are shared with the cache:
// callers must not modify them.
func (s *tokenCache) GetAccessToken(ctx context.Context, id string) (tokenmint.AccessToken, error) {
	sh := s.shard(id)
	sh.mu.RLock()
	rec, ok := sh.m[id]
	sh.mu.RUnlock()
	now := s.now()
	if ok && rec.ActiveAt(now) && !rec.TouchDue(now) {
		revoked, err := s.Store.IsRevoked(ctx, id)
		if err != nil {
			return tokenmint.AccessToken{}, fmt.Errorf("get access token: %w", err)
		}
		if !revoked {
			s.hits.Add(1)
			return rec, nil
		}
		s.remove(sh, id)
		return tokenmint.AccessToken{}, fmt.Errorf("get access token: revoked: %w", tokenmint.ErrNotFound)
	}
	s.misses.Add(1)
	rec, err := s.Store.GetAccessToken(ctx, id)
	if err != nil {
		if ok {
			s.remove(sh, id)
		}
		return rec, err
	}
	if rec.Format == tokenmint.FormatOpaque && rec.ActiveAt(now) {
		s.put(sh, rec, now)
	}
	return rec, nil
}

// TouchAccessToken slides the stored idle expiry and the cached copy's.
func (s *tokenCache) TouchAccessToken(ctx context.Context, id string, usedAt time.Time) error {
	sh := s.shard(id)
	if err := s.Store.TouchAccessToken(ctx, id, usedAt); err != nil {
		s.remove(sh, id)
		return err
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if rec, ok := sh.m[id]; ok && usedAt.After(rec.LastUsedAt) {
		rec.LastUsedAt = usedAt
		sh.m[id] = rec
	}
	return nil
}

// DeleteAccessToken revokes the token and drops the cached copy.
func (s *tokenCache) DeleteAccessToken(ctx context.Context, id string) error {
	err := s.Store.DeleteAccessToken(ctx, id)
	s.remove(s.shard(id), id)
	return err
}

// put caches rec, evicting an entry first when the shard is full.
func (s *tokenCache) put(sh *shard, rec tokenmint.AccessToken, now time.Time) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if _, ok := sh.m[rec.ID]; !ok {
		if len(sh.m) >= s.perShard {
			delete(sh.m, victim(sh.m, now))
		} else {
			s.size.Add(1)
		}
	}
	sh.m[rec.ID] = rec
}

// victim picks the entry to evict from a full map among a few sampled
// (map iteration starts at a random place): the first expired one, else
// the one closest to its expiry.
func victim(m map[string]tokenmint.AccessToken, now time.Time) string {
	var id string
	var soonest time.Time
	n := 0
	for k, rec := range m {
		exp := rec.EffectiveExpiry()
		if !now.Before(exp) {
			return k
		}
		if n == 0 || exp.Before(soonest) {
			id, soonest = k, exp
		}
		if n++; n == evictSample {
			break
		}
	}
	return id
}

func (s *tokenCache) remove(sh *shard, id string) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if _, ok := sh.m[id]; ok {
		delete(sh.m, id)
		s.size.Add(-1)
	}
}

// TokenStats are the opaque token cache's counters.
type TokenStats struct {
	Entries      int    // records held
	Hits, Misses uint64 // lookups answered from memory, from the store
}

// Stats returns the current counters.
func (s *tokenCache) Stats() TokenStats {
	return TokenStats{Entries: int(s.size.Load()), Hits: s.hits.Load(), Misses: s.misses.Load()}
}
