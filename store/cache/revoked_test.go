package cache

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/internal/fakeclock"
	"github.com/tokenmint/tokenmint/store"
	"github.com/tokenmint/tokenmint/store/sqlstore"
)

// openPair opens two handles on one SQLite file: what the list wraps, and
// "another process" writing behind its back.
func openPair(t *testing.T) (mine, other tokenmint.Store) {
	t.Helper()
	ctx := t.Context()
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "deny.db")
	opts := sqlstore.Options{Logger: slog.New(slog.DiscardHandler)}
	var err error
	if mine, err = store.Open(ctx, dsn, opts); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mine.Close() })
	if other, err = store.Open(ctx, dsn, opts); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	return mine, other
}

func revoked(t *testing.T, s tokenmint.Store, jti string) bool {
	t.Helper()
	got, err := s.IsRevoked(t.Context(), jti)
	if err != nil {
		t.Fatalf("IsRevoked(%q): %v", jti, err)
	}
	return got
}

func revoke(t *testing.T, s tokenmint.Store, jti string, exp time.Time) {
	t.Helper()
	if err := s.RevokeJWT(t.Context(), tokenmint.RevokedToken{ID: jti, ClientID: "c", ExpiresAt: exp}); err != nil {
		t.Fatalf("revoke %s: %v", jti, err)
	}
}

func TestAnswersFromMemoryAndFollowsTheFeed(t *testing.T) {
	mine, other := openPair(t)
	revoke(t, other, "before-start", t0.Add(time.Hour))
	d := newDenylist(mine, Options{Now: fakeclock.New(t0).Now})
	if !revoked(t, d, "before-start") {
		t.Fatal("before Load, the list must ask the store")
	}
	if err := d.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	if !revoked(t, d, "before-start") || revoked(t, d, "never") {
		t.Fatal("Load did not bring the existing revocations in")
	}
	// Another process revokes: the list does not know until it reads the
	// feed, which proves it no longer asks the store per request.
	revoke(t, other, "by-other", t0.Add(time.Hour))
	if revoked(t, d, "by-other") {
		t.Fatal("a revocation by another process was seen without a Sync: the list is asking the store")
	}
	if err := d.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	if !revoked(t, d, "by-other") {
		t.Fatal("Sync did not bring another process's revocation in")
	}
	if d.Len() != 2 {
		t.Fatalf("Len = %d, want 2", d.Len())
	}
}

// TestOwnRevocationsAtOnce: whatever revokes through the list is held when
// the call returns, with no poll.
func TestOwnRevocationsAtOnce(t *testing.T) {
	mine, _ := openPair(t)
	ctx := t.Context()
	d := newDenylist(mine, Options{Now: fakeclock.New(t0).Now})
	if err := d.Load(ctx); err != nil {
		t.Fatal(err)
	}
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	must("create client", d.CreateClient(ctx, tokenmint.Client{ID: "gone", Name: "gone", GrantTypes: []string{"authorization_code"}}))
	must("create client", d.CreateClient(ctx, tokenmint.Client{ID: "ended", Name: "ended", GrantTypes: []string{"authorization_code"}}))
	must("create user", d.CreateUser(ctx, tokenmint.User{ID: "u2", Username: "bob", CreatedAt: t0}))
	for _, f := range []tokenmint.Family{
		{ID: "f1", ClientID: "c", Subject: "u1", CreatedAt: t0, ExpiresAt: t0.Add(24 * time.Hour)},
		{ID: "f2", ClientID: "gone", Subject: "u1", CreatedAt: t0, ExpiresAt: t0.Add(24 * time.Hour)},
		{ID: "f3", ClientID: "c", Subject: "u2", CreatedAt: t0, ExpiresAt: t0.Add(24 * time.Hour)},
		{ID: "f4", ClientID: "c", Subject: "u3", CreatedAt: t0, ExpiresAt: t0.Add(24 * time.Hour)},
		{ID: "f5", ClientID: "ended", Subject: "u1", CreatedAt: t0, ExpiresAt: t0.Add(24 * time.Hour)},
	} {
		must("create family", d.CreateFamily(ctx, f))
		must("create jwt record", d.CreateAccessToken(ctx, tokenmint.AccessToken{
			ID: "jwt-" + f.ID, Format: tokenmint.FormatJWT, ClientID: f.ClientID, Subject: f.Subject,
			FamilyID: f.ID, IssuedAt: t0, ExpiresAt: t0.Add(time.Hour),
		}))
	}
	must("create opaque record", d.CreateAccessToken(ctx, tokenmint.AccessToken{
		ID: "opaque-1", Format: tokenmint.FormatOpaque, ClientID: "c", Subject: "c",
		IssuedAt: t0, ExpiresAt: t0.Add(time.Hour), LastUsedAt: t0,
	}))
	steps := []struct {
		name string
		do   func() error
		jti  string
	}{
		{"RevokeJWT", func() error {
			return d.RevokeJWT(ctx, tokenmint.RevokedToken{ID: "direct", ClientID: "c", ExpiresAt: t0.Add(time.Hour)})
		}, "direct"},
		{"DeleteAccessToken", func() error { return d.DeleteAccessToken(ctx, "opaque-1") }, "opaque-1"},
		{"RevokeFamily", func() error { return d.RevokeFamily(ctx, "f1", t0) }, "jwt-f1"},
		{"DeleteClient", func() error { return d.DeleteClient(ctx, "gone") }, "jwt-f2"},
		{"DeleteUser", func() error { return d.DeleteUser(ctx, "u2") }, "jwt-f3"},
		{"RevokeUserGrants", func() error { return d.RevokeUserGrants(ctx, "u3", t0) }, "jwt-f4"},
		{"RevokeClientTokens", func() error { return d.RevokeClientTokens(ctx, "ended", t0) }, "jwt-f5"},
	}
	for _, st := range steps {
		if revoked(t, d, st.jti) {
			t.Fatalf("%s revoked before %s", st.jti, st.name)
		}
		must(st.name, st.do())
		if !revoked(t, d, st.jti) {
			t.Fatalf("after %s through the list, %s is not revoked in memory", st.name, st.jti)
		}
	}
}

func TestPrunesExpired(t *testing.T) {
	mine, _ := openPair(t)
	clk := fakeclock.New(t0)
	d := newDenylist(mine, Options{Now: clk.Now})
	if err := d.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	revoke(t, d, "short", t0.Add(time.Minute))
	revoke(t, d, "long", t0.Add(time.Hour))
	clk.Advance(10 * time.Minute)
	if err := d.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	if d.Len() != 1 || revoked(t, d, "short") || !revoked(t, d, "long") {
		t.Fatalf("after pruning: Len %d, short %v, long %v; want 1, false, true",
			d.Len(), revoked(t, d, "short"), revoked(t, d, "long"))
	}
}

func TestWatchPolls(t *testing.T) {
	mine, other := openPair(t)
	d := newDenylist(mine, Options{})
	if err := d.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { d.Watch(ctx, 10*time.Millisecond); close(done) }()
	revoke(t, other, "late", time.Now().Add(time.Hour))
	deadline := time.Now().Add(5 * time.Second)
	for !revoked(t, d, "late") {
		if time.Now().After(deadline) {
			t.Fatal("Watch did not bring another process's revocation in within 5 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
}

func BenchmarkIsRevoked(b *testing.B) {
	ctx := b.Context()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(b.TempDir(), "b.db"), sqlstore.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	d := newDenylist(st, Options{})
	if err := d.Load(ctx); err != nil {
		b.Fatal(err)
	}
	if err := d.RevokeJWT(ctx, tokenmint.RevokedToken{ID: "r", ClientID: "c", ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if ok, _ := d.IsRevoked(ctx, "some-live-jti-0123456789"); ok {
				b.Fatal("live jti reported revoked")
			}
		}
	})
}
