package storetest

import (
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
)

func signingKeyTests() []test {
	return []test{
		{"RoundTripAndOrder", testKeysRoundTrip},
		{"ListEmpty", testKeysEmpty},
		{"CreateConflict", testKeysConflict},
		{"CreateSecondCurrent", testKeysSecondCurrent},
		{"Rotate", testKeysRotate},
		{"RotateFirstKey", testKeysRotateFirst},
		{"RotateTwice", testKeysRotateTwice},
		{"RotateIsAtomic", testKeysRotateAtomic},
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

// testKeysSecondCurrent: a second current key of an alg is refused, so
// that instances creating their first keys together keep one (package
// token takes the stored one on ErrConflict); a rotated key of that alg,
// or a current key of another, is not.
func testKeysSecondCurrent(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	first := signingKey("k1", tokenmint.AlgES256, at(0))
	ok(t, s.CreateSigningKey(ctx, first), "create signing key")
	wantErr(t, s.CreateSigningKey(ctx, signingKey("k2", tokenmint.AlgES256, at(time.Second))), tokenmint.ErrConflict, "create a second current ES256 key")
	rotated := signingKey("k3", tokenmint.AlgES256, at(-time.Hour))
	rotated.RotatedAt, rotated.RetireAt = at(-time.Minute), at(time.Hour)
	other := signingKey("k4", tokenmint.AlgEdDSA, at(time.Second))
	ok(t, s.CreateSigningKey(ctx, rotated), "create a rotated ES256 key")
	ok(t, s.CreateSigningKey(ctx, other), "create a current EdDSA key")
	got, err := s.ListSigningKeys(ctx)
	ok(t, err, "list signing keys")
	same(t, "keys after the refused one", normKeys(got), normKeys([]tokenmint.SigningKey{rotated, first, other}))
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

// testKeysRotateAtomic: when the next key cannot be stored, the current
// one stays current and the revision does not move.
func testKeysRotateAtomic(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	k1 := signingKey("k1", tokenmint.AlgES256, at(0))
	ok(t, s.CreateSigningKey(ctx, k1), "create signing key")
	before := revision(t, s)
	err := s.RotateSigningKeys(ctx, signingKey("k1", tokenmint.AlgES256, at(time.Hour)), at(2*time.Hour))
	wantErr(t, err, tokenmint.ErrConflict, "rotate to a taken key ID")
	got, err := s.ListSigningKeys(ctx)
	ok(t, err, "list signing keys")
	same(t, "keys after a failed rotation", normKeys(got), normKeys([]tokenmint.SigningKey{k1}))
	if after := revision(t, s); after != before {
		t.Fatalf("revision %d after a failed rotation, want %d", after, before)
	}
}
