package token_test

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/store/sqlstore"
	"github.com/tokenmint/tokenmint/token"
)

// rotationDB is a migrated SQLite store in memory: the rotation's
// transaction runs on the real SQL layer.
func rotationDB(t *testing.T) *sqlstore.DB {
	t.Helper()
	db, err := sqlstore.OpenSQLite(t.Context(), sqlstore.MemoryPath, sqlstore.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func resolve(t *testing.T, db tokenmint.MasterKeyStore, current token.MasterKey, previous ...token.MasterKey) token.Keys {
	t.Helper()
	k, err := token.ResolveKeys(t.Context(), db, current, previous...)
	if err != nil {
		t.Fatalf("resolve keys: %v", err)
	}
	return k
}

// deployment is what a server holds: a client_secret_jwt client's sealed
// secret, a signed JWT, a hashed secret and a token ID.
type deployment struct {
	jwt, secretID, tokenID, csrf string
}

const sealedSecret = "the client_secret_jwt secret"

func deploy(t *testing.T, db *sqlstore.DB, keys token.Keys) deployment {
	t.Helper()
	ctx := t.Context()
	ks := keys.NewKeyset(db, token.KeysetOptions{})
	if err := ks.Load(ctx, tokenmint.AlgES256, tokenmint.AlgEdDSA); err != nil {
		t.Fatal(err)
	}
	c := tokenmint.Client{ID: "c1", Name: "c1", SecretEnc: keys.Sealer().Seal([]byte(sealedSecret), "c1"),
		PreviousSecretEnc: keys.Sealer().Seal([]byte("old "+sealedSecret), "c1")}
	if err := db.CreateClient(ctx, c); err != nil {
		t.Fatal(err)
	}
	jwt, err := ks.Sign(tokenmint.AlgES256, &token.Claims{Issuer: "https://issuer.example", Subject: "s"}, token.SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return deployment{jwt: jwt, secretID: keys.Secrets().ID("s3cret"), tokenID: keys.Tokens().ID("tm_at_x"), csrf: string(keys.CookieKey())}
}

// check fails t unless keys read everything d stored, and recognise d's
// hashes.
func (d deployment) check(t *testing.T, db *sqlstore.DB, keys token.Keys) {
	t.Helper()
	ctx := t.Context()
	ks := keys.NewKeyset(db, token.KeysetOptions{})
	if err := ks.Load(ctx); err != nil {
		t.Fatalf("load signing keys: %v", err)
	}
	if _, err := ks.Verify(d.jwt, ""); err != nil {
		t.Errorf("a JWT signed before: %v", err)
	}
	c, err := db.GetClient(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	for enc, want := range map[string]string{string(c.SecretEnc): sealedSecret, string(c.PreviousSecretEnc): "old " + sealedSecret} {
		plain, err := keys.Sealer().Open([]byte(enc), "c1")
		if err != nil || string(plain) != want {
			t.Errorf("sealed secret: %q, %v; want %q", plain, err, want)
		}
	}
	if got := keys.Secrets().ID("s3cret"); got != d.secretID {
		t.Error("a client secret hashes differently: every client secret would be refused")
	}
	if got := keys.Tokens().ID("tm_at_x"); got != d.tokenID {
		t.Error("a token hashes differently: every opaque token would be unknown")
	}
	if string(keys.CookieKey()) != d.csrf {
		t.Error("the CSRF key changed")
	}
}

// TestMasterKeyRotation walks a rotation as the deployment guide does:
// instances given the new key with the old one as previous, the
// rotation, then the new key alone; and a second rotation.
func TestMasterKeyRotation(t *testing.T) {
	ctx := t.Context()
	db := rotationDB(t)
	k1, k2, k3 := token.GenerateMasterKey(), token.GenerateMasterKey(), token.GenerateMasterKey()
	d := deploy(t, db, resolve(t, db, k1))

	// Instances restarted with k2 and k1 as previous: the hash keys still
	// derive from k1, what k1 sealed opens.
	during := resolve(t, db, k2, k1)
	d.check(t, db, during)

	counts, err := during.Rotate(ctx, db, k2)
	if err != nil {
		t.Fatal(err)
	}
	want := map[tokenmint.SealedKind]int{tokenmint.SealedSigningKey: 2, tokenmint.SealedClientSecret: 1,
		tokenmint.SealedPreviousClientSecret: 1, tokenmint.SealedHashKeys: 1}
	for k, n := range want {
		if counts[k] != n {
			t.Errorf("resealed %d %s, want %d (all: %v)", counts[k], k, n, counts)
		}
	}
	d.check(t, db, during)             // running instances keep working
	d.check(t, db, resolve(t, db, k2)) // and k2 alone reads everything

	// k1 alone no longer opens anything.
	if _, err := token.ResolveKeys(ctx, db, k1); err == nil || !strings.Contains(err.Error(), "do not open with the master key") {
		t.Errorf("resolve with the old key after the rotation: %v, want an error about the hash keys", err)
	}
	if err := token.NewKeyset(db, k1.Derive(token.PurposeKeyEncryption), token.KeysetOptions{}).Load(ctx); err == nil {
		t.Error("the old master key still opens the signing keys after the rotation")
	}

	// A second rotation, from k2 alone, keeps the hash keys again.
	if _, err := resolve(t, db, k2).Rotate(ctx, db, k3); err != nil {
		t.Fatal(err)
	}
	d.check(t, db, resolve(t, db, k3))
	d.check(t, db, resolve(t, db, k3, k2))
	if _, err := token.ResolveKeys(ctx, db, k2); err == nil {
		t.Error("k2 still resolves after the rotation to k3")
	}
}

// TestMasterKeyRotationWrongKeyChangesNothing: a rotation with a key that
// opens nothing fails before its transaction commits, and the database is
// as it was.
func TestMasterKeyRotationWrongKeyChangesNothing(t *testing.T) {
	ctx := t.Context()
	db := rotationDB(t)
	k1 := token.GenerateMasterKey()
	d := deploy(t, db, resolve(t, db, k1))
	wrong := resolve(t, db, token.GenerateMasterKey())
	if _, err := wrong.Rotate(ctx, db, token.GenerateMasterKey()); err == nil || !strings.Contains(err.Error(), "signing key") {
		t.Fatalf("rotate with the wrong key: %v, want an error naming a signing key", err)
	}
	if _, err := db.SealedHashKeys(ctx); err == nil {
		t.Error("a failed rotation stored hash keys")
	}
	d.check(t, db, resolve(t, db, k1))
}

// TestSealerOpensPreviousKey: a Sealer with a previous key opens what
// either sealed, and seals under the current one only.
func TestSealerOpensPreviousKey(t *testing.T) {
	cur, prev := token.GenerateMasterKey().Derive("x"), token.GenerateMasterKey().Derive("x")
	both := token.MustSealer(cur, prev)
	byPrev := token.MustSealer(prev).Seal([]byte("p"), "ctx")
	if got, err := both.Open(byPrev, "ctx"); err != nil || string(got) != "p" {
		t.Errorf("open what the previous key sealed: %q %v", got, err)
	}
	if _, err := both.Open(byPrev, "other"); err == nil {
		t.Error("opened under another context")
	}
	if _, err := token.MustSealer(prev).Open(both.Seal([]byte("c"), "ctx"), "ctx"); err == nil {
		t.Error("sealed under the previous key")
	}
	if got, err := token.MustSealer(cur).Open(both.Seal([]byte("c"), "ctx"), "ctx"); err != nil || string(got) != "c" {
		t.Errorf("sealed not under the current key: %q %v", got, err)
	}
}
