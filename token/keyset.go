package token

import (
	"cmp"
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/internal/fastpath"
)

// Keyset holds the JWS keys of the server: for each algorithm one current
// key that signs, plus rotated keys that still verify and stay in the
// JWKS until they retire.
//
// It is safe for concurrent use. Sign, Verify and JWKS read an immutable
// snapshot through an atomic pointer and take no lock; Load and Rotate
// build a new snapshot under a mutex and swap it in.
type Keyset struct {
	store   tokenmint.KeyStore
	encKey  []byte
	prevEnc [][]byte // open keys sealed under a previous master key
	now     func() time.Time
	log     *slog.Logger
	rsaBits int

	mu   sync.Mutex // serialises Load, Rotate and pruning
	snap atomic.Pointer[snapshot]
}

// KeysetOptions tunes a Keyset; the zero value is usable.
type KeysetOptions struct {
	Now     func() time.Time // default time.Now
	Logger  *slog.Logger     // default: discard
	RSABits int              // modulus of generated RS256 keys; default and minimum 2048
	// PreviousEncKeys also open stored keys, during a master key
	// rotation: the previous master key's Derive(PurposeKeyEncryption).
	PreviousEncKeys [][]byte
}

// NewKeyset returns an empty Keyset over store. encKey, 32 bytes, seals
// the private keys at rest: MasterKey.Derive(PurposeKeyEncryption). Call
// Load before signing.
func NewKeyset(store tokenmint.KeyStore, encKey []byte, opts KeysetOptions) *Keyset {
	k := &Keyset{
		store:   store,
		encKey:  append([]byte(nil), encKey...),
		prevEnc: opts.PreviousEncKeys,
		now:     opts.Now,
		log:     cmp.Or(opts.Logger, slog.New(slog.DiscardHandler)),
		rsaBits: max(opts.RSABits, minRSABits),
	}
	if k.now == nil {
		k.now = time.Now
	}
	k.snap.Store(emptySnapshot())
	return k
}

// Load reads every key from the store, decrypts the ones not already
// loaded, and generates and persists a key for each alg in algs that has
// no current one (the first start). Instances starting together on one
// database race to create those keys; the store keeps one current key
// per alg, and a loser takes the winner's. It is idempotent: call it
// again to pick up keys created or rotated by another instance, e.g.
// when Store.Revision changes. A stored key that does not decrypt (a
// different master key) fails Load and leaves the keyset as it was.
func (k *Keyset) Load(ctx context.Context, algs ...string) error {
	for _, alg := range algs {
		if !knownAlg(alg) {
			return fmt.Errorf("load keys: unsupported signing algorithm %q", alg)
		}
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	recs, err := k.store.ListSigningKeys(ctx)
	if err != nil {
		return fmt.Errorf("load keys: %w", err)
	}
	created, err := k.createMissing(ctx, recs, algs)
	if err != nil {
		return fmt.Errorf("load keys: %w", err)
	}
	if created {
		// Re-read rather than append: another instance may have created
		// the key of an alg first, and all must agree on the current one
		// (the newest, see build, for a store that kept both).
		if recs, err = k.store.ListSigningKeys(ctx); err != nil {
			return fmt.Errorf("load keys: %w", err)
		}
		for _, alg := range algs {
			if !hasCurrent(recs, alg) {
				return fmt.Errorf("load keys: no current %s key after creating one", alg)
			}
		}
	}
	return k.install(recs)
}

// createMissing generates and stores a key for each alg with no current
// key among recs. It reports whether the store changed, by this instance
// or another: ErrConflict means that another instance stored the alg's
// first key between the read of recs and this write.
func (k *Keyset) createMissing(ctx context.Context, recs []tokenmint.SigningKey, algs []string) (bool, error) {
	created := false
	for _, alg := range algs {
		if hasCurrent(recs, alg) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return created, err
		}
		rec, err := newSigningKey(alg, k.rsaBits, k.encKey, k.now())
		if err != nil {
			return created, err
		}
		switch err := k.store.CreateSigningKey(ctx, rec); {
		case errors.Is(err, tokenmint.ErrConflict):
			k.log.InfoContext(ctx, "signing key created by another instance", "alg", alg)
		case err != nil:
			return created, fmt.Errorf("store %s key: %w", alg, err)
		default:
			k.log.InfoContext(ctx, "signing key generated", "kid", rec.ID, "alg", alg)
		}
		created = true
	}
	return created, nil
}

// hasCurrent reports whether recs hold a current key of alg.
func hasCurrent(recs []tokenmint.SigningKey, alg string) bool {
	return slices.ContainsFunc(recs, func(r tokenmint.SigningKey) bool { return r.Alg == alg && r.Current() })
}

// Rotate makes a new key the current one for alg (RFC 7517 §5 key
// rollover): the previous key stops signing now but keeps verifying and
// stays in the JWKS until now+retireAfter, which should exceed the
// longest lifetime of a token it signed plus the time relying parties
// cache the JWKS. The keyset is reloaded before Rotate returns.
func (k *Keyset) Rotate(ctx context.Context, alg string, retireAfter time.Duration) (tokenmint.SigningKey, error) {
	if !knownAlg(alg) {
		return tokenmint.SigningKey{}, fmt.Errorf("rotate keys: unsupported signing algorithm %q", alg)
	}
	if retireAfter < 0 {
		return tokenmint.SigningKey{}, fmt.Errorf("rotate keys: negative retirement delay %s", retireAfter)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.now()
	rec, err := newSigningKey(alg, k.rsaBits, k.encKey, now)
	if err != nil {
		return tokenmint.SigningKey{}, fmt.Errorf("rotate keys: %w", err)
	}
	if err := k.store.RotateSigningKeys(ctx, rec, now.Add(retireAfter)); err != nil {
		return tokenmint.SigningKey{}, fmt.Errorf("rotate keys: %w", err)
	}
	k.log.InfoContext(ctx, "signing key rotated", "kid", rec.ID, "alg", alg, "previous_retire_at", now.Add(retireAfter))
	recs, err := k.store.ListSigningKeys(ctx)
	if err != nil {
		return tokenmint.SigningKey{}, fmt.Errorf("rotate keys: reload: %w", err)
	}
	if err := k.install(recs); err != nil {
		return tokenmint.SigningKey{}, fmt.Errorf("rotate keys: %w", err)
	}
	return rec, nil
}

// install builds a snapshot from recs and publishes it; k.mu is held.
func (k *Keyset) install(recs []tokenmint.SigningKey) error {
	s, err := k.build(recs, k.snap.Load(), k.now())
	if err != nil {
		return err
	}
	k.snap.Store(s)
	return nil
}

// current returns the snapshot, first dropping keys whose retirement has
// passed since it was built. Pruning never waits: if Load or Rotate holds
// the lock, the stale snapshot is returned (Verify still checks each
// key's RetireAt) and the running reload prunes anyway.
func (k *Keyset) current(now time.Time) *snapshot {
	s := k.snap.Load()
	if s.validUntil.IsZero() || now.Before(s.validUntil) || !k.mu.TryLock() {
		return s
	}
	defer k.mu.Unlock()
	if s = k.snap.Load(); s.validUntil.IsZero() || now.Before(s.validUntil) {
		return s
	}
	fresh, err := k.build(s.records(), s, now)
	if err != nil { // cannot happen: every entry is reused, nothing is decrypted
		k.log.Error("prune retired signing keys", "err", err)
		return s
	}
	k.snap.Store(fresh)
	return fresh
}

// Keys returns the records of the published keys, oldest first: current
// keys and rotated keys not yet retired. The caller must not modify them.
func (k *Keyset) Keys() []tokenmint.SigningKey { return k.current(k.now()).records() }

// Algs returns the algorithms that have a current key, in the order of
// tokenmint.KnownAlgs, for the discovery document.
func (k *Keyset) Algs() []string {
	s := k.snap.Load()
	var algs []string
	for _, alg := range tokenmint.KnownAlgs {
		if s.signing[alg] != nil {
			algs = append(algs, alg)
		}
	}
	return algs
}

// JWKS returns the JSON Web Key Set (RFC 7517 §5) of the published public
// keys, each with "kid", "alg" and "use":"sig". The bytes are built once
// per change and shared: the caller must not modify them.
func (k *Keyset) JWKS() []byte { return k.current(k.now()).jwks }

// snapshot is an immutable view of the keyset.
type snapshot struct {
	keys    []*keyEntry               // published keys, oldest first
	byKid   map[string]*keyEntry      // published keys by "kid"
	signing map[string]*keyEntry      // current key by alg
	algs    []jose.SignatureAlgorithm // algs of published keys, accepted by Verify
	jwks    []byte
	// validUntil is the earliest RetireAt of a published key; zero when
	// no published key is due to retire.
	validUntil time.Time
	// verified caches tokens this snapshot's keys have verified.
	verified *verifiedCache
}

// keyEntry is one loaded key.
type keyEntry struct {
	rec    tokenmint.SigningKey
	alg    jose.SignatureAlgorithm
	priv   crypto.Signer
	public crypto.PublicKey
	// Signers with a fixed header, built for the current key of an alg
	// only: "typ":"at+jwt" (RFC 9068 §2.1) and "typ":"JWT" (ID tokens).
	atSigner, jwtSigner *fastpath.JWSSigner
}

func emptySnapshot() *snapshot {
	return &snapshot{
		byKid:    map[string]*keyEntry{},
		signing:  map[string]*keyEntry{},
		jwks:     []byte(`{"keys":[]}`),
		verified: newVerifiedCache(),
	}
}

func (s *snapshot) records() []tokenmint.SigningKey {
	recs := make([]tokenmint.SigningKey, len(s.keys))
	for i, e := range s.keys {
		recs[i] = e.rec
	}
	return recs
}

// build makes a snapshot of the records published at now, reusing the
// decrypted keys of prev and decrypting only new ones.
func (k *Keyset) build(recs []tokenmint.SigningKey, prev *snapshot, now time.Time) (*snapshot, error) {
	s := emptySnapshot()
	for _, rec := range recs {
		if !published(rec, now) {
			continue
		}
		if !knownAlg(rec.Alg) {
			k.log.Warn("ignoring signing key of unsupported alg", "kid", rec.ID, "alg", rec.Alg)
			continue
		}
		e, err := k.entry(rec, prev)
		if err != nil {
			return nil, fmt.Errorf("signing key %s: %w", rec.ID, err)
		}
		s.add(e)
	}
	if err := s.finish(prev); err != nil {
		return nil, err
	}
	return s, nil
}

// published reports whether a key verifies and is in the JWKS at now: it
// is current, or rotated and not yet retired.
func published(rec tokenmint.SigningKey, now time.Time) bool {
	return rec.Current() || now.Before(rec.RetireAt)
}

// entry returns the loaded key for rec, from prev when already there.
func (k *Keyset) entry(rec tokenmint.SigningKey, prev *snapshot) (*keyEntry, error) {
	if old := prev.byKid[rec.ID]; old != nil && old.rec.Alg == rec.Alg {
		return &keyEntry{rec: rec, alg: old.alg, priv: old.priv, public: old.public,
			atSigner: old.atSigner, jwtSigner: old.jwtSigner}, nil
	}
	priv, err := openSigningKey(k.encKey, rec)
	for _, prev := range k.prevEnc {
		if err == nil {
			break
		}
		priv, err = openSigningKey(prev, rec)
	}
	if err != nil {
		return nil, err
	}
	return &keyEntry{rec: rec, alg: jose.SignatureAlgorithm(rec.Alg), priv: priv, public: priv.Public()}, nil
}

// add publishes e and makes it the signing key of its alg when it is the
// newest current key (ties broken by kid), so that instances which raced
// to create a first key all settle on the same one.
func (s *snapshot) add(e *keyEntry) {
	s.keys = append(s.keys, e)
	s.byKid[e.rec.ID] = e
	if !slices.Contains(s.algs, e.alg) {
		s.algs = append(s.algs, e.alg)
	}
	if e.rec.Current() {
		if cur := s.signing[e.rec.Alg]; cur == nil || newer(e.rec, cur.rec) {
			s.signing[e.rec.Alg] = e
		}
	}
	if !e.rec.Current() && (s.validUntil.IsZero() || e.rec.RetireAt.Before(s.validUntil)) {
		s.validUntil = e.rec.RetireAt
	}
}

func newer(a, b tokenmint.SigningKey) bool {
	if !a.CreatedAt.Equal(b.CreatedAt) {
		return a.CreatedAt.After(b.CreatedAt)
	}
	return a.ID > b.ID
}

// finish builds the signers of the signing keys and the JWKS bytes.
func (s *snapshot) finish(prev *snapshot) error {
	for _, e := range s.signing {
		if err := e.buildSigners(); err != nil {
			return fmt.Errorf("signing key %s: %w", e.rec.ID, err)
		}
	}
	for _, e := range s.keys {
		if s.signing[e.rec.Alg] != e {
			e.atSigner, e.jwtSigner = nil, nil // rotated or superseded: verify only
		}
	}
	if sameKids(s, prev) {
		// The same keys verify: the JWKS and what they verified hold.
		s.jwks, s.verified = prev.jwks, prev.verified
		return nil
	}
	jwks, err := marshalJWKS(s.keys)
	if err != nil {
		return err
	}
	s.jwks = jwks
	return nil
}

func sameKids(a, b *snapshot) bool {
	return slices.EqualFunc(a.keys, b.keys, func(x, y *keyEntry) bool { return x.rec.ID == y.rec.ID })
}

func marshalJWKS(keys []*keyEntry) ([]byte, error) {
	set := jose.JSONWebKeySet{Keys: make([]jose.JSONWebKey, len(keys))}
	for i, e := range keys {
		set.Keys[i] = publicJWK(e.rec.ID, e.rec.Alg, e.public)
	}
	b, err := json.Marshal(set)
	if err != nil {
		return nil, fmt.Errorf("marshal JWKS: %w", err)
	}
	return b, nil
}
