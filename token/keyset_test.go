package token

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/tokenmint/tokenmint"
)

// memKeyStore is an in-memory tokenmint.KeyStore with the semantics the
// SQL store promises: list oldest first, one current key per alg (a
// second is ErrConflict), rotate atomically.
type memKeyStore struct {
	mu   sync.Mutex
	keys []tokenmint.SigningKey
	err  error // when set, every method fails with it
}

func (s *memKeyStore) CreateSigningKey(ctx context.Context, k tokenmint.SigningKey) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	if slices.ContainsFunc(s.keys, func(o tokenmint.SigningKey) bool {
		return o.ID == k.ID || (k.Current() && o.Current() && o.Alg == k.Alg)
	}) {
		return fmt.Errorf("signing key %s: %w", k.ID, tokenmint.ErrConflict)
	}
	s.keys = append(s.keys, k)
	return ctx.Err()
}

func (s *memKeyStore) ListSigningKeys(ctx context.Context) ([]tokenmint.SigningKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return nil, s.err
	}
	keys := slices.Clone(s.keys)
	slices.SortStableFunc(keys, func(a, b tokenmint.SigningKey) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return keys, ctx.Err()
}

func (s *memKeyStore) RotateSigningKeys(ctx context.Context, next tokenmint.SigningKey, retireAt time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	for i := range s.keys {
		if s.keys[i].Alg == next.Alg && s.keys[i].Current() {
			s.keys[i].RotatedAt, s.keys[i].RetireAt = next.CreatedAt, retireAt
		}
	}
	s.keys = append(s.keys, next)
	return ctx.Err()
}

func (s *memKeyStore) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.keys)
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: t0} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func testEncKey() []byte {
	m, _ := ParseMasterKey(base64.StdEncoding.EncodeToString(testKeyBytes()))
	return m.Derive(PurposeKeyEncryption)
}

func newTestKeyset(t testing.TB, store tokenmint.KeyStore, clock *fakeClock) *Keyset {
	t.Helper()
	return NewKeyset(store, testEncKey(), KeysetOptions{
		Now:    clock.Now,
		Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
}

// loadedKeyset returns a keyset with a key for each of algs.
func loadedKeyset(t testing.TB, algs ...string) (*Keyset, *memKeyStore, *fakeClock) {
	t.Helper()
	store, clock := &memKeyStore{}, newClock()
	k := newTestKeyset(t, store, clock)
	if err := k.Load(context.Background(), algs...); err != nil {
		t.Fatalf("Load: %v", err)
	}
	return k, store, clock
}

func currentKid(t testing.TB, k *Keyset, alg string) string {
	t.Helper()
	e := k.snap.Load().signing[alg]
	if e == nil {
		t.Fatalf("no current %s key", alg)
	}
	return e.rec.ID
}

func privateKey(t testing.TB, k *Keyset, kid string) crypto.Signer {
	t.Helper()
	e := k.snap.Load().byKid[kid]
	if e == nil {
		t.Fatalf("no key %s", kid)
	}
	return e.priv
}

// header decodes the protected header of a compact JWS.
func header(t testing.TB, raw string) map[string]any {
	t.Helper()
	jws, err := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{jose.ES256, jose.RS256, jose.EdDSA})
	if err != nil {
		t.Fatal(err)
	}
	h := jws.Signatures[0].Protected
	out := map[string]any{"alg": h.Algorithm}
	if h.KeyID != "" {
		out["kid"] = h.KeyID
	}
	for name, v := range h.ExtraHeaders {
		out[string(name)] = v
	}
	return out
}

func TestKeysetLoadFirstStart(t *testing.T) {
	k, store, _ := loadedKeyset(t, tokenmint.KnownAlgs...)
	if got := k.Algs(); !slices.Equal(got, tokenmint.KnownAlgs) {
		t.Errorf("Algs() = %v, want %v", got, tokenmint.KnownAlgs)
	}
	if store.len() != 3 {
		t.Fatalf("store holds %d keys, want 3", store.len())
	}
	keys := k.Keys()
	if len(keys) != 3 {
		t.Fatalf("Keys() has %d keys, want 3", len(keys))
	}
	for _, rec := range keys {
		if !rec.Current() || rec.CreatedAt != t0 || len(rec.PublicJWK) == 0 || len(rec.PrivateEnc) == 0 {
			t.Errorf("bad record %+v", rec)
		}
	}
	// Idempotent: nothing new on a second Load, by this or another instance.
	if err := k.Load(context.Background(), tokenmint.KnownAlgs...); err != nil {
		t.Fatal(err)
	}
	other := newTestKeyset(t, store, newClock())
	if err := other.Load(context.Background(), tokenmint.AlgES256); err != nil {
		t.Fatal(err)
	}
	if store.len() != 3 {
		t.Errorf("store holds %d keys after reloading, want 3", store.len())
	}
	if got := other.Algs(); !slices.Equal(got, tokenmint.KnownAlgs) {
		t.Errorf("second instance Algs() = %v", got)
	}
}

func TestKeysetLoadErrors(t *testing.T) {
	ctx := context.Background()
	sealedPair := func(t *testing.T) *memKeyStore {
		_, store, _ := loadedKeyset(t, tokenmint.AlgES256, tokenmint.AlgEdDSA)
		return store
	}
	tests := []struct {
		name    string
		store   func(t *testing.T) *memKeyStore
		encKey  []byte
		algs    []string
		wantIs  error
		wantErr string
	}{
		{name: "unsupported alg", store: func(*testing.T) *memKeyStore { return &memKeyStore{} }, algs: []string{"HS256"}, wantErr: "unsupported"},
		{name: "none alg", store: func(*testing.T) *memKeyStore { return &memKeyStore{} }, algs: []string{"none"}, wantErr: "unsupported"},
		{
			name:   "store unavailable",
			store:  func(*testing.T) *memKeyStore { return &memKeyStore{err: tokenmint.ErrUnavailable} },
			algs:   []string{tokenmint.AlgES256},
			wantIs: tokenmint.ErrUnavailable,
		},
		{name: "wrong master key", store: sealedPair, encKey: GenerateMasterKey().Derive(PurposeKeyEncryption), wantErr: "wrong master key"},
		{name: "subkey of another purpose", store: sealedPair, encKey: mustMaster(t).Derive(PurposeCookie), wantErr: "wrong master key"},
		{name: "short encryption key", store: func(*testing.T) *memKeyStore { return &memKeyStore{} }, encKey: []byte("short"), algs: []string{tokenmint.AlgEdDSA}, wantErr: "want 32"},
		{
			name: "sealed key moved to another record",
			store: func(t *testing.T) *memKeyStore {
				s := sealedPair(t)
				s.keys[0].PrivateEnc, s.keys[1].PrivateEnc = s.keys[1].PrivateEnc, s.keys[0].PrivateEnc
				return s
			},
			wantErr: "decrypt",
		},
		{
			name: "sealed key corrupted",
			store: func(t *testing.T) *memKeyStore {
				s := sealedPair(t)
				s.keys[0].PrivateEnc[20] ^= 1
				return s
			},
			wantErr: "decrypt",
		},
		{
			name: "record alg changed",
			store: func(t *testing.T) *memKeyStore {
				s := sealedPair(t)
				s.keys[0].Alg = tokenmint.AlgEdDSA // an ES256 key posing as EdDSA
				return s
			},
			wantErr: "does not fit alg",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := tt.store(t)
			before := store.len()
			encKey := tt.encKey
			if encKey == nil {
				encKey = testEncKey()
			}
			k := NewKeyset(store, encKey, KeysetOptions{Now: newClock().Now})
			err := k.Load(ctx, tt.algs...)
			if err == nil || (tt.wantIs != nil && !errors.Is(err, tt.wantIs)) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Load error = %v, want %v / %q", err, tt.wantIs, tt.wantErr)
			}
			if store.err == nil && store.len() != before {
				t.Errorf("failed Load changed the store: %d keys, had %d", store.len(), before)
			}
			if len(k.Keys()) != 0 || len(k.Algs()) != 0 {
				t.Error("failed Load published keys")
			}
		})
	}
}

func mustMaster(t testing.TB) MasterKey {
	t.Helper()
	m, err := ParseMasterKey(base64.StdEncoding.EncodeToString(testKeyBytes()))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestKeysetLoadSkipsRetiredAndUnknown(t *testing.T) {
	k, store, clock := loadedKeyset(t, tokenmint.AlgES256)
	old := currentKid(t, k, tokenmint.AlgES256)
	if _, err := k.Rotate(context.Background(), tokenmint.AlgES256, time.Minute); err != nil {
		t.Fatal(err)
	}
	store.keys = append(store.keys, tokenmint.SigningKey{ID: "future", Alg: "ML-DSA-44", CreatedAt: t0})
	clock.Advance(time.Minute)
	fresh := newTestKeyset(t, store, clock)
	if err := fresh.Load(context.Background()); err != nil {
		t.Fatalf("Load: %v", err)
	}
	for _, rec := range fresh.Keys() {
		if rec.ID == old || rec.ID == "future" {
			t.Errorf("Keys() includes %s", rec.ID)
		}
	}
	if n := len(fresh.Keys()); n != 1 {
		t.Errorf("Keys() has %d keys, want 1", n)
	}
}

// staleListStore answers its first ListSigningKeys with no keys, as a
// read made just before another instance stored its first keys.
type staleListStore struct {
	*memKeyStore
	listed bool
}

func (s *staleListStore) ListSigningKeys(ctx context.Context) ([]tokenmint.SigningKey, error) {
	if !s.listed {
		s.listed = true
		return nil, ctx.Err()
	}
	return s.memKeyStore.ListSigningKeys(ctx)
}

// TestKeysetLoadLosesFirstKeyRace: another instance stored the first
// keys between this one's read and its writes; the store refuses the
// second current key of each alg, and Load takes the stored ones.
func TestKeysetLoadLosesFirstKeyRace(t *testing.T) {
	winner, store, _ := loadedKeyset(t, tokenmint.AlgES256, tokenmint.AlgEdDSA)
	loser := newTestKeyset(t, &staleListStore{memKeyStore: store}, newClock())
	if err := loser.Load(context.Background(), tokenmint.AlgES256, tokenmint.AlgEdDSA, tokenmint.AlgRS256); err != nil {
		t.Fatalf("Load after losing the race: %v", err)
	}
	for _, alg := range []string{tokenmint.AlgES256, tokenmint.AlgEdDSA} {
		if got, want := currentKid(t, loser, alg), currentKid(t, winner, alg); got != want {
			t.Errorf("%s: loser signs with %s, want the winner's %s", alg, got, want)
		}
	}
	if store.len() != 3 {
		t.Errorf("store holds %d keys, want one per alg", store.len())
	}
}

// TestKeysetLoadTogether: instances loading together on an empty store
// all succeed and all sign with the same key of each alg.
func TestKeysetLoadTogether(t *testing.T) {
	store := &memKeyStore{}
	sets := make([]*Keyset, 6)
	var wg sync.WaitGroup
	for i := range sets {
		sets[i] = newTestKeyset(t, store, newClock())
		wg.Go(func() {
			if err := sets[i].Load(context.Background(), tokenmint.KnownAlgs...); err != nil {
				t.Errorf("instance %d: Load: %v", i, err)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	for _, alg := range tokenmint.KnownAlgs {
		for i, k := range sets {
			if got, want := currentKid(t, k, alg), currentKid(t, sets[0], alg); got != want {
				t.Errorf("%s: instance %d signs with %s, instance 0 with %s", alg, i, got, want)
			}
		}
	}
}

func TestKeysetLoadConvergesOnNewestKey(t *testing.T) {
	// Two instances raced on first start and both stored an ES256 key.
	store := &memKeyStore{}
	var recs []tokenmint.SigningKey
	for i := range 2 {
		rec, err := newSigningKey(tokenmint.AlgES256, minRSABits, testEncKey(), t0.Add(time.Duration(i)*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
	}
	store.keys = []tokenmint.SigningKey{recs[1], recs[0]}
	for i := range 2 {
		k := newTestKeyset(t, store, newClock())
		if err := k.Load(context.Background(), tokenmint.AlgES256); err != nil {
			t.Fatal(err)
		}
		raw, err := k.Sign(tokenmint.AlgES256, &Claims{Subject: "s"}, SignOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if kid := header(t, raw)["kid"]; kid != recs[1].ID {
			t.Errorf("instance %d signs with %v, want the newest key %s", i, kid, recs[1].ID)
		}
		if len(k.Keys()) != 2 {
			t.Errorf("instance %d publishes %d keys, want both", i, len(k.Keys()))
		}
	}
}

func TestKeysetSignVerify(t *testing.T) {
	k, _, _ := loadedKeyset(t, tokenmint.KnownAlgs...)
	for _, alg := range tokenmint.KnownAlgs {
		for _, typ := range []string{"", TypeAccessToken, TypeJWT, "logout+jwt"} {
			t.Run(alg+"/"+typ, func(t *testing.T) {
				c := fullClaims()
				raw, err := k.Sign(alg, &c, SignOptions{Type: typ})
				if err != nil {
					t.Fatal(err)
				}
				h := header(t, raw)
				wantTyp := typ
				if wantTyp == "" {
					wantTyp = TypeAccessToken
				}
				if h["alg"] != alg || h["kid"] != currentKid(t, k, alg) || h["typ"] != wantTyp || len(h) != 3 {
					t.Errorf("header = %v", h)
				}
				got, err := k.Verify(raw, typ)
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if !claimsEqual(got, &c) {
					t.Errorf("claims changed:\n got %+v\nwant %+v", got, c)
				}
			})
		}
	}
}

func claimsEqual(a, b *Claims) bool {
	x, _ := a.MarshalJSON()
	y, _ := b.MarshalJSON()
	return string(x) == string(y)
}

func TestKeysetVerifyTypVariants(t *testing.T) {
	k, _, _ := loadedKeyset(t, tokenmint.AlgEdDSA)
	tests := []struct {
		name     string
		signTyp  string
		wantType string
		ok       bool
	}{
		{"default both", "", "", true},
		{"application prefix", "application/at+jwt", TypeAccessToken, true},
		{"upper case", "AT+JWT", "at+jwt", true},
		{"prefix on the wanted side", "at+jwt", "Application/AT+JWT", true},
		{"JWT wanted, at+jwt given", "", TypeJWT, false},
		{"at+jwt wanted, JWT given", TypeJWT, TypeAccessToken, false},
		{"different media type", "secevent+jwt", "", false},
		{"prefix only", "application/", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := k.Sign(tokenmint.AlgEdDSA, &Claims{Subject: "s"}, SignOptions{Type: tt.signTyp})
			if err != nil {
				t.Fatal(err)
			}
			_, err = k.Verify(raw, tt.wantType)
			if tt.ok != (err == nil) || (err != nil && !errors.Is(err, ErrInvalidJWT)) {
				t.Errorf("Verify(typ %q, want %q) error = %v, want ok=%v", tt.signTyp, tt.wantType, err, tt.ok)
			}
		})
	}
}

func TestKeysetSignErrors(t *testing.T) {
	k, _, _ := loadedKeyset(t, tokenmint.AlgES256)
	tests := []struct {
		name    string
		alg     string
		claims  *Claims
		opts    SignOptions
		wantIs  error
		wantErr string
	}{
		{name: "alg without key", alg: tokenmint.AlgRS256, claims: &Claims{}, wantIs: ErrNoSigningKey},
		{name: "unknown alg", alg: "HS256", claims: &Claims{}, wantIs: ErrNoSigningKey},
		{name: "nil claims", alg: tokenmint.AlgES256, wantErr: "nil claims"},
		{name: "extra header kid", alg: tokenmint.AlgES256, claims: &Claims{}, opts: SignOptions{ExtraHeaders: map[string]any{"kid": "x"}}, wantErr: "reserved"},
		{name: "extra header alg", alg: tokenmint.AlgES256, claims: &Claims{}, opts: SignOptions{ExtraHeaders: map[string]any{"alg": "none"}}, wantErr: "reserved"},
		{name: "extra header crit", alg: tokenmint.AlgES256, claims: &Claims{}, opts: SignOptions{ExtraHeaders: map[string]any{"crit": []string{"x"}}}, wantErr: "reserved"},
		{name: "unmarshalable claim", alg: tokenmint.AlgES256, claims: &Claims{Extra: map[string]any{"f": func() {}}}, wantErr: `"f"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := k.Sign(tt.alg, tt.claims, tt.opts)
			if err == nil || raw != "" || (tt.wantIs != nil && !errors.Is(err, tt.wantIs)) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Sign = %q, %v; want error %v / %q", raw, err, tt.wantIs, tt.wantErr)
			}
		})
	}
}

func TestKeysetSignExtraHeaders(t *testing.T) {
	k, _, _ := loadedKeyset(t, tokenmint.AlgES256)
	raw, err := k.Sign(tokenmint.AlgES256, &Claims{ID: "j1"}, SignOptions{ExtraHeaders: map[string]any{"jti": "j1", "n": 2}})
	if err != nil {
		t.Fatal(err)
	}
	h := header(t, raw)
	if h["jti"] != "j1" || h["n"] != 2.0 || h["typ"] != TypeAccessToken || h["kid"] != currentKid(t, k, tokenmint.AlgES256) {
		t.Errorf("header = %v", h)
	}
	if _, err := k.Verify(raw, ""); err != nil {
		t.Errorf("Verify: %v", err)
	}
	// The cached signer must not have picked up the extra header.
	plain, _ := k.Sign(tokenmint.AlgES256, &Claims{}, SignOptions{})
	if _, ok := header(t, plain)["jti"]; ok {
		t.Error("extra header leaked into a later token")
	}
}

// compact assembles a compact JWS from a header, a payload and a function
// signing the signing input.
func compact(t testing.TB, hdr map[string]any, payload []byte, sign func(input []byte) []byte) string {
	t.Helper()
	hb, err := json.Marshal(hdr)
	if err != nil {
		t.Fatal(err)
	}
	input := b64(hb) + "." + b64(payload)
	return input + "." + b64(sign([]byte(input)))
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// joseSign signs payload with go-jose directly, bypassing Keyset.Sign.
func joseSign(t testing.TB, alg jose.SignatureAlgorithm, key any, opts *jose.SignerOptions, payload []byte) string {
	t.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := s.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestKeysetVerifyRejects(t *testing.T) {
	k, _, _ := loadedKeyset(t, tokenmint.KnownAlgs...)
	esKid, rsKid, edKid := currentKid(t, k, tokenmint.AlgES256), currentKid(t, k, tokenmint.AlgRS256), currentKid(t, k, tokenmint.AlgEdDSA)
	esPriv := privateKey(t, k, esKid)
	rsJWK, err := publicJWK(rsKid, tokenmint.AlgRS256, privateKey(t, k, rsKid).Public()).MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := fullClaims().MarshalJSON()
	goodClaims := fullClaims()
	good, err := k.Sign(tokenmint.AlgES256, &goodClaims, SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	parts := splitJWS(good)
	attacker, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	typAT := func() *jose.SignerOptions { return (&jose.SignerOptions{}).WithType(TypeAccessToken) }
	ourKey := func(kid string) jose.JSONWebKey { return jose.JSONWebKey{Key: privateKey(t, k, kid), KeyID: kid} }
	hs256 := func(secret []byte) func([]byte) []byte {
		return func(in []byte) []byte { m := hmac.New(sha256.New, secret); m.Write(in); return m.Sum(nil) }
	}
	tests := []struct {
		name, raw string
		why       string // in the error
	}{
		{"empty", "", "empty input"},
		{"garbage", "not a jwt", "three parts"},
		{"two parts", parts[0] + "." + parts[1], "three parts"},
		{"four parts", good + ".x", "three parts"},
		{"bad base64 header", "!!." + parts[1] + "." + parts[2], "base64"},
		{"JSON serialization", `{"payload":"` + parts[1] + `","protected":"` + parts[0] + `","signature":"` + parts[2] + `"}`, "three parts"},
		{"whitespace around", " " + good + "\n", "base64"},
		{"tampered payload", parts[0] + "." + b64([]byte(`{"sub":"admin"}`)) + "." + parts[2], "cryptographic"},
		{"tampered signature", parts[0] + "." + parts[1] + "." + flipFirst(parts[2]), "cryptographic"},
		{"empty signature", parts[0] + "." + parts[1] + ".", "cryptographic"},
		{"tampered header typ", b64([]byte(`{"alg":"ES256","kid":"`+esKid+`","typ":"JWT"}`)) + "." + parts[1] + "." + parts[2], "typ \"JWT\""},
		{"tampered header member", b64([]byte(`{"alg":"ES256","kid":"`+esKid+`","typ":"at+jwt","x":1}`)) + "." + parts[1] + "." + parts[2], "cryptographic"},
		{"unknown kid", joseSign(t, jose.ES256, jose.JSONWebKey{Key: attacker, KeyID: "nope"}, typAT(), payload), "unknown kid"},
		{"attacker key with our kid", joseSign(t, jose.ES256, jose.JSONWebKey{Key: attacker, KeyID: esKid}, typAT(), payload), "cryptographic"},
		{"no kid", joseSign(t, jose.ES256, esPriv, typAT(), payload), "no kid"},
		{"embedded jwk, no kid", joseSign(t, jose.ES256, jose.JSONWebKey{Key: attacker, KeyID: esKid}, (&jose.SignerOptions{EmbedJWK: true}).WithType(TypeAccessToken), payload), "no kid"},
		{"no typ", joseSign(t, jose.ES256, ourKey(esKid), nil, payload), "typ \"\""},
		{"typ not a string", joseSign(t, jose.ES256, ourKey(esKid), (&jose.SignerOptions{}).WithHeader("typ", 1), payload), "typ \"\""},
		{"unknown crit", joseSign(t, jose.ES256, ourKey(esKid), typAT().WithCritical("exp").WithHeader("exp", 1), payload), "critical"},
		{"alg none", compact(t, map[string]any{"alg": "none", "kid": esKid, "typ": TypeAccessToken}, payload, func([]byte) []byte { return nil }), "unexpected signature algorithm \"none\""},
		{"alg None", compact(t, map[string]any{"alg": "None", "kid": esKid, "typ": TypeAccessToken}, payload, func([]byte) []byte { return nil }), "unexpected signature algorithm"},
		{"HS256 keyed with the RSA public JWK", compact(t, map[string]any{"alg": "HS256", "kid": rsKid, "typ": TypeAccessToken}, payload, hs256(rsJWK)), "unexpected signature algorithm \"HS256\""},
		{"HS256 keyed with the JWKS", compact(t, map[string]any{"alg": "HS256", "kid": rsKid, "typ": TypeAccessToken}, payload, hs256(k.JWKS())), "unexpected signature algorithm \"HS256\""},
		{"ES256 header, EdDSA key id", joseSign(t, jose.ES256, jose.JSONWebKey{Key: esPriv, KeyID: edKid}, typAT(), payload), "does not match"},
		{"EdDSA header, RSA key id", joseSign(t, jose.EdDSA, jose.JSONWebKey{Key: privateKey(t, k, edKid), KeyID: rsKid}, typAT(), payload), "does not match"},
		{"RS256 header, ES256 key id", joseSign(t, jose.RS256, jose.JSONWebKey{Key: privateKey(t, k, rsKid), KeyID: esKid}, typAT(), payload), "does not match"},
		{"payload not an object", joseSign(t, jose.ES256, ourKey(esKid), typAT(), []byte(`["sub"]`)), "not a JSON object"},
		{"payload not JSON", joseSign(t, jose.ES256, ourKey(esKid), typAT(), []byte(`sub=admin`)), "not a JSON object"},
		{"claim of wrong type", joseSign(t, jose.ES256, ourKey(esKid), typAT(), []byte(`{"exp":"tomorrow"}`)), "\"exp\""},
		{"too large", joseSign(t, jose.ES256, ourKey(esKid), typAT(), []byte(`{"x":"`+string(make([]byte, maxJWTSize))+`"}`)), "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := k.Verify(tt.raw, TypeAccessToken)
			if !errors.Is(err, ErrInvalidJWT) || c != nil || !strings.Contains(err.Error(), tt.why) {
				t.Fatalf("Verify = %v, %v; want ErrInvalidJWT for %q", c, err, tt.why)
			}
		})
	}
	if _, err := k.Verify(good, ""); err != nil {
		t.Fatalf("the untampered token does not verify: %v", err)
	}
}

func splitJWS(raw string) []string {
	var parts []string
	for range 2 {
		i := strings.IndexByte(raw, '.')
		parts = append(parts, raw[:i])
		raw = raw[i+1:]
	}
	return append(parts, raw)
}

// flipFirst changes the first base64url character, altering the decoded
// bytes (the last character may only carry padding bits).
func flipFirst(s string) string {
	if s[0] == 'A' {
		return "B" + s[1:]
	}
	return "A" + s[1:]
}

func TestKeysetRotate(t *testing.T) {
	ctx := context.Background()
	k, store, clock := loadedKeyset(t, tokenmint.AlgES256, tokenmint.AlgEdDSA)
	oldKid := currentKid(t, k, tokenmint.AlgES256)
	oldTok, _ := k.Sign(tokenmint.AlgES256, &Claims{Subject: "old"}, SignOptions{})

	clock.Advance(time.Minute)
	rec, err := k.Rotate(ctx, tokenmint.AlgES256, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if rec.ID == oldKid || rec.Alg != tokenmint.AlgES256 || !rec.Current() || !rec.CreatedAt.Equal(clock.Now()) {
		t.Fatalf("Rotate returned %+v", rec)
	}
	newTok, _ := k.Sign(tokenmint.AlgES256, &Claims{Subject: "new"}, SignOptions{})
	if kid := header(t, newTok)["kid"]; kid != rec.ID {
		t.Errorf("after rotation signs with %v, want %s", kid, rec.ID)
	}
	other := newTestKeyset(t, store, clock) // an instance that only reloads
	if err := other.Load(ctx); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name      string
		advance   time.Duration
		oldValid  bool
		published []string
	}{
		{"just rotated", 0, true, []string{oldKid, rec.ID}},
		{"before retirement", 59 * time.Minute, true, []string{oldKid, rec.ID}},
		{"at retirement", time.Minute, false, []string{rec.ID}},
		{"long after", 24 * time.Hour, false, []string{rec.ID}},
	}
	for _, step := range steps {
		clock.Advance(step.advance)
		for name, ks := range map[string]*Keyset{"rotating": k, "reloaded": other} {
			t.Run(step.name+"/"+name, func(t *testing.T) {
				if _, err := ks.Verify(oldTok, ""); (err == nil) != step.oldValid {
					t.Errorf("old token: err = %v, want valid=%v", err, step.oldValid)
				}
				if _, err := ks.Verify(newTok, ""); err != nil {
					t.Errorf("new token: %v", err)
				}
				checkPublished(t, ks, step.published, tokenmint.AlgEdDSA)
			})
		}
	}
}

// checkPublished asserts the ES256 keys of Keys() and JWKS() are exactly
// kids (plus one key of each alg in also).
func checkPublished(t *testing.T, k *Keyset, kids []string, also ...string) {
	t.Helper()
	var got []string
	for _, rec := range k.Keys() {
		if rec.Alg == tokenmint.AlgES256 {
			got = append(got, rec.ID)
		}
	}
	if !slices.Equal(got, kids) {
		t.Errorf("Keys() ES256 = %v, want %v", got, kids)
	}
	set := parseJWKS(t, k.JWKS())
	if len(set.Keys) != len(kids)+len(also) {
		t.Errorf("JWKS has %d keys, want %d", len(set.Keys), len(kids)+len(also))
	}
	for _, kid := range kids {
		if len(set.Key(kid)) != 1 {
			t.Errorf("JWKS lacks %s", kid)
		}
	}
}

func parseJWKS(t testing.TB, b []byte) jose.JSONWebKeySet {
	t.Helper()
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(b, &set); err != nil {
		t.Fatalf("JWKS %s: %v", b, err)
	}
	return set
}

func TestKeysetRotateErrors(t *testing.T) {
	k, store, _ := loadedKeyset(t, tokenmint.AlgEdDSA)
	tests := []struct {
		name     string
		alg      string
		retire   time.Duration
		storeErr error
		wantIs   error
	}{
		{name: "unsupported alg", alg: "HS256", retire: time.Hour},
		{name: "negative delay", alg: tokenmint.AlgEdDSA, retire: -time.Second},
		{name: "store unavailable", alg: tokenmint.AlgEdDSA, retire: time.Hour, storeErr: tokenmint.ErrUnavailable, wantIs: tokenmint.ErrUnavailable},
	}
	kid := currentKid(t, k, tokenmint.AlgEdDSA)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store.mu.Lock()
			store.err = tt.storeErr
			store.mu.Unlock()
			_, err := k.Rotate(context.Background(), tt.alg, tt.retire)
			if err == nil || (tt.wantIs != nil && !errors.Is(err, tt.wantIs)) {
				t.Fatalf("Rotate error = %v, want %v", err, tt.wantIs)
			}
			if got := currentKid(t, k, tokenmint.AlgEdDSA); got != kid {
				t.Error("failed rotation changed the signing key")
			}
		})
	}
}

func TestKeysetJWKS(t *testing.T) {
	empty := newTestKeyset(t, &memKeyStore{}, newClock())
	if got := string(empty.JWKS()); got != `{"keys":[]}` {
		t.Errorf("empty JWKS = %s", got)
	}
	k, _, _ := loadedKeyset(t, tokenmint.KnownAlgs...)
	if _, err := k.Rotate(context.Background(), tokenmint.AlgEdDSA, time.Hour); err != nil {
		t.Fatal(err)
	}
	raw := k.JWKS()
	set := parseJWKS(t, raw)
	keys := k.Keys()
	if len(set.Keys) != len(keys) || len(keys) != 4 {
		t.Fatalf("JWKS has %d keys, Keys() %d, want 4", len(set.Keys), len(keys))
	}
	for _, rec := range keys {
		jwks := set.Key(rec.ID)
		if len(jwks) != 1 {
			t.Fatalf("kid %s appears %d times", rec.ID, len(jwks))
		}
		jwk := jwks[0]
		if !jwk.IsPublic() || !jwk.Valid() || jwk.Use != "sig" || jwk.Algorithm != rec.Alg {
			t.Errorf("bad JWK for %s: public=%v use=%q alg=%q", rec.ID, jwk.IsPublic(), jwk.Use, jwk.Algorithm)
		}
		var stored jose.JSONWebKey
		if err := stored.UnmarshalJSON(rec.PublicJWK); err != nil || !stored.IsPublic() || stored.KeyID != rec.ID {
			t.Errorf("stored PublicJWK of %s: %v", rec.ID, err)
		}
	}
	var members struct{ Keys []map[string]any }
	json.Unmarshal(raw, &members)
	for _, m := range members.Keys {
		for _, private := range []string{"d", "p", "q", "dp", "dq", "qi"} {
			if _, ok := m[private]; ok {
				t.Errorf("JWKS key %v has private member %q", m["kid"], private)
			}
		}
	}
	if again := k.JWKS(); &again[0] != &raw[0] {
		t.Error("JWKS is rebuilt on every call")
	}
	if err := k.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	if again := k.JWKS(); &again[0] != &raw[0] {
		t.Error("JWKS rebuilt by a Load that changed nothing")
	}
}

func TestSigningKeyAtRest(t *testing.T) {
	k, _, _ := loadedKeyset(t, tokenmint.KnownAlgs...)
	for _, rec := range k.Keys() {
		priv, err := jose.JSONWebKey{Key: privateKey(t, k, rec.ID)}.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var members map[string]string
		json.Unmarshal(priv, &members)
		d := members["d"]
		if d == "" {
			t.Fatalf("%s: no private exponent in %s", rec.Alg, priv)
		}
		if strings.Contains(string(rec.PrivateEnc), d) || strings.Contains(string(rec.PublicJWK), d) {
			t.Errorf("%s: private key stored in clear", rec.Alg)
		}
		if raw, _ := base64.RawURLEncoding.DecodeString(d); strings.Contains(string(rec.PrivateEnc), string(raw)) {
			t.Errorf("%s: raw private key bytes stored in clear", rec.Alg)
		}
	}
}

func TestKeysetConcurrent(t *testing.T) {
	ctx := context.Background()
	k, _, _ := loadedKeyset(t, tokenmint.AlgES256, tokenmint.AlgEdDSA)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			alg := tokenmint.KnownAlgs[g%2*2] // ES256, EdDSA
			for i := range 50 {
				raw, err := k.Sign(alg, &Claims{Subject: fmt.Sprint(g, i)}, SignOptions{})
				if err != nil {
					t.Errorf("Sign: %v", err)
					return
				}
				if c, err := k.Verify(raw, ""); err != nil || c.Subject != fmt.Sprint(g, i) {
					t.Errorf("Verify: %v", err)
					return
				}
				_ = k.JWKS()
			}
		})
	}
	wg.Go(func() {
		for range 3 {
			if _, err := k.Rotate(ctx, tokenmint.AlgES256, time.Hour); err != nil {
				t.Errorf("Rotate: %v", err)
			}
			if err := k.Load(ctx); err != nil {
				t.Errorf("Load: %v", err)
			}
		}
	})
	wg.Wait()
	if n := len(k.Keys()); n != 5 {
		t.Errorf("after 3 rotations %d keys are published, want 5", n)
	}
}

func FuzzVerify(f *testing.F) {
	k, _, _ := loadedKeyset(f, tokenmint.KnownAlgs...)
	c := fullClaims()
	want, _ := c.MarshalJSON()
	for _, alg := range tokenmint.KnownAlgs {
		for _, typ := range []string{TypeAccessToken, TypeJWT} {
			raw, err := k.Sign(alg, &c, SignOptions{Type: typ})
			if err != nil {
				f.Fatal(err)
			}
			f.Add(raw, typ)
			parts := splitJWS(raw)
			f.Add(parts[0]+"."+parts[1]+"."+flipFirst(parts[2]), typ)
		}
	}
	kid := currentKid(f, k, tokenmint.AlgRS256)
	f.Add(compact(f, map[string]any{"alg": "none", "kid": kid}, want, func([]byte) []byte { return nil }), "")
	f.Add(compact(f, map[string]any{"alg": "HS256", "kid": kid, "typ": "at+jwt"}, want, func(in []byte) []byte { return in[:32] }), "")
	f.Add("e30.e30.e30", "")
	f.Add("..", "JWT")
	f.Fuzz(func(t *testing.T, raw, typ string) {
		got, err := k.Verify(raw, typ)
		if err != nil {
			if !errors.Is(err, ErrInvalidJWT) {
				t.Fatalf("error %v does not wrap ErrInvalidJWT", err)
			}
			return
		}
		// Only what this keyset signed can verify, and only the claims it
		// signed come out.
		if b, _ := got.MarshalJSON(); string(b) != string(want) {
			t.Fatalf("verified forged claims %s from %q", b, raw)
		}
	})
}

func BenchmarkSign(b *testing.B) {
	k, _, _ := loadedKeyset(b, tokenmint.KnownAlgs...)
	c := fullClaims()
	c.Extra = map[string]any{"tenant": "acme"}
	for _, alg := range tokenmint.KnownAlgs {
		b.Run(alg, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := k.Sign(alg, &c, SignOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkVerify(b *testing.B) {
	k, _, _ := loadedKeyset(b, tokenmint.KnownAlgs...)
	c := fullClaims()
	for _, alg := range tokenmint.KnownAlgs {
		raw, err := k.Sign(alg, &c, SignOptions{})
		if err != nil {
			b.Fatal(err)
		}
		// cold: the signature is checked every time (a token seen for
		// the first time); cached: the same token again.
		for _, cached := range []bool{false, true} {
			name := alg + "/cold"
			if cached {
				name = alg + "/cached"
			}
			b.Run(name, func(b *testing.B) {
				s := k.snap.Load()
				b.ReportAllocs()
				for b.Loop() {
					if !cached {
						s.verified.m.Store(new(sync.Map))
					}
					if _, err := k.Verify(raw, ""); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
