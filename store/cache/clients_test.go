package cache

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
)

// fakeStore counts reads and serves clients from a map.
type fakeStore struct {
	tokenmint.ClientStore
	mu      sync.Mutex
	clients map[string]tokenmint.Client
	reads   atomic.Int64
	rev     atomic.Int64
}

func (f *fakeStore) GetClient(_ context.Context, id string) (tokenmint.Client, error) {
	f.reads.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.clients[id]
	if !ok {
		return c, tokenmint.ErrNotFound
	}
	return c, nil
}

func (f *fakeStore) Revision(context.Context) (int64, error) { return f.rev.Load(), nil }

func (f *fakeStore) set(c tokenmint.Client) {
	f.mu.Lock()
	f.clients[c.ID] = c
	f.mu.Unlock()
	f.rev.Add(1)
}

func TestCacheServesFromMemoryAndMisses(t *testing.T) {
	fs := &fakeStore{clients: map[string]tokenmint.Client{"a": {ID: "a", Name: "A"}}}
	c := newClients(fs)
	ctx := context.Background()
	for range 3 {
		got, err := c.GetClient(ctx, "a")
		if err != nil || got.Name != "A" {
			t.Fatalf("GetClient(a) = %+v, %v", got, err)
		}
		if _, err := c.GetClient(ctx, "nope"); !errors.Is(err, tokenmint.ErrNotFound) {
			t.Fatalf("GetClient(nope) err = %v, want ErrNotFound", err)
		}
	}
	if n := fs.reads.Load(); n != 2 {
		t.Fatalf("store reads = %d, want 2 (one hit, one miss, both cached)", n)
	}
	if st := c.Stats(); st != (ClientStats{Entries: 2, Hits: 4, Misses: 2}) {
		t.Fatalf("Stats() = %+v, want 2 entries, 4 hits, 2 misses", st)
	}
}

func TestWatchInvalidatesOnRevisionChange(t *testing.T) {
	fs := &fakeStore{clients: map[string]tokenmint.Client{"a": {ID: "a", Name: "old"}}}
	c := newClients(fs)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if got, _ := c.GetClient(ctx, "a"); got.Name != "old" {
		t.Fatalf("got %q", got.Name)
	}
	changed := make(chan struct{}, 8)
	since, _ := fs.Revision(ctx)
	fs.set(tokenmint.Client{ID: "a", Name: "changed before Watch runs"}) // must not be missed
	go watchRevision(ctx, fs, since, 10*time.Millisecond, nil, func(context.Context) { c.invalidate(); changed <- struct{}{} })
	select {
	case <-changed:
	case <-time.After(5 * time.Second):
		t.Fatal("Watch missed a change made before its first poll")
	}
	fs.set(tokenmint.Client{ID: "a", Name: "new"})
	select {
	case <-changed:
	case <-time.After(5 * time.Second):
		t.Fatal("Watch did not notice the revision change")
	}
	if got, _ := c.GetClient(ctx, "a"); got.Name != "new" {
		t.Fatalf("after invalidation got %q, want new", got.Name)
	}
}

func BenchmarkGetClientHit(b *testing.B) {
	fs := &fakeStore{clients: map[string]tokenmint.Client{"a": {ID: "a"}}}
	c := newClients(fs)
	ctx := context.Background()
	c.GetClient(ctx, "a")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c.GetClient(ctx, "a")
		}
	})
}
