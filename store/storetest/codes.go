package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
)

func authCodeTests() []test {
	return []test{
		{"ConsumeRoundTrip", testCodeConsume},
		{"ConsumeRoundTripNoPKCE", testCodeConsumeMinimal},
		{"CreateConflict", testCodeConflict},
		{"ConsumeUnknown", testCodeUnknown},
		{"ConsumeTwiceIsReplay", testCodeReplay},
		{"ConsumeConcurrent", testCodeConcurrent},
		{"ConsumeExpiredIsCallersCheck", testCodeExpired},
	}
}

func testCodeConsume(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	c := authCode("code1", "c", "f1", at(time.Minute))
	ok(t, s.CreateAuthCode(ctx, c), "create auth code")
	ok(t, s.CreateAuthCode(ctx, authCode("code2", "c", "f2", at(time.Minute))), "create other auth code")
	got, err := s.ConsumeAuthCode(ctx, "code1", at(0))
	ok(t, err, "consume auth code")
	want := c
	want.UsedAt = at(0)
	same(t, "consumed code", normCode(got), normCode(want))
	_, err = s.ConsumeAuthCode(ctx, "code2", at(0))
	ok(t, err, "consume other auth code")
}

func testCodeConsumeMinimal(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	c := tokenmint.AuthCode{ID: "code1", FamilyID: "f1", ClientID: "c", RedirectURI: "https://a/cb", Subject: "u", ExpiresAt: at(time.Minute)}
	ok(t, s.CreateAuthCode(ctx, c), "create auth code")
	got, err := s.ConsumeAuthCode(ctx, "code1", at(0))
	ok(t, err, "consume auth code")
	c.UsedAt = at(0)
	same(t, "consumed code", normCode(got), normCode(c))
}

func testCodeConflict(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	c := authCode("code1", "c", "f1", at(time.Minute))
	ok(t, s.CreateAuthCode(ctx, c), "create auth code")
	wantErr(t, s.CreateAuthCode(ctx, authCode("code1", "d", "f2", at(time.Hour))), tokenmint.ErrConflict, "create duplicate auth code")
	got, err := s.ConsumeAuthCode(ctx, "code1", at(0))
	ok(t, err, "consume auth code")
	if got.ClientID != "c" || got.FamilyID != "f1" {
		t.Fatalf("a conflicting create changed the code: %s", show(got))
	}
}

func testCodeUnknown(t *testing.T, s tokenmint.Store) {
	_, err := s.ConsumeAuthCode(t.Context(), "nope", at(0))
	wantErr(t, err, tokenmint.ErrNotFound, "consume unknown auth code")
}

func testCodeReplay(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	c := authCode("code1", "c", "f1", at(time.Minute))
	ok(t, s.CreateAuthCode(ctx, c), "create auth code")
	_, err := s.ConsumeAuthCode(ctx, "code1", at(0))
	ok(t, err, "consume auth code")
	for range 2 {
		got, err := s.ConsumeAuthCode(ctx, "code1", at(10*time.Second))
		wantErr(t, err, tokenmint.ErrAlreadyUsed, "consume auth code again")
		want := c
		want.UsedAt = at(0) // the first use, which the caller revokes by
		same(t, "record returned with ErrAlreadyUsed", normCode(got), normCode(want))
	}
}

func testCodeConcurrent(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.CreateAuthCode(ctx, authCode("code1", "c", "f1", at(time.Minute))), "create auth code")
	const n = 16
	errs := make([]error, n)
	used := make([]time.Time, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			var c tokenmint.AuthCode
			c, errs[i] = s.ConsumeAuthCode(ctx, "code1", at(time.Duration(i)*time.Millisecond))
			used[i] = c.UsedAt
		})
	}
	close(start)
	wg.Wait()
	winner := checkOneWinner(t, errs)
	for i, u := range used {
		if !u.Equal(at(time.Duration(winner) * time.Millisecond)) {
			t.Errorf("caller %d saw UsedAt %v, want the winner's %v", i, u, at(time.Duration(winner)*time.Millisecond))
		}
	}
}

func testCodeExpired(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	c := authCode("code1", "c", "f1", at(-time.Minute))
	ok(t, s.CreateAuthCode(ctx, c), "create auth code")
	got, err := s.ConsumeAuthCode(ctx, "code1", at(0))
	ok(t, err, "consume expired auth code")
	if !got.ExpiresAt.Equal(at(-time.Minute)) {
		t.Fatalf("ExpiresAt = %v, want %v", got.ExpiresAt, at(-time.Minute))
	}
}

func signingKeyTests() []test {
	return []test{
		{"RoundTripAndOrder", testKeysRoundTrip},
		{"ListEmpty", testKeysEmpty},
		{"CreateConflict", testKeysConflict},
		{"Rotate", testKeysRotate},
		{"RotateFirstKey", testKeysRotateFirst},
		{"RotateTwice", testKeysRotateTwice},
	}
}

func testKeysRoundTrip(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	oldRotated := signingKey("k-old", tokenmint.AlgES256, at(-48*time.Hour))
	oldRotated.RotatedAt, oldRotated.RetireAt = at(-24*time.Hour), at(24*time.Hour)
	keys := []tokenmint.SigningKey{ // created out of order
		signingKey("k-new", tokenmint.AlgES256, at(-24*time.Hour)),
		signingKey("k-ed", tokenmint.AlgEdDSA, at(-time.Hour)),
		oldRotated,
		signingKey("k-rsa", tokenmint.AlgRS256, at(-30*time.Hour)),
	}
	for _, k := range keys {
		ok(t, s.CreateSigningKey(ctx, k), "create signing key "+k.ID)
	}
	got, err := s.ListSigningKeys(ctx)
	ok(t, err, "list signing keys")
	want := []tokenmint.SigningKey{keys[2], keys[3], keys[0], keys[1]}
	same(t, "signing keys, oldest first", normKeys(got), normKeys(want))
}

func testKeysEmpty(t *testing.T, s tokenmint.Store) {
	got, err := s.ListSigningKeys(t.Context())
	ok(t, err, "list signing keys")
	if len(got) != 0 {
		t.Fatalf("empty store lists %d keys", len(got))
	}
}

func testKeysConflict(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	k := signingKey("k1", tokenmint.AlgES256, at(0))
	ok(t, s.CreateSigningKey(ctx, k), "create signing key")
	dup := signingKey("k1", tokenmint.AlgRS256, at(time.Hour))
	dup.RotatedAt = at(time.Hour)
	wantErr(t, s.CreateSigningKey(ctx, dup), tokenmint.ErrConflict, "create duplicate signing key")
	got, err := s.ListSigningKeys(ctx)
	ok(t, err, "list signing keys")
	same(t, "keys after conflict", normKeys(got), normKeys([]tokenmint.SigningKey{k}))
}

func testKeysRotate(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	es := signingKey("es-1", tokenmint.AlgES256, at(-time.Hour))
	rs := signingKey("rs-1", tokenmint.AlgRS256, at(-2*time.Hour))
	ok(t, s.CreateSigningKey(ctx, es), "create signing key")
	ok(t, s.CreateSigningKey(ctx, rs), "create signing key")
	next := signingKey("es-2", tokenmint.AlgES256, at(0))
	ok(t, s.RotateSigningKeys(ctx, next, at(24*time.Hour)), "rotate signing keys")

	got, err := s.ListSigningKeys(ctx)
	ok(t, err, "list signing keys")
	wantES := es
	wantES.RotatedAt, wantES.RetireAt = at(0), at(24*time.Hour)
	same(t, "keys after rotation", normKeys(got), normKeys([]tokenmint.SigningKey{rs, wantES, next}))
	if got[1].Current() || !got[2].Current() || !got[0].Current() {
		t.Fatalf("current keys after rotation wrong: %s", show(got))
	}
}

func testKeysRotateFirst(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	next := signingKey("ed-1", tokenmint.AlgEdDSA, at(0))
	ok(t, s.RotateSigningKeys(ctx, next, at(time.Hour)), "rotate with no current key")
	got, err := s.ListSigningKeys(ctx)
	ok(t, err, "list signing keys")
	same(t, "keys", normKeys(got), normKeys([]tokenmint.SigningKey{next}))
}

func testKeysRotateTwice(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	k1 := signingKey("k1", tokenmint.AlgES256, at(0))
	k2 := signingKey("k2", tokenmint.AlgES256, at(time.Hour))
	k3 := signingKey("k3", tokenmint.AlgES256, at(2*time.Hour))
	ok(t, s.CreateSigningKey(ctx, k1), "create signing key")
	ok(t, s.RotateSigningKeys(ctx, k2, at(10*time.Hour)), "rotate signing keys")
	ok(t, s.RotateSigningKeys(ctx, k3, at(20*time.Hour)), "rotate signing keys again")
	got, err := s.ListSigningKeys(ctx)
	ok(t, err, "list signing keys")
	k1.RotatedAt, k1.RetireAt = at(time.Hour), at(10*time.Hour) // untouched by the second rotation
	k2.RotatedAt, k2.RetireAt = at(2*time.Hour), at(20*time.Hour)
	same(t, "keys after two rotations", normKeys(got), normKeys([]tokenmint.SigningKey{k1, k2, k3}))
}

func loginSessionTests() []test {
	return []test{
		{"RoundTrip", testSessionRoundTrip},
		{"CreateConflict", testSessionConflict},
		{"GetNotFound", testSessionNotFound},
		{"Delete", testSessionDelete},
	}
}

func testSessionRoundTrip(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ls := loginSession("s1", "u1", at(8*time.Hour))
	ok(t, s.CreateLoginSession(ctx, ls), "create login session")
	got, err := s.GetLoginSession(ctx, "s1")
	ok(t, err, "get login session")
	same(t, "login session", normSession(got), normSession(ls))
}

func testSessionConflict(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ls := loginSession("s1", "u1", at(8*time.Hour))
	ok(t, s.CreateLoginSession(ctx, ls), "create login session")
	wantErr(t, s.CreateLoginSession(ctx, loginSession("s1", "u2", at(time.Hour))), tokenmint.ErrConflict, "create duplicate session")
	got, err := s.GetLoginSession(ctx, "s1")
	ok(t, err, "get login session")
	same(t, "session after conflict", normSession(got), normSession(ls))
}

func testSessionNotFound(t *testing.T, s tokenmint.Store) {
	_, err := s.GetLoginSession(t.Context(), "nope")
	wantErr(t, err, tokenmint.ErrNotFound, "get unknown session")
}

func testSessionDelete(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.CreateLoginSession(ctx, loginSession("s1", "u1", at(time.Hour))), "create login session")
	ok(t, s.CreateLoginSession(ctx, loginSession("s2", "u1", at(time.Hour))), "create login session")
	ok(t, s.DeleteLoginSession(ctx, "s1"), "delete login session")
	_, err := s.GetLoginSession(ctx, "s1")
	wantErr(t, err, tokenmint.ErrNotFound, "get deleted session")
	_, err = s.GetLoginSession(ctx, "s2")
	ok(t, err, "get other session")
}
