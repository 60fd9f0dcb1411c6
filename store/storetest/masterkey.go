package storetest

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
)

func masterKeyTests() []test {
	return []test{
		{"NoHashKeysBeforeRotation", testMasterKeyEmpty},
		{"ResealRewritesEverySealedValue", testMasterKeyReseal},
		{"ResealIsAtomic", testMasterKeyResealAtomic},
	}
}

// masterKeyStore returns s as a MasterKeyStore, or skips: a store that
// cannot rotate the master key is allowed, and says so here.
func masterKeyStore(t *testing.T, s tokenmint.Store) tokenmint.MasterKeyStore {
	t.Helper()
	m, isMK := s.(tokenmint.MasterKeyStore)
	if !isMK {
		t.Skipf("%T does not implement tokenmint.MasterKeyStore (no master key rotation)", s)
	}
	return m
}

func testMasterKeyEmpty(t *testing.T, s tokenmint.Store) {
	m := masterKeyStore(t, s)
	if _, err := m.SealedHashKeys(t.Context()); !errors.Is(err, tokenmint.ErrNotFound) {
		t.Fatalf("SealedHashKeys on a new store: %v, want ErrNotFound", err)
	}
	seen := map[tokenmint.SealedKind]int{}
	counts, err := m.Reseal(t.Context(), func(v tokenmint.SealedValue) ([]byte, error) {
		seen[v.Kind]++
		if v.Kind != tokenmint.SealedHashKeys || v.Value != nil {
			t.Errorf("Reseal of an empty store passed %+v, want only the absent hash keys", v)
		}
		return []byte("hash keys v1"), nil
	})
	ok(t, err, "reseal")
	same(t, "counts", counts, map[tokenmint.SealedKind]int{tokenmint.SealedHashKeys: 1})
	got, err := m.SealedHashKeys(t.Context())
	ok(t, err, "sealed hash keys")
	same(t, "hash keys", got, []byte("hash keys v1"))
}

// resealed marks a value as rewritten, keeping it recognisable.
func resealed(v tokenmint.SealedValue) []byte {
	return append([]byte("re:"+string(v.Kind)+":"), v.Value...)
}

func testMasterKeyReseal(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	m := masterKeyStore(t, s)
	full, plain := fullClient("c-sealed"), minimalClient("c-plain")
	ok(t, s.CreateClient(ctx, full), "create client")
	ok(t, s.CreateClient(ctx, plain), "create client")
	key := signingKey("k1", tokenmint.AlgES256, at(-time.Hour))
	ok(t, s.CreateSigningKey(ctx, key), "create signing key")
	before := revision(t, s)

	for round := range 2 { // the second finds the hash keys the first stored
		var passed []tokenmint.SealedValue
		counts, err := m.Reseal(ctx, func(v tokenmint.SealedValue) ([]byte, error) {
			passed = append(passed, v)
			if v.Kind == tokenmint.SealedHashKeys && v.Value == nil {
				return []byte("hk"), nil
			}
			return resealed(v), nil
		})
		ok(t, err, "reseal")
		same(t, "counts", counts, map[tokenmint.SealedKind]int{tokenmint.SealedSigningKey: 1,
			tokenmint.SealedClientSecret: 1, tokenmint.SealedPreviousClientSecret: 1, tokenmint.SealedHashKeys: 1})
		if last := passed[len(passed)-1]; last.Kind != tokenmint.SealedHashKeys {
			t.Errorf("round %d: last value passed is %s, want the hash keys", round, last.Kind)
		}
	}
	got, err := s.GetClient(ctx, full.ID)
	ok(t, err, "get client")
	wantSecret := []byte("re:client_secret:re:client_secret:" + string(full.SecretEnc))
	wantPrev := []byte("re:previous_client_secret:re:previous_client_secret:" + string(full.PreviousSecretEnc))
	if !bytes.Equal(got.SecretEnc, wantSecret) || !bytes.Equal(got.PreviousSecretEnc, wantPrev) {
		t.Errorf("client secrets after two reseals: %q, %q; want %q, %q", got.SecretEnc, got.PreviousSecretEnc, wantSecret, wantPrev)
	}
	got.SecretEnc, got.PreviousSecretEnc = full.SecretEnc, full.PreviousSecretEnc
	same(t, "the rest of the client", normClient(got), normClient(full))
	gotPlain, err := s.GetClient(ctx, plain.ID)
	ok(t, err, "get client")
	same(t, "a client with nothing sealed", normClient(gotPlain), normClient(plain))
	keys, err := s.ListSigningKeys(ctx)
	ok(t, err, "list signing keys")
	if len(keys) != 1 || string(keys[0].PrivateEnc) != "re:signing_key:re:signing_key:"+string(key.PrivateEnc) {
		t.Errorf("signing keys after two reseals: %+v", keys)
	}
	hk, err := m.SealedHashKeys(ctx)
	ok(t, err, "sealed hash keys")
	same(t, "hash keys", hk, []byte("re:hash_keys:hk"))
	if after := revision(t, s); after <= before {
		t.Errorf("revision %d after reseal, was %d: instances would not reload what changed", after, before)
	}
}

func testMasterKeyResealAtomic(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	m := masterKeyStore(t, s)
	full := fullClient("c-sealed")
	ok(t, s.CreateClient(ctx, full), "create client")
	key := signingKey("k1", tokenmint.AlgES256, at(-time.Hour))
	ok(t, s.CreateSigningKey(ctx, key), "create signing key")
	boom := errors.New("cannot open")
	_, err := m.Reseal(ctx, func(v tokenmint.SealedValue) ([]byte, error) {
		if v.Kind == tokenmint.SealedHashKeys {
			return nil, boom // the last value: everything else was rewritten
		}
		return resealed(v), nil
	})
	if !errors.Is(err, boom) {
		t.Fatalf("reseal: %v, want the callback's error", err)
	}
	got, err := s.GetClient(ctx, full.ID)
	ok(t, err, "get client")
	same(t, "client after a failed reseal", normClient(got), normClient(full))
	keys, err := s.ListSigningKeys(ctx)
	ok(t, err, "list signing keys")
	same(t, "signing keys after a failed reseal", normKeys(keys), normKeys([]tokenmint.SigningKey{key}))
	if _, err := m.SealedHashKeys(ctx); !errors.Is(err, tokenmint.ErrNotFound) {
		t.Errorf("hash keys after a failed reseal: %v, want ErrNotFound", err)
	}
}
