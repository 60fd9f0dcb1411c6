// Package tokencache keeps recently read opaque access token records in
// memory, so that introspecting (and revoking, and calling UserInfo with)
// an opaque token does not read the database each time.
//
// A cached record can go stale in three ways, and each is handled:
//
//   - The token is revoked (RFC 7009, a refresh token's family, its client
//     or user deleted). Every revocation enters the store's revocation
//     feed, and the wrapped store must answer IsRevoked from memory while
//     following that feed (package denylist). A hit is served only after
//     IsRevoked says no, so a token revoked through this process is
//     inactive at once, and one revoked by another process sharing the
//     database once the feed has been read (one poll interval at most):
//     the same bound as for JWTs.
//   - Another process slides its idle expiry (TouchAccessToken). A copy
//     can only be older than the stored record, so it can only make the
//     token look closer to its idle expiry. A hit is served only while
//     the copy says no write of the token's use is due
//     (AccessToken.TouchDue), which implies it is active by its idle
//     expiry; otherwise the record is read again, and the caller's
//     write brings the copy up to date.
//   - The token expires: a copy is served only while it is active, so an
//     expired token is read again, and is gone once the janitor has been.
//
// Only opaque records are cached; unknown IDs are not, so guessing tokens
// costs the guesser a read each time, as before. The cache is bounded: a
// full shard evicts a sampled entry, an expired one when it finds one.
package tokencache

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

// Store is a tokenmint.Store whose GetAccessToken answers from memory for
// opaque tokens it has read before. Every other method is the wrapped
// store's; TouchAccessToken and DeleteAccessToken also update the cache.
type Store struct {
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

// Options are the optional parts of New.
type Options struct {
	// Entries bounds how many records are held; at least one per shard.
	Entries int
	Now     func() time.Time
}

// New wraps store, which must answer IsRevoked from memory and follow
// the revocation feed (denylist.Store) for the guarantees of the package
// documentation to hold.
func New(store tokenmint.Store, opts Options) *Store {
	s := &Store{Store: store, now: opts.Now, seed: maphash.MakeSeed()}
	if s.now == nil {
		s.now = time.Now
	}
	s.perShard = max(1, (opts.Entries+shardCount-1)/shardCount)
	for i := range s.shards {
		s.shards[i].m = make(map[string]tokenmint.AccessToken)
	}
	return s
}

func (s *Store) shard(id string) *shard {
	return &s.shards[maphash.String(s.seed, id)%shardCount]
}

// GetAccessToken returns the cached record when it may be served (see the
// package documentation): active, not revoked, its use not due to be
// written. Otherwise it reads the record, and caches it when it is an
// active opaque token. The record's slices are shared with the cache:
// callers must not modify them.
func (s *Store) GetAccessToken(ctx context.Context, id string) (tokenmint.AccessToken, error) {
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
func (s *Store) TouchAccessToken(ctx context.Context, id string, usedAt time.Time) error {
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
func (s *Store) DeleteAccessToken(ctx context.Context, id string) error {
	err := s.Store.DeleteAccessToken(ctx, id)
	s.remove(s.shard(id), id)
	return err
}

// put caches rec, evicting an entry first when the shard is full.
func (s *Store) put(sh *shard, rec tokenmint.AccessToken, now time.Time) {
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

func (s *Store) remove(sh *shard, id string) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if _, ok := sh.m[id]; ok {
		delete(sh.m, id)
		s.size.Add(-1)
	}
}

// Stats are the cache's counters.
type Stats struct {
	Entries      int
	Hits, Misses uint64
}

// Stats returns the current counters.
func (s *Store) Stats() Stats {
	return Stats{Entries: int(s.size.Load()), Hits: s.hits.Load(), Misses: s.misses.Load()}
}
