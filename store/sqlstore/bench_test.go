package sqlstore

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/internal/benchcpu"
	"github.com/tokenmint/tokenmint/token"
)

// The hot paths: issuing (CreateAccessToken), introspecting
// (GetAccessToken, TouchAccessToken), authenticating a client (GetClient)
// and checking a JWT (IsRevoked). The Parallel variants issue from
// GOMAXPROCS goroutines, Parallel16 from 16 per GOMAXPROCS, about what a
// loaded server has waiting, so that inserts form groups. Run with
//
//	go test -run x -bench . -benchmem ./store/...
//
// PostgreSQL variants run when TOKENMINT_TEST_POSTGRES is set.

func openSQLiteBench(b *testing.B) *DB { return openSQLite(b, sqlitePath(b)) }

func BenchmarkSQLiteCreateAccessToken(b *testing.B) { benchCreateAccessToken(b, openSQLiteBench(b)) }
func BenchmarkSQLiteCreateAccessTokenParallel(b *testing.B) {
	benchCreateAccessTokenParallel(b, openSQLiteBench(b))
}
func BenchmarkSQLiteCreateAccessTokenParallel16(b *testing.B) {
	b.SetParallelism(16)
	benchCreateAccessTokenParallel(b, openSQLiteBench(b))
}
func BenchmarkSQLiteGetAccessToken(b *testing.B)   { benchGetAccessToken(b, openSQLiteBench(b)) }
func BenchmarkSQLiteTouchAccessToken(b *testing.B) { benchTouchAccessToken(b, openSQLiteBench(b)) }
func BenchmarkSQLiteGetClient(b *testing.B)        { benchGetClient(b, openSQLiteBench(b)) }
func BenchmarkSQLiteIsRevoked(b *testing.B)        { benchIsRevoked(b, openSQLiteBench(b)) }

func BenchmarkPostgresCreateAccessToken(b *testing.B) { benchCreateAccessToken(b, openPostgres(b)) }
func BenchmarkPostgresCreateAccessTokenParallel(b *testing.B) {
	benchCreateAccessTokenParallel(b, openPostgres(b))
}
func BenchmarkPostgresCreateAccessTokenParallel16(b *testing.B) {
	b.SetParallelism(16)
	benchCreateAccessTokenParallel(b, openPostgres(b))
}
func BenchmarkPostgresGetAccessToken(b *testing.B)   { benchGetAccessToken(b, openPostgres(b)) }
func BenchmarkPostgresTouchAccessToken(b *testing.B) { benchTouchAccessToken(b, openPostgres(b)) }
func BenchmarkPostgresGetClient(b *testing.B)        { benchGetClient(b, openPostgres(b)) }
func BenchmarkPostgresIsRevoked(b *testing.B)        { benchIsRevoked(b, openPostgres(b)) }

func benchCreateAccessToken(b *testing.B, db *DB) {
	ctx := context.Background()
	now := time.Now()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		if err := db.CreateAccessToken(ctx, testAccessToken("bench-"+strconv.Itoa(i), now)); err != nil {
			b.Fatal(err)
		}
	}
}

func benchCreateAccessTokenParallel(b *testing.B, db *DB) {
	ctx := context.Background()
	now := time.Now()
	var n atomic.Int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := "bench-" + strconv.FormatInt(n.Add(1), 10)
			if err := db.CreateAccessToken(ctx, testAccessToken(id, now)); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// seedTokens stores n access tokens named t0..t(n-1).
func seedTokens(b *testing.B, db *DB, n int) {
	b.Helper()
	now := time.Now()
	for i := range n {
		if err := db.CreateAccessToken(context.Background(), testAccessToken("t"+strconv.Itoa(i), now)); err != nil {
			b.Fatal(err)
		}
	}
}

func benchGetAccessToken(b *testing.B, db *DB) {
	const n = 1000
	seedTokens(b, db, n)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		if _, err := db.GetAccessToken(ctx, "t"+strconv.Itoa(i%n)); err != nil {
			b.Fatal(err)
		}
	}
}

func benchTouchAccessToken(b *testing.B, db *DB) {
	const n = 1000
	seedTokens(b, db, n)
	ctx := context.Background()
	at := time.Now()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		at = at.Add(time.Millisecond)
		if err := db.TouchAccessToken(ctx, "t"+strconv.Itoa(i%n), at); err != nil {
			b.Fatal(err)
		}
	}
}

func benchGetClient(b *testing.B, db *DB) {
	ctx := context.Background()
	c := testClient("bench-client")
	c.RedirectURIs = []string{"https://app.example/cb"}
	c.Claims = map[string]string{"tenant": "acme"}
	if err := db.CreateClient(ctx, c); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := db.GetClient(ctx, c.ID); err != nil {
			b.Fatal(err)
		}
	}
}

func benchIsRevoked(b *testing.B, db *DB) {
	ctx := context.Background()
	if err := db.RevokeJWT(ctx, tokenmint.RevokedToken{ID: "revoked", ClientID: "c", ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		jti := "live"
		if i%2 == 0 {
			jti = "revoked"
		}
		if revoked, err := db.IsRevoked(ctx, jti); err != nil || revoked != (i%2 == 0) {
			b.Fatalf("IsRevoked(%s) = %v, %v", jti, revoked, err)
		}
	}
}

// BenchmarkSQLiteCreateAccessTokenIDs inserts opaque token records, as a
// loaded server does (16 goroutines per GOMAXPROCS), into a table that
// already holds 100,000, with the IDs the server computes: "random" are
// keyed hashes of token.Generate credentials (every token before
// GenerateTimed), "timed" of token.GenerateTimed ones, which sort by
// issuance time and so are inserted at the right-hand edge of the ID
// index instead of on a random leaf page.
func BenchmarkSQLiteCreateAccessTokenIDs(b *testing.B) {
	benchCreateAccessTokenIDs(b, func(tb testing.TB) *DB { return openSQLite(tb, sqlitePath(tb)) })
}

func BenchmarkPostgresCreateAccessTokenIDs(b *testing.B) {
	benchCreateAccessTokenIDs(b, openPostgres)
}

func benchCreateAccessTokenIDs(b *testing.B, open func(testing.TB) *DB) {
	h := token.NewHasher(token.GenerateMasterKey().Derive(token.PurposeTokenHash))
	for _, tc := range []struct {
		name string
		id   func() string
	}{
		{"random", func() string { return h.ID(token.Generate(token.PrefixAccessToken)) }},
		{"timed", func() string { return h.ID(token.GenerateTimed(token.PrefixAccessToken, time.Now())) }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			db := open(b)
			ctx := context.Background()
			now := time.Now()
			var wg sync.WaitGroup
			for range 64 {
				wg.Go(func() {
					for range 100_000 / 64 {
						if err := db.CreateAccessToken(ctx, testAccessToken(tc.id(), now)); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			b.ReportAllocs()
			b.SetParallelism(16)
			b.ResetTimer()
			stop := benchcpu.Start(b)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := db.CreateAccessToken(ctx, testAccessToken(tc.id(), now)); err != nil {
						b.Error(err)
						return
					}
				}
			})
			stop()
		})
	}
}

// UseOnce is a client assertion's write (its jti): one conditional insert
// per token request of a private_key_jwt or client_secret_jwt client.
func BenchmarkSQLiteUseOnce(b *testing.B) { benchUseOnce(b, openSQLiteBench(b), 1) }
func BenchmarkSQLiteUseOnceParallel16(b *testing.B) {
	benchUseOnce(b, openSQLiteBench(b), 16)
}
func BenchmarkPostgresUseOnce(b *testing.B) { benchUseOnce(b, openPostgres(b), 1) }
func BenchmarkPostgresUseOnceParallel16(b *testing.B) {
	benchUseOnce(b, openPostgres(b), 16)
}

func benchUseOnce(b *testing.B, db *DB, parallelism int) {
	ctx := context.Background()
	now := time.Now()
	var n atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(parallelism)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := "jti-" + strconv.FormatInt(n.Add(1), 10)
			if err := db.UseOnce(ctx, tokenmint.ReplayClientAssertion, id, now, now.Add(time.Minute)); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
