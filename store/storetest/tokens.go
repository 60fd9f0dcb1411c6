package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
)

func accessTokenTests() []test {
	return []test{
		{"RoundTripOpaque", testAccessRoundTrip(idleToken("at-idle"))},
		{"RoundTripJWT", testAccessRoundTrip(jwtToken("jti-1", "c", "fam", at(time.Hour)))},
		{"RoundTripClientCredentials", testAccessRoundTrip(ccToken())},
		{"CreateConflict", testAccessConflict},
		{"GetNotFound", testAccessGetNotFound},
		{"TouchMovesForward", testAccessTouchForward},
		{"TouchNeverMovesBack", testAccessTouchBack},
		{"TouchUnknown", testAccessTouchUnknown},
		{"Delete", testAccessDelete},
	}
}

func idleToken(id string) tokenmint.AccessToken {
	a := opaqueToken(id, "c", "fam", at(time.Hour))
	a.IdleTTL = 10*time.Minute + 3*time.Millisecond
	return a
}

// ccToken is a client_credentials opaque token: no family, no audience.
func ccToken() tokenmint.AccessToken {
	a := opaqueToken("at-cc", "svc", "", at(time.Hour))
	a.Subject, a.Audience = "svc", nil
	return a
}

func testAccessRoundTrip(a tokenmint.AccessToken) func(*testing.T, tokenmint.Store) {
	return func(t *testing.T, s tokenmint.Store) {
		ctx := t.Context()
		ok(t, s.CreateAccessToken(ctx, a), "create access token")
		got, err := s.GetAccessToken(ctx, a.ID)
		ok(t, err, "get access token")
		same(t, "access token", normAccess(got), normAccess(a))
		if got.ActiveAt(at(0)) != a.ActiveAt(at(0)) || !got.EffectiveExpiry().Equal(a.EffectiveExpiry()) {
			t.Fatalf("expiry changed in the round trip: %s", show(got))
		}
	}
}

func testAccessConflict(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	a := idleToken("at-1")
	ok(t, s.CreateAccessToken(ctx, a), "create access token")
	b := jwtToken("at-1", "other", "", at(2*time.Hour))
	wantErr(t, s.CreateAccessToken(ctx, b), tokenmint.ErrConflict, "create duplicate access token")
	got, err := s.GetAccessToken(ctx, "at-1")
	ok(t, err, "get access token")
	same(t, "access token after conflict", normAccess(got), normAccess(a))
}

func testAccessGetNotFound(t *testing.T, s tokenmint.Store) {
	_, err := s.GetAccessToken(t.Context(), "nope")
	wantErr(t, err, tokenmint.ErrNotFound, "get unknown access token")
}

func testAccessTouchForward(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	a := idleToken("at-1")
	ok(t, s.CreateAccessToken(ctx, a), "create access token")
	ok(t, s.CreateAccessToken(ctx, idleToken("at-2")), "create other access token")
	later := a.LastUsedAt.Add(7*time.Minute + 5*time.Millisecond)
	ok(t, s.TouchAccessToken(ctx, "at-1", later), "touch access token")
	got, err := s.GetAccessToken(ctx, "at-1")
	ok(t, err, "get access token")
	want := a
	want.LastUsedAt = later
	same(t, "touched token", normAccess(got), normAccess(want))
	other, err := s.GetAccessToken(ctx, "at-2")
	ok(t, err, "get other access token")
	same(t, "untouched token", normAccess(other), normAccess(idleToken("at-2")))
}

func testAccessTouchBack(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	a := idleToken("at-1")
	ok(t, s.CreateAccessToken(ctx, a), "create access token")
	for _, when := range []time.Time{a.LastUsedAt.Add(-time.Minute), a.LastUsedAt} {
		ok(t, s.TouchAccessToken(ctx, "at-1", when), "touch with an earlier time")
		got, err := s.GetAccessToken(ctx, "at-1")
		ok(t, err, "get access token")
		same(t, "token touched with an earlier time", normAccess(got), normAccess(a))
	}
	never := a
	never.ID, never.LastUsedAt = "at-never", time.Time{}
	ok(t, s.CreateAccessToken(ctx, never), "create never-used token")
	ok(t, s.TouchAccessToken(ctx, never.ID, at(0)), "touch a never-used token")
	got, err := s.GetAccessToken(ctx, never.ID)
	ok(t, err, "get access token")
	if !got.LastUsedAt.Equal(at(0)) {
		t.Fatalf("first touch: LastUsedAt = %v, want %v", got.LastUsedAt, at(0))
	}
}

// testAccessTouchUnknown: touching a token that is gone (revoked, expired)
// stores nothing; reporting ErrNotFound is allowed, any other error not.
func testAccessTouchUnknown(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	err := s.TouchAccessToken(ctx, "nope", at(0))
	if err != nil && !errors.Is(err, tokenmint.ErrNotFound) {
		t.Fatalf("touch unknown token: %v", err)
	}
	_, err = s.GetAccessToken(ctx, "nope")
	wantErr(t, err, tokenmint.ErrNotFound, "get touched unknown token")
}

func testAccessDelete(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.CreateAccessToken(ctx, idleToken("at-1")), "create access token")
	ok(t, s.CreateAccessToken(ctx, idleToken("at-2")), "create access token")
	ok(t, s.DeleteAccessToken(ctx, "at-1"), "delete access token")
	_, err := s.GetAccessToken(ctx, "at-1")
	wantErr(t, err, tokenmint.ErrNotFound, "get deleted access token")
	_, err = s.GetAccessToken(ctx, "at-2")
	ok(t, err, "get other access token")
	// Revoking twice (RFC 7009 §2.2: invalid tokens are not an error to
	// the client) may report ErrNotFound, nothing else.
	if err := s.DeleteAccessToken(ctx, "at-1"); err != nil && !errors.Is(err, tokenmint.ErrNotFound) {
		t.Fatalf("delete deleted access token: %v", err)
	}
}

func revokedJWTTests() []test {
	return []test{
		{"RevokeAndCheck", testRevokeJWT},
		{"Idempotent", testRevokeJWTIdempotent},
		{"UnknownNotRevoked", testJWTNotRevoked},
	}
}

func testRevokeJWT(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.RevokeJWT(ctx, tokenmint.RevokedToken{ID: "j1", ClientID: "c", ExpiresAt: at(time.Hour)}), "revoke jwt")
	for jti, want := range map[string]bool{"j1": true, "j2": false, "J1": false} {
		if got := isRevoked(t, s, jti); got != want {
			t.Errorf("IsRevoked(%q) = %v, want %v", jti, got, want)
		}
	}
}

func testRevokeJWTIdempotent(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	r := tokenmint.RevokedToken{ID: "j1", ClientID: "c", ExpiresAt: at(time.Hour)}
	ok(t, s.RevokeJWT(ctx, r), "revoke jwt")
	ok(t, s.RevokeJWT(ctx, r), "revoke jwt again")
	r.ExpiresAt = at(2 * time.Hour)
	ok(t, s.RevokeJWT(ctx, r), "revoke jwt again with another expiry")
	if !isRevoked(t, s, "j1") {
		t.Fatal("revoked jwt not reported revoked")
	}
}

func testJWTNotRevoked(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	// A JWT access token record is not a revocation.
	ok(t, s.CreateAccessToken(ctx, jwtToken("j1", "c", "fam", at(time.Hour))), "create jwt record")
	if isRevoked(t, s, "j1") {
		t.Fatal("a live JWT is reported revoked")
	}
}
