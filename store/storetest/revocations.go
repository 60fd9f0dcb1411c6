package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
)

// The revocation feed (Store.RevocationsSince) lets every process keep
// the revoked token IDs in memory and cache opaque token records; a
// revocation missing from it would leave a revoked token active on every
// instance but the one that revoked it.
func revocationFeedTests() []test {
	return []test{
		{"EmptyKeepsCursor", testFeedEmpty},
		{"RevokeJWTInOrder", testFeedRevokeJWT},
		{"Idempotent", testFeedIdempotent},
		{"CascadesAreInTheFeed", testFeedCascades},
		{"DeleteAccessTokenIsInTheFeed", testFeedDeleteAccessToken},
		{"JanitorRemoves", testFeedJanitor},
		{"ConcurrentWritersNoGap", testFeedConcurrent},
	}
}

// since reads the feed after cursor, failing t on error.
func since(t *testing.T, s tokenmint.Store, cursor int64) ([]tokenmint.RevokedToken, int64) {
	t.Helper()
	got, next, err := s.RevocationsSince(t.Context(), cursor)
	ok(t, err, fmt.Sprintf("revoked jwts since %d", cursor))
	if next < cursor {
		t.Fatalf("cursor went back from %d to %d", cursor, next)
	}
	return got, next
}

// isRevoked reports whether the token with that ID is revoked, failing t
// on error.
func isRevoked(t *testing.T, s tokenmint.Store, id string) bool {
	t.Helper()
	revoked, err := s.IsRevoked(t.Context(), id)
	ok(t, err, "is revoked "+id)
	return revoked
}

func feedIDs(rs []tokenmint.RevokedToken) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

func testFeedEmpty(t *testing.T, s tokenmint.Store) {
	got, next := since(t, s, -1)
	if len(got) != 0 || next != -1 {
		t.Fatalf("empty feed = %v, cursor %d; want nothing and cursor -1", got, next)
	}
}

func testFeedRevokeJWT(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	first := tokenmint.RevokedToken{ID: "j1", ClientID: "c1", ExpiresAt: at(time.Hour)}
	ok(t, s.RevokeJWT(ctx, first), "revoke j1")
	ok(t, s.RevokeJWT(ctx, tokenmint.RevokedToken{ID: "j2", ClientID: "c2", ExpiresAt: at(2 * time.Hour)}), "revoke j2")
	got, cur := since(t, s, -1)
	if !slices.Equal(feedIDs(got), []string{"j1", "j2"}) {
		t.Fatalf("feed = %v, want [j1 j2] in revocation order", feedIDs(got))
	}
	got[0].ExpiresAt, first.ExpiresAt = ts(got[0].ExpiresAt), ts(first.ExpiresAt)
	same(t, "first feed entry", got[0], first)
	if again, next := since(t, s, cur); len(again) != 0 || next != cur {
		t.Fatalf("feed after its own cursor = %v (cursor %d), want nothing (cursor %d)", feedIDs(again), next, cur)
	}
	ok(t, s.RevokeJWT(ctx, tokenmint.RevokedToken{ID: "j3", ClientID: "c1", ExpiresAt: at(time.Hour)}), "revoke j3")
	if got, _ := since(t, s, cur); !slices.Equal(feedIDs(got), []string{"j3"}) {
		t.Fatalf("feed after cursor = %v, want only [j3]", feedIDs(got))
	}
}

func testFeedIdempotent(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	r := tokenmint.RevokedToken{ID: "j1", ClientID: "c", ExpiresAt: at(time.Hour)}
	ok(t, s.RevokeJWT(ctx, r), "revoke")
	_, cur := since(t, s, -1)
	ok(t, s.RevokeJWT(ctx, r), "revoke again")
	if got, _ := since(t, s, cur); len(got) != 0 {
		t.Fatalf("a second revocation of j1 added %v to the feed", feedIDs(got))
	}
}

// testFeedCascades: revocations recorded by RevokeFamily, DeleteClient,
// DeleteUser and RevokeUserGrants reach the feed like RevokeJWT's.
func testFeedCascades(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.CreateClient(ctx, minimalClient("gone")), "create client")
	ok(t, s.CreateUser(ctx, fullUser("u2", "bob")), "create user")
	ok(t, s.CreateUser(ctx, fullUser("u3", "carol")), "create user")
	for _, f := range []tokenmint.Family{
		family("f1", "c", "u1", at(24*time.Hour)),
		family("f2", "gone", "u1", at(24*time.Hour)),
		family("f3", "c", "u2", at(24*time.Hour)),
		family("f4", "c", "u3", at(24*time.Hour)),
	} {
		ok(t, s.CreateFamily(ctx, f), "create family "+f.ID)
	}
	for _, tok := range []tokenmint.AccessToken{
		jwtToken("jwt-f1", "c", "f1", at(time.Hour)),
		jwtToken("jwt-gone", "gone", "f2", at(time.Hour)),
		jwtToken("jwt-u2", "c", "f3", at(time.Hour)),
		opaqueToken("opaque-f1", "c", "f1", at(time.Hour)),
		opaqueToken("opaque-gone", "gone", "f2", at(time.Hour)),
		opaqueToken("opaque-u2", "c", "f3", at(time.Hour)),
		jwtToken("jwt-u3", "c", "f4", at(time.Hour)),
		opaqueToken("opaque-u3", "c", "f4", at(time.Hour)),
	} {
		ok(t, s.CreateAccessToken(ctx, tok), "create token "+tok.ID)
	}
	_, cur := since(t, s, -1)
	steps := []struct {
		name string
		do   func() error
		want []string
	}{
		{"RevokeFamily", func() error { return s.RevokeFamily(ctx, "f1", at(0)) }, []string{"jwt-f1", "opaque-f1"}},
		{"DeleteClient", func() error { return s.DeleteClient(ctx, "gone") }, []string{"jwt-gone", "opaque-gone"}},
		{"DeleteUser", func() error { return s.DeleteUser(ctx, "u2") }, []string{"jwt-u2", "opaque-u2"}},
		{"RevokeUserGrants", func() error { return s.RevokeUserGrants(ctx, "u3", at(0)) }, []string{"jwt-u3", "opaque-u3"}},
	}
	for _, st := range steps {
		ok(t, st.do(), st.name)
		var got []tokenmint.RevokedToken
		got, cur = since(t, s, cur)
		if ids := feedIDs(got); !slices.Equal(slices.Sorted(slices.Values(ids)), st.want) {
			t.Fatalf("feed after %s = %v, want %v", st.name, ids, st.want)
		}
		for _, r := range got {
			if r.ExpiresAt.IsZero() || r.ClientID == "" {
				t.Fatalf("feed entry after %s = %+v, want its client and expiry", st.name, r)
			}
		}
	}
}

// testFeedDeleteAccessToken: revoking an opaque token puts its ID in the
// feed with its client and expiry, so that other processes drop their
// cached copy of the record; an unknown ID adds nothing.
func testFeedDeleteAccessToken(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	tok := opaqueToken("opaque-1", "c", "", at(time.Hour))
	ok(t, s.CreateAccessToken(ctx, tok), "create token")
	_, cur := since(t, s, -1)
	ok(t, s.DeleteAccessToken(ctx, tok.ID), "delete token")
	got, cur := since(t, s, cur)
	want := tokenmint.RevokedToken{ID: tok.ID, ClientID: "c", ExpiresAt: ts(tok.ExpiresAt)}
	if len(got) != 1 {
		t.Fatalf("feed after DeleteAccessToken = %v, want [%s]", feedIDs(got), tok.ID)
	}
	got[0].ExpiresAt = ts(got[0].ExpiresAt)
	same(t, "feed entry", got[0], want)
	if !isRevoked(t, s, tok.ID) {
		t.Fatal("IsRevoked = false for a deleted opaque token")
	}
	if err := s.DeleteAccessToken(ctx, tok.ID); !errors.Is(err, tokenmint.ErrNotFound) {
		t.Fatalf("second delete = %v, want ErrNotFound", err)
	}
	if got, _ := since(t, s, cur); len(got) != 0 {
		t.Fatalf("deleting an unknown token added %v to the feed", feedIDs(got))
	}
}

func testFeedJanitor(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.RevokeJWT(ctx, tokenmint.RevokedToken{ID: "short", ClientID: "c", ExpiresAt: at(time.Hour)}), "revoke short")
	ok(t, s.RevokeJWT(ctx, tokenmint.RevokedToken{ID: "long", ClientID: "c", ExpiresAt: at(3 * time.Hour)}), "revoke long")
	_, err := s.DeleteExpired(ctx, at(2*time.Hour))
	ok(t, err, "delete expired")
	if got, _ := since(t, s, -1); !slices.Equal(feedIDs(got), []string{"long"}) {
		t.Fatalf("feed after the janitor = %v, want [long]", feedIDs(got))
	}
}

// testFeedConcurrentWriters: a reader following the cursor while several
// writers revoke at once ends up with every revocation. Sequence numbers
// taken in one order but committed in another would make it skip some.
func testFeedConcurrent(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	const writers, each = 6, 15
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				r := tokenmint.RevokedToken{ID: fmt.Sprintf("w%d-%d", w, i), ClientID: "c", ExpiresAt: at(time.Hour)}
				if err := s.RevokeJWT(ctx, r); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	seen := map[string]int{}
	cur := int64(-1)
	read := func() {
		var got []tokenmint.RevokedToken
		got, cur = since(t, s, cur)
		for _, r := range got {
			seen[r.ID]++
		}
	}
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
			read()
		}
	}
	read()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent revoke: %v", err)
	}
	if len(seen) != writers*each {
		t.Fatalf("reader following the cursor saw %d of %d revocations", len(seen), writers*each)
	}
	for jti, n := range seen {
		if n != 1 {
			t.Fatalf("%s read %d times, want once", jti, n)
		}
	}
}
