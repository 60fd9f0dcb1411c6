package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
)

func familyTests() []test {
	return []test{
		{"RoundTrip", testFamilyRoundTrip},
		{"CreateConflict", testFamilyConflict},
		{"GetNotFound", testFamilyGetNotFound},
		{"Revoke", testFamilyRevoke},
		{"RevokeKeepsFirstTime", testFamilyRevokeTwice},
		{"RevokeUnknown", testFamilyRevokeUnknown},
		{"RevokedJWTsExpireWithTheirTokens", testFamilyRevokedJWTExpiry},
	}
}

func testFamilyRoundTrip(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	f := family("f1", "c", "u1", at(30*24*time.Hour))
	ok(t, s.CreateFamily(ctx, f), "create family")
	got, err := s.GetFamily(ctx, "f1")
	ok(t, err, "get family")
	same(t, "family", normFamily(got), normFamily(f))
	if !got.RevokedAt.IsZero() {
		t.Fatalf("new family has RevokedAt %v", got.RevokedAt)
	}
}

func testFamilyConflict(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	f := family("f1", "c", "u1", at(time.Hour))
	ok(t, s.CreateFamily(ctx, f), "create family")
	wantErr(t, s.CreateFamily(ctx, family("f1", "d", "u2", at(time.Hour))), tokenmint.ErrConflict, "create duplicate family")
	got, err := s.GetFamily(ctx, "f1")
	ok(t, err, "get family")
	same(t, "family after conflict", normFamily(got), normFamily(f))
}

func testFamilyGetNotFound(t *testing.T, s tokenmint.Store) {
	_, err := s.GetFamily(t.Context(), "nope")
	wantErr(t, err, tokenmint.ErrNotFound, "get unknown family")
}

func testFamilyRevoke(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	gone := issue(t, s, "c", "u1")
	kept := issue(t, s, "c", "u2")
	// A rotated chain: both the used and the current refresh token go.
	next := refreshToken("c/u1/rt2", gone.family)
	_, err := s.RotateRefreshToken(ctx, gone.refresh.ID, at(time.Minute), next, nil)
	ok(t, err, "rotate refresh token")
	now := at(2 * time.Minute)
	ok(t, s.RevokeFamily(ctx, gone.family.ID, now), "revoke family")

	f, err := s.GetFamily(ctx, gone.family.ID)
	ok(t, err, "get revoked family")
	want := gone.family
	want.RevokedAt = now
	same(t, "revoked family", normFamily(f), normFamily(want))
	_, err = s.GetRefreshToken(ctx, next.ID)
	wantErr(t, err, tokenmint.ErrNotFound, "get rotated refresh token of revoked family")
	checkGone(t, s, gone)
	checkIntact(t, s, kept)
}

func testFamilyRevokeTwice(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	f := family("f1", "c", "u1", at(time.Hour))
	ok(t, s.CreateFamily(ctx, f), "create family")
	ok(t, s.RevokeFamily(ctx, "f1", at(time.Minute)), "revoke family")
	ok(t, s.RevokeFamily(ctx, "f1", at(2*time.Minute)), "revoke revoked family")
	got, err := s.GetFamily(ctx, "f1")
	ok(t, err, "get family")
	if !got.RevokedAt.Equal(at(time.Minute)) {
		t.Fatalf("RevokedAt = %v after a second revocation, want the first, %v", got.RevokedAt, at(time.Minute))
	}
}

func testFamilyRevokeUnknown(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.RevokeFamily(ctx, "nope", at(0)), "revoke unknown family")
	_, err := s.GetFamily(ctx, "nope")
	wantErr(t, err, tokenmint.ErrNotFound, "get unknown family after revocation")
}

// testFamilyRevokedJWTExpiry: the revocation of a family's JWT lasts as
// long as the JWT would have, and the janitor removes it after.
func testFamilyRevokedJWTExpiry(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	f := family("f1", "c", "u1", at(30*24*time.Hour))
	ok(t, s.CreateFamily(ctx, f), "create family")
	short := jwtToken("jti-short", "c", "f1", at(time.Hour))
	long := jwtToken("jti-long", "c", "f1", at(3*time.Hour))
	ok(t, s.CreateAccessToken(ctx, short), "create jwt record")
	ok(t, s.CreateAccessToken(ctx, long), "create jwt record")
	ok(t, s.RevokeFamily(ctx, "f1", at(0)), "revoke family")
	_, err := s.DeleteExpired(ctx, at(2*time.Hour))
	ok(t, err, "delete expired")
	for jti, want := range map[string]bool{"jti-short": false, "jti-long": true} {
		if got := isRevoked(t, s, jti); got != want {
			t.Errorf("after the janitor at +2h, IsRevoked(%q) = %v, want %v", jti, got, want)
		}
	}
}

func refreshTokenTests() []test {
	return []test{
		{"RoundTrip", testRefreshRoundTrip},
		{"CreateConflict", testRefreshConflict},
		{"GetNotFound", testRefreshGetNotFound},
		{"Rotate", testRefreshRotate},
		{"RotateTwiceIsReplay", testRefreshReplay},
		{"RotateUnknown", testRefreshRotateUnknown},
		{"RotateConcurrent", testRefreshRotateConcurrent},
		{"RotateIsAtomic", testRefreshRotateAtomic},
	}
}

func testRefreshRoundTrip(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	f := family("f1", "c", "u1", at(time.Hour))
	r := refreshToken("rt1", f)
	used := refreshToken("rt-used", f)
	used.UsedAt = at(-time.Minute)
	for _, want := range []tokenmint.RefreshToken{r, used} {
		ok(t, s.CreateRefreshToken(ctx, want), "create refresh token")
		got, err := s.GetRefreshToken(ctx, want.ID)
		ok(t, err, "get refresh token")
		same(t, "refresh token", normRefresh(got), normRefresh(want))
	}
}

func testRefreshConflict(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	f := family("f1", "c", "u1", at(time.Hour))
	ok(t, s.CreateRefreshToken(ctx, refreshToken("rt1", f)), "create refresh token")
	other := refreshToken("rt1", family("f2", "d", "u2", at(2*time.Hour)))
	wantErr(t, s.CreateRefreshToken(ctx, other), tokenmint.ErrConflict, "create duplicate refresh token")
}

func testRefreshGetNotFound(t *testing.T, s tokenmint.Store) {
	_, err := s.GetRefreshToken(t.Context(), "nope")
	wantErr(t, err, tokenmint.ErrNotFound, "get unknown refresh token")
}

func testRefreshRotate(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	f := family("f1", "c", "u1", at(time.Hour))
	ok(t, s.CreateFamily(ctx, f), "create family")
	old := refreshToken("rt1", f)
	ok(t, s.CreateRefreshToken(ctx, old), "create refresh token")
	next := refreshToken("rt2", f)
	next.Scopes, next.IssuedAt = []string{"narrower"}, at(time.Minute)
	now := at(time.Minute)

	got, err := s.RotateRefreshToken(ctx, "rt1", now, next, nil)
	ok(t, err, "rotate refresh token")
	wantOld := old
	wantOld.UsedAt = now
	same(t, "returned old token", normRefresh(got), normRefresh(wantOld))
	stored, err := s.GetRefreshToken(ctx, "rt1")
	ok(t, err, "get old refresh token")
	same(t, "stored old token", normRefresh(stored), normRefresh(wantOld))
	stored, err = s.GetRefreshToken(ctx, "rt2")
	ok(t, err, "get new refresh token")
	same(t, "stored new token", normRefresh(stored), normRefresh(next))

	// The chain goes on from the new token.
	_, err = s.RotateRefreshToken(ctx, "rt2", at(2*time.Minute), refreshToken("rt3", f), nil)
	ok(t, err, "rotate new refresh token")
}

func testRefreshReplay(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	f := family("f1", "c", "u1", at(time.Hour))
	old := refreshToken("rt1", f)
	ok(t, s.CreateRefreshToken(ctx, old), "create refresh token")
	first := at(time.Minute)
	_, err := s.RotateRefreshToken(ctx, "rt1", first, refreshToken("rt2", f), nil)
	ok(t, err, "first rotation")

	got, err := s.RotateRefreshToken(ctx, "rt1", at(5*time.Minute), refreshToken("rt3", f), nil)
	wantErr(t, err, tokenmint.ErrAlreadyUsed, "second rotation")
	want := old
	want.UsedAt = first
	same(t, "record returned with ErrAlreadyUsed", normRefresh(got), normRefresh(want))
	_, err = s.GetRefreshToken(ctx, "rt3")
	wantErr(t, err, tokenmint.ErrNotFound, "get token of a refused rotation")
	stored, err := s.GetRefreshToken(ctx, "rt1")
	ok(t, err, "get old refresh token")
	same(t, "old token after replay", normRefresh(stored), normRefresh(want))
}

func testRefreshRotateUnknown(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	f := family("f1", "c", "u1", at(time.Hour))
	_, err := s.RotateRefreshToken(ctx, "nope", at(0), refreshToken("rt2", f), nil)
	wantErr(t, err, tokenmint.ErrNotFound, "rotate unknown refresh token")
	_, err = s.GetRefreshToken(ctx, "rt2")
	wantErr(t, err, tokenmint.ErrNotFound, "get token of a refused rotation")
}

// testRefreshRotateConcurrent: of many simultaneous rotations of one
// token exactly one wins; the others are replays and store nothing.
func testRefreshRotateConcurrent(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	f := family("f1", "c", "u1", at(time.Hour))
	ok(t, s.CreateRefreshToken(ctx, refreshToken("rt1", f)), "create refresh token")
	const n = 16
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			_, errs[i] = s.RotateRefreshToken(ctx, "rt1", at(time.Minute), refreshToken(fmt.Sprintf("next-%02d", i), f), nil)
		})
	}
	close(start)
	wg.Wait()
	winner := checkOneWinner(t, errs)
	for i := range n {
		_, err := s.GetRefreshToken(ctx, fmt.Sprintf("next-%02d", i))
		if i == winner {
			ok(t, err, "get the winner's token")
		} else {
			wantErr(t, err, tokenmint.ErrNotFound, "get a loser's token")
		}
	}
}

// testRefreshRotateAtomic: when next cannot be stored, the old token is
// not spent either.
func testRefreshRotateAtomic(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	f := family("f1", "c", "u1", at(time.Hour))
	old := refreshToken("rt1", f)
	ok(t, s.CreateRefreshToken(ctx, old), "create refresh token")
	taken := refreshToken("rt-taken", f)
	ok(t, s.CreateRefreshToken(ctx, taken), "create refresh token")
	_, err := s.RotateRefreshToken(ctx, "rt1", at(time.Minute), refreshToken("rt-taken", f), nil)
	wantErr(t, err, tokenmint.ErrConflict, "rotate into a taken ID")
	got, err := s.GetRefreshToken(ctx, "rt1")
	ok(t, err, "get old refresh token")
	same(t, "old token after a failed rotation", normRefresh(got), normRefresh(old))
	_, err = s.RotateRefreshToken(ctx, "rt1", at(2*time.Minute), refreshToken("rt2", f), nil)
	ok(t, err, "rotate after a failed rotation")
}

// checkOneWinner checks that exactly one of errs is nil and the others
// are ErrAlreadyUsed, and returns the winner's index.
func checkOneWinner(t *testing.T, errs []error) int {
	t.Helper()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Fatalf("callers %d and %d both succeeded", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, tokenmint.ErrAlreadyUsed):
			t.Fatalf("caller %d: error = %v, want nil or ErrAlreadyUsed", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no caller succeeded")
	}
	return winner
}
