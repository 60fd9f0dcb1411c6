package ratelimit

import (
	"hash/maphash"
	"sync"
)

// shardCount spreads keys over independently locked maps so that
// concurrent requests for different keys rarely contend.
const shardCount = 64

// shards is a map of keys to V split over shardCount independently locked
// maps: the storage of both in-memory limiters (Memory, MemoryWindow).
type shards[V any] struct {
	seed maphash.Seed
	s    [shardCount]shard[V]
}

type shard[V any] struct {
	mu sync.Mutex
	m  map[string]V
	_  [48]byte // pad to a cache line against false sharing
}

func (sh *shards[V]) init() {
	sh.seed = maphash.MakeSeed()
	for i := range sh.s {
		sh.s[i].m = make(map[string]V)
	}
}

// of returns the shard holding key; the caller locks it.
func (sh *shards[V]) of(key string) *shard[V] {
	return &sh.s[maphash.String(sh.seed, key)%shardCount]
}

// sweep removes the entries spent says hold nothing any more, one shard
// locked at a time, and returns how many it removed.
func (sh *shards[V]) sweep(spent func(V) bool) int {
	removed := 0
	for i := range sh.s {
		s := &sh.s[i]
		s.mu.Lock()
		for k, v := range s.m {
			if spent(v) {
				delete(s.m, k)
				removed++
			}
		}
		s.mu.Unlock()
	}
	return removed
}

// len returns how many keys are held.
func (sh *shards[V]) len() int {
	n := 0
	for i := range sh.s {
		s := &sh.s[i]
		s.mu.Lock()
		n += len(s.m)
		s.mu.Unlock()
	}
	return n
}
