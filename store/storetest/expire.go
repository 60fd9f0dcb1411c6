package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
)

func deleteExpiredTests() []test {
	return []test{
		{"DeletesExactlyTheExpired", testDeleteExpired},
		{"EmptyStore", testDeleteExpiredEmpty},
		{"RetiredKeyBumpsRevision", testDeleteExpiredKeyRevision},
	}
}

// expiryFixture is a store populated at now = at(0) with, of every kind,
// records that are past their end and records that are not.
type expiryFixture struct {
	liveAccess, goneAccess   []string
	liveJTIs, goneJTIs       []string
	liveFamilies, goneFams   []string
	liveRefresh, goneRefresh []string
	liveCodes, goneCodes     []string
	liveSessions, goneSess   []string
	liveKeys                 []string
}

// goneRows is how many rows DeleteExpired must report.
func (f *expiryFixture) goneRows() int64 {
	return int64(len(f.goneAccess) + len(f.goneJTIs) + len(f.goneFams) + len(f.goneRefresh) +
		len(f.goneCodes) + len(f.goneSess) + 1) // + the retired key
}

func populateExpiry(t *testing.T, s tokenmint.Store) *expiryFixture {
	t.Helper()
	f := &expiryFixture{}
	f.accessTokens(t, s)
	f.revokedJWTs(t, s)
	f.families(t, s)
	f.codes(t, s)
	f.sessionsAndKeys(t, s)
	return f
}

func (f *expiryFixture) accessTokens(t *testing.T, s tokenmint.Store) {
	t.Helper()
	ctx := t.Context()
	idle := func(id string, lastUsed time.Duration) tokenmint.AccessToken {
		a := opaqueToken(id, "c", "", at(time.Hour))
		a.IdleTTL, a.LastUsedAt = 10*time.Minute, at(lastUsed)
		return a
	}
	live := []tokenmint.AccessToken{
		opaqueToken("at-live", "c", "", at(time.Millisecond)),
		idle("at-idle-live", -9*time.Minute),
		jwtToken("jti-live", "c", "f-live", at(time.Hour)),
	}
	gone := []tokenmint.AccessToken{
		opaqueToken("at-expired", "c", "", at(-time.Second)),
		opaqueToken("at-boundary", "c", "", at(0)), // ExpiresAt == now: inactive
		idle("at-idle-expired", -10*time.Minute),   // idle expiry == now
		idle("at-idle-long-gone", -50*time.Minute),
		jwtToken("jti-expired", "c", "f-live", at(-time.Hour)),
	}
	touched := idle("at-idle-touched", -30*time.Minute)
	for _, a := range append(append(live, gone...), touched) {
		ok(t, s.CreateAccessToken(ctx, a), "create access token "+a.ID)
	}
	ok(t, s.TouchAccessToken(ctx, touched.ID, at(-time.Minute)), "touch access token")
	for _, a := range live {
		f.liveAccess = append(f.liveAccess, a.ID)
	}
	f.liveAccess = append(f.liveAccess, touched.ID)
	for _, a := range gone {
		f.goneAccess = append(f.goneAccess, a.ID)
	}
}

func (f *expiryFixture) revokedJWTs(t *testing.T, s tokenmint.Store) {
	t.Helper()
	for jti, exp := range map[string]time.Duration{"rj-expired": -time.Second, "rj-boundary": 0, "rj-live": time.Millisecond} {
		ok(t, s.RevokeJWT(t.Context(), tokenmint.RevokedToken{ID: jti, ClientID: "c", ExpiresAt: at(exp)}), "revoke jwt")
	}
	f.liveJTIs, f.goneJTIs = []string{"rj-live"}, []string{"rj-expired", "rj-boundary"}
}

func (f *expiryFixture) families(t *testing.T, s tokenmint.Store) {
	t.Helper()
	ctx := t.Context()
	expired := family("f-expired", "c", "u", at(-time.Second))
	live := family("f-live", "c", "u", at(time.Hour))
	revoked := family("f-revoked", "c", "u", at(time.Hour))
	for _, fam := range []tokenmint.Family{expired, live, revoked} {
		ok(t, s.CreateFamily(ctx, fam), "create family")
	}
	ok(t, s.RevokeFamily(ctx, revoked.ID, at(-time.Minute)), "revoke family")
	ok(t, s.CreateRefreshToken(ctx, refreshToken("rt-expired-1", expired)), "create refresh token")
	ok(t, s.CreateRefreshToken(ctx, refreshToken("rt-expired-2", expired)), "create refresh token")
	ok(t, s.CreateRefreshToken(ctx, refreshToken("rt-live-1", live)), "create refresh token")
	ok(t, s.CreateRefreshToken(ctx, refreshToken("rt-live-2", live)), "create refresh token")
	// A used refresh token of a live family stays: a replay of it must
	// still be recognised.
	_, err := s.RotateRefreshToken(ctx, "rt-live-1", at(-time.Minute), refreshToken("rt-live-3", live), nil)
	ok(t, err, "rotate refresh token")
	_, err = s.RotateRefreshToken(ctx, "rt-expired-1", at(-2*time.Second), refreshToken("rt-expired-3", expired), nil)
	ok(t, err, "rotate refresh token")
	f.liveFamilies, f.goneFams = []string{"f-live", "f-revoked"}, []string{"f-expired"}
	f.liveRefresh = []string{"rt-live-1", "rt-live-2", "rt-live-3"}
	f.goneRefresh = []string{"rt-expired-1", "rt-expired-2", "rt-expired-3"}
}

func (f *expiryFixture) codes(t *testing.T, s tokenmint.Store) {
	t.Helper()
	ctx := t.Context()
	for id, exp := range map[string]time.Duration{
		"code-live": time.Minute, "code-used-live": time.Minute,
		"code-expired": -time.Second, "code-used-expired": -time.Second, "code-boundary": 0,
	} {
		ok(t, s.CreateAuthCode(ctx, authCode(id, "c", "f-"+id, at(exp))), "create auth code")
	}
	for _, id := range []string{"code-used-live", "code-used-expired"} {
		_, err := s.ExchangeAuthCode(ctx, id, at(-2*time.Second), nil)
		ok(t, err, "exchange auth code")
	}
	f.liveCodes = []string{"code-live", "code-used-live"}
	f.goneCodes = []string{"code-expired", "code-used-expired", "code-boundary"}
}

func (f *expiryFixture) sessionsAndKeys(t *testing.T, s tokenmint.Store) {
	t.Helper()
	ctx := t.Context()
	ok(t, s.CreateLoginSession(ctx, loginSession("s-live", "u", at(time.Second))), "create session")
	ok(t, s.CreateLoginSession(ctx, loginSession("s-expired", "u", at(-time.Second))), "create session")
	ok(t, s.CreateLoginSession(ctx, loginSession("s-boundary", "u", at(0))), "create session")
	f.liveSessions, f.goneSess = []string{"s-live"}, []string{"s-expired", "s-boundary"}

	ok(t, s.CreateSigningKey(ctx, signingKey("k1", tokenmint.AlgES256, at(-3*time.Hour))), "create signing key")
	ok(t, s.RotateSigningKeys(ctx, signingKey("k2", tokenmint.AlgES256, at(-2*time.Hour)), at(-time.Second)), "rotate")
	ok(t, s.RotateSigningKeys(ctx, signingKey("k3", tokenmint.AlgES256, at(-time.Hour)), at(time.Hour)), "rotate")
	f.liveKeys = []string{"k2", "k3"} // k1 retired at -1s; k2 retires at +1h; k3 is current
}

func testDeleteExpired(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	f := populateExpiry(t, s)
	n, err := s.DeleteExpired(ctx, at(0))
	ok(t, err, "delete expired")
	if n != f.goneRows() {
		t.Errorf("DeleteExpired = %d rows, want %d", n, f.goneRows())
	}
	f.check(t, s)
	n, err = s.DeleteExpired(ctx, at(0))
	ok(t, err, "delete expired again")
	if n != 0 {
		t.Errorf("a second DeleteExpired at the same instant deleted %d rows", n)
	}
	f.check(t, s)
}

// check verifies that every live record is there and every expired one
// is gone.
func (f *expiryFixture) check(t *testing.T, s tokenmint.Store) {
	t.Helper()
	ctx := t.Context()
	present := func(kind string, ids []string, want bool, get func(string) error) {
		t.Helper()
		for _, id := range ids {
			err := get(id)
			switch {
			case want && err != nil:
				t.Errorf("live %s %s: %v", kind, id, err)
			case !want && !errors.Is(err, tokenmint.ErrNotFound):
				t.Errorf("expired %s %s: error = %v, want ErrNotFound", kind, id, err)
			}
		}
	}
	getAccess := func(id string) error { _, err := s.GetAccessToken(ctx, id); return err }
	getFamily := func(id string) error { _, err := s.GetFamily(ctx, id); return err }
	getRefresh := func(id string) error { _, err := s.GetRefreshToken(ctx, id); return err }
	getSession := func(id string) error { _, err := s.GetLoginSession(ctx, id); return err }
	present("access token", f.liveAccess, true, getAccess)
	present("access token", f.goneAccess, false, getAccess)
	present("family", f.liveFamilies, true, getFamily)
	present("family", f.goneFams, false, getFamily)
	present("refresh token", f.liveRefresh, true, getRefresh)
	present("refresh token", f.goneRefresh, false, getRefresh)
	present("login session", f.liveSessions, true, getSession)
	present("login session", f.goneSess, false, getSession)
	f.checkCodes(t, s)
	f.checkJTIs(t, s)
	f.checkKeys(t, s)
}

// checkCodes exchanges the codes, which is harmless once checked: live
// ones answer (used ones with ErrAlreadyUsed), expired ones are gone.
func (f *expiryFixture) checkCodes(t *testing.T, s tokenmint.Store) {
	t.Helper()
	for _, id := range f.liveCodes {
		if _, err := s.ExchangeAuthCode(t.Context(), id, at(0), nil); err != nil && !errors.Is(err, tokenmint.ErrAlreadyUsed) {
			t.Errorf("live auth code %s: %v", id, err)
		}
	}
	for _, id := range f.goneCodes {
		if _, err := s.ExchangeAuthCode(t.Context(), id, at(0), nil); !errors.Is(err, tokenmint.ErrNotFound) {
			t.Errorf("expired auth code %s: error = %v, want ErrNotFound", id, err)
		}
	}
}

func (f *expiryFixture) checkJTIs(t *testing.T, s tokenmint.Store) {
	t.Helper()
	for _, c := range []struct {
		jtis []string
		want bool
	}{{f.liveJTIs, true}, {f.goneJTIs, false}} {
		for _, jti := range c.jtis {
			if got := isRevoked(t, s, jti); got != c.want {
				t.Errorf("IsRevoked(%q) = %v after the janitor, want %v", jti, got, c.want)
			}
		}
	}
}

func (f *expiryFixture) checkKeys(t *testing.T, s tokenmint.Store) {
	t.Helper()
	keys, err := s.ListSigningKeys(t.Context())
	ok(t, err, "list signing keys")
	var ids []string
	for _, k := range keys {
		ids = append(ids, k.ID)
	}
	same(t, "signing keys after the janitor", ids, f.liveKeys)
}

func testDeleteExpiredEmpty(t *testing.T, s tokenmint.Store) {
	n, err := s.DeleteExpired(t.Context(), at(0))
	ok(t, err, "delete expired")
	if n != 0 {
		t.Fatalf("DeleteExpired on an empty store = %d", n)
	}
}

// testDeleteExpiredKeyRevision: deleting a retired key changes the key
// set, which JWKS caches learn of through the revision.
func testDeleteExpiredKeyRevision(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.CreateSigningKey(ctx, signingKey("k1", tokenmint.AlgEdDSA, at(-2*time.Hour))), "create signing key")
	ok(t, s.RotateSigningKeys(ctx, signingKey("k2", tokenmint.AlgEdDSA, at(-time.Hour)), at(-time.Second)), "rotate")
	before := revision(t, s)
	n, err := s.DeleteExpired(ctx, at(0))
	ok(t, err, "delete expired")
	if n != 1 {
		t.Fatalf("DeleteExpired = %d, want 1 (the retired key)", n)
	}
	if after := revision(t, s); after <= before {
		t.Fatalf("revision %d after deleting a retired key, want > %d", after, before)
	}
}
