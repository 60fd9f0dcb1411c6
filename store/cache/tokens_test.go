package cache

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/internal/fakeclock"
	"github.com/tokenmint/tokenmint/store"
	"github.com/tokenmint/tokenmint/store/sqlstore"
)

// counting counts the reads of access token records that reach the
// database.
type counting struct {
	tokenmint.Store
	reads atomic.Int64
}

func (c *counting) GetAccessToken(ctx context.Context, id string) (tokenmint.AccessToken, error) {
	c.reads.Add(1)
	return c.Store.GetAccessToken(ctx, id)
}

// fixture is a cache over the revocation list over a SQLite file, as
// Wrap stacks them, and "another process" on the same file.
type fixture struct {
	clk   *fakeclock.Clock
	db    *counting
	deny  *denylist
	cache *tokenCache
	other tokenmint.Store
}

func newFixture(t testing.TB, entries int) *fixture {
	t.Helper()
	ctx := t.Context()
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "cache.db")
	opts := sqlstore.Options{Logger: slog.New(slog.DiscardHandler)}
	mine, err := store.Open(ctx, dsn, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mine.Close() })
	other, err := store.Open(ctx, dsn, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	f := &fixture{clk: fakeclock.New(t0), db: &counting{Store: mine}, other: other}
	w := Wrap(f.db, Options{TokenEntries: entries, Now: f.clk.Now})
	if err := w.Load(ctx); err != nil {
		t.Fatal(err)
	}
	f.deny, f.cache = w.denylist, w.tokens
	return f
}

func opaque(id string, idle time.Duration) tokenmint.AccessToken {
	return tokenmint.AccessToken{
		ID: id, Format: tokenmint.FormatOpaque, ClientID: "c", Subject: "c",
		Scopes: []string{"read"}, IssuedAt: t0, ExpiresAt: t0.Add(time.Hour),
		IdleTTL: idle, LastUsedAt: t0,
	}
}

func (f *fixture) create(t testing.TB, tok tokenmint.AccessToken) {
	t.Helper()
	if err := f.other.CreateAccessToken(t.Context(), tok); err != nil {
		t.Fatalf("create %s: %v", tok.ID, err)
	}
}

// get reads id through the cache and reports whether it was found and how
// many database reads it took.
func (f *fixture) get(t *testing.T, id string) (tokenmint.AccessToken, bool, int64) {
	t.Helper()
	before := f.db.reads.Load()
	rec, err := f.cache.GetAccessToken(t.Context(), id)
	reads := f.db.reads.Load() - before
	if errors.Is(err, tokenmint.ErrNotFound) {
		return rec, false, reads
	}
	if err != nil {
		t.Fatalf("get %s: %v", id, err)
	}
	return rec, true, reads
}

func TestServesRepeatReadsFromMemory(t *testing.T) {
	f := newFixture(t, 1000)
	f.create(t, opaque("tok", 0))
	if _, found, reads := f.get(t, "tok"); !found || reads != 1 {
		t.Fatalf("first read: found %v with %d database reads, want found with 1", found, reads)
	}
	for range 3 {
		rec, found, reads := f.get(t, "tok")
		if !found || reads != 0 || rec.ClientID != "c" || rec.Scopes[0] != "read" {
			t.Fatalf("repeat read: found %v, %d database reads, record %+v; want the record with none", found, reads, rec)
		}
	}
	if st := f.cache.Stats(); st.Entries != 1 || st.Hits != 3 || st.Misses != 1 {
		t.Fatalf("stats %+v, want 1 entry, 3 hits, 1 miss", st)
	}
}

func TestNotCached(t *testing.T) {
	f := newFixture(t, 1000)
	jwt := opaque("jwt", 0)
	jwt.Format = tokenmint.FormatJWT
	f.create(t, jwt)
	expired := opaque("expired", 0)
	expired.ExpiresAt = t0
	f.create(t, expired)
	for _, id := range []string{"unknown", "jwt", "expired"} {
		f.get(t, id)
		if _, _, reads := f.get(t, id); reads != 1 {
			t.Errorf("second read of %s took %d database reads, want 1 (not cached)", id, reads)
		}
	}
	if n := f.cache.Stats().Entries; n != 0 {
		t.Fatalf("%d entries, want none", n)
	}
}

// TestRevocationsReachTheCache: each way of revoking an opaque token, by
// this process or another, makes the cached record unavailable: at once
// for this process, after the revocation feed is read for another.
func TestRevocationsReachTheCache(t *testing.T) {
	ctx := t.Context()
	cases := []struct {
		name   string
		setup  func(t *testing.T, s tokenmint.Store)
		revoke func(s tokenmint.Store) error
	}{
		{"DeleteAccessToken", nil, func(s tokenmint.Store) error { return s.DeleteAccessToken(ctx, "tok") }},
		{"RevokeFamily", func(t *testing.T, s tokenmint.Store) {
			if err := s.CreateFamily(ctx, tokenmint.Family{ID: "fam", ClientID: "c", Subject: "u", CreatedAt: t0, ExpiresAt: t0.Add(24 * time.Hour)}); err != nil {
				t.Fatal(err)
			}
		}, func(s tokenmint.Store) error { return s.RevokeFamily(ctx, "fam", t0) }},
		{"DeleteClient", func(t *testing.T, s tokenmint.Store) {
			if err := s.CreateClient(ctx, tokenmint.Client{ID: "c", Name: "c", GrantTypes: []string{"client_credentials"}}); err != nil {
				t.Fatal(err)
			}
		}, func(s tokenmint.Store) error { return s.DeleteClient(ctx, "c") }},
		{"DeleteUser", func(t *testing.T, s tokenmint.Store) {
			if err := s.CreateUser(ctx, tokenmint.User{ID: "u", Username: "u", CreatedAt: t0}); err != nil {
				t.Fatal(err)
			}
			if err := s.CreateFamily(ctx, tokenmint.Family{ID: "fam", ClientID: "c", Subject: "u", CreatedAt: t0, ExpiresAt: t0.Add(24 * time.Hour)}); err != nil {
				t.Fatal(err)
			}
		}, func(s tokenmint.Store) error { return s.DeleteUser(ctx, "u") }},
	}
	for _, tc := range cases {
		for _, by := range []string{"this process", "another process"} {
			t.Run(tc.name+" by "+by, func(t *testing.T) {
				f := newFixture(t, 1000)
				if tc.setup != nil {
					tc.setup(t, f.other)
				}
				tok := opaque("tok", 0)
				tok.FamilyID = "fam"
				f.create(t, tok)
				if _, found, _ := f.get(t, "tok"); !found {
					t.Fatal("token not found before revocation")
				}
				if by == "this process" {
					if err := tc.revoke(f.cache); err != nil {
						t.Fatal(err)
					}
				} else {
					if err := tc.revoke(f.other); err != nil {
						t.Fatal(err)
					}
					// Until the feed is read the copy is served: the
					// documented bound (one poll interval).
					if _, found, reads := f.get(t, "tok"); !found || reads != 0 {
						t.Fatalf("before the feed was read: found %v with %d reads; want the cached copy", found, reads)
					}
					if err := f.deny.Sync(ctx); err != nil {
						t.Fatal(err)
					}
				}
				if _, found, _ := f.get(t, "tok"); found {
					t.Fatal("revoked token still served")
				}
			})
		}
	}
}

// TestIdleExpirySeesOtherProcessesTouches: another process slid the idle
// expiry; when this process's copy says the token is idle, the record is
// read again instead of reporting it inactive.
func TestIdleExpirySeesOtherProcessesTouches(t *testing.T) {
	f := newFixture(t, 1000)
	const idle = 10 * time.Minute
	f.create(t, opaque("tok", idle))
	f.get(t, "tok")
	f.clk.Advance(idle / 200) // under the write granularity: served from memory
	if _, _, reads := f.get(t, "tok"); reads != 0 {
		t.Fatalf("fresh copy took %d reads, want none", reads)
	}
	touched := t0.Add(8 * time.Minute)
	if err := f.other.TouchAccessToken(t.Context(), "tok", touched); err != nil {
		t.Fatal(err)
	}
	f.clk.Set(t0.Add(idle + time.Minute)) // idle by the copy, not by the store
	rec, found, reads := f.get(t, "tok")
	if !found || reads != 1 || !rec.ActiveAt(f.clk.Now()) || !rec.LastUsedAt.Equal(touched) {
		t.Fatalf("found %v with %d reads, last used %v, active %v; want the stored record, active", found, reads, rec.LastUsedAt, rec.ActiveAt(f.clk.Now()))
	}
	// A touch through the cache brings the copy forward.
	now := f.clk.Now()
	if err := f.cache.TouchAccessToken(t.Context(), "tok", now); err != nil {
		t.Fatal(err)
	}
	if rec, _, reads := f.get(t, "tok"); reads != 0 || !rec.LastUsedAt.Equal(now) {
		t.Fatalf("after a touch: %d reads, last used %v; want the copy, last used %v", reads, rec.LastUsedAt, now)
	}
}

func TestBoundedAndEvictsExpiredFirst(t *testing.T) {
	f := newFixture(t, 64) // one entry per shard
	for i := range 300 {
		tok := opaque(fmt.Sprintf("tok-%d", i), 0)
		tok.ExpiresAt = t0.Add(time.Duration(i+1) * time.Minute)
		f.create(t, tok)
		f.get(t, tok.ID)
	}
	if n := f.cache.Stats().Entries; n > 64 || n < 1 {
		t.Fatalf("%d entries for a bound of 64", n)
	}
	// Past the expiry of every token but the last: a new entry evicts an
	// expired one, never the live one, in whichever shard they land.
	f.clk.Set(t0.Add(299 * time.Minute))
	live := opaque("live", 0)
	live.ExpiresAt = t0.Add(10 * time.Hour)
	f.create(t, live)
	f.get(t, "live")
	for i := range 200 {
		tok := opaque(fmt.Sprintf("new-%d", i), 0)
		tok.ExpiresAt = t0.Add(10 * time.Hour)
		f.create(t, tok)
		f.get(t, tok.ID)
		if n := f.cache.Stats().Entries; n > 64 {
			t.Fatalf("%d entries for a bound of 64", n)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	f := newFixture(t, 128)
	ctx := t.Context()
	for i := range 50 {
		f.create(t, opaque(fmt.Sprintf("tok-%d", i), time.Hour))
	}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 400 {
				id := fmt.Sprintf("tok-%d", (i*7+w)%50)
				switch i % 40 {
				case 39:
					_ = f.cache.DeleteAccessToken(ctx, id)
				case 17:
					_ = f.cache.TouchAccessToken(ctx, id, f.clk.Now())
				default:
					if _, err := f.cache.GetAccessToken(ctx, id); err != nil && !errors.Is(err, tokenmint.ErrNotFound) {
						t.Error(err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	// Whatever was deleted is gone through the cache too.
	for i := range 50 {
		id := fmt.Sprintf("tok-%d", i)
		_, errDB := f.other.GetAccessToken(ctx, id)
		_, errCache := f.cache.GetAccessToken(ctx, id)
		if errors.Is(errDB, tokenmint.ErrNotFound) != errors.Is(errCache, tokenmint.ErrNotFound) {
			t.Fatalf("%s: database says %v, cache says %v", id, errDB, errCache)
		}
	}
}

func BenchmarkGetAccessTokenHit(b *testing.B) {
	f := newFixture(b, 1000)
	tok := opaque("some-opaque-token-id-0123456789abcdefghijkl", 0)
	f.create(b, tok)
	ctx := b.Context()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := f.cache.GetAccessToken(ctx, tok.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
}
