package adminapi

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/oauth"
)

// Key states. A key is current while it signs, previous once a rotation
// replaced it (it still verifies, and is published, until its retire
// time). Next, a key published before it signs, is reserved: tokenmint
// makes none yet.
const (
	KeyNext     = "next"
	KeyCurrent  = "current"
	KeyPrevious = "previous"
)

// Key is a signing key as the admin API answers it; its private part
// never leaves the store.
type Key struct {
	KID       string     `json:"kid"`
	Alg       string     `json:"alg"`
	State     string     `json:"state"`
	CreatedAt time.Time  `json:"created_at"`
	RotatedAt *time.Time `json:"rotated_at,omitempty"` // when a newer key replaced it
	RetireAt  *time.Time `json:"retire_at,omitempty"`  // when it stops verifying and leaves the JWKS
}

// KeyList lists keys, oldest first.
type KeyList struct {
	Keys []Key `json:"keys"`
}

func newKey(k *tokenmint.SigningKey) Key {
	v := Key{KID: k.ID, Alg: k.Alg, State: KeyCurrent, CreatedAt: k.CreatedAt.UTC()}
	if !k.Current() {
		v.State = KeyPrevious
		rotated, retire := k.RotatedAt.UTC(), k.RetireAt.UTC()
		v.RotatedAt, v.RetireAt = &rotated, &retire
	}
	return v
}

// ListKeys answers GET /admin/v1/keys: every published key (current, and
// previous until its retire time), oldest first, as the store holds them
// for every instance.
func (a *API) ListKeys(w http.ResponseWriter, r *http.Request) {
	if err := onlyParams(r); err != nil {
		a.fail(w, r, err)
		return
	}
	recs, err := a.store.ListSigningKeys(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	now := a.now()
	list := KeyList{Keys: []Key{}}
	for i := range recs {
		if k := &recs[i]; k.Current() || now.Before(k.RetireAt) {
			list.Keys = append(list.Keys, newKey(k))
		}
	}
	ok(w, http.StatusOK, list)
}

// RotateKeys answers POST /admin/v1/keys/rotate: a new current key for
// the body's alg (ES256, RS256, EdDSA, or all; default the server's
// signing_alg), and the keys made. The key it replaces keeps verifying
// until the retire time: key_retire_after, raised to the longest access
// token lifetime of any client, so that no token outlives its key. Every
// instance signs with the new key within two seconds.
func (a *API) RotateKeys(w http.ResponseWriter, r *http.Request) {
	body, err := a.readBody(w, r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	alg := a.cfg.SigningAlg
	if _, err := decodeObject(body, map[string]any{"alg": &alg}); err != nil {
		a.fail(w, r, err)
		return
	}
	algs := []string{alg}
	switch {
	case alg == "all":
		algs = tokenmint.KnownAlgs
	case !slices.Contains(tokenmint.KnownAlgs, alg):
		a.fail(w, r, invalid(oauth.InvalidRequest, "alg", "alg must be "+strings.Join(tokenmint.KnownAlgs, ", ")+" or all"))
		return
	}
	retire, err := a.retireAfter(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	list := KeyList{Keys: []Key{}}
	for _, alg := range algs {
		k, err := a.cfg.Registry.RotateKey(r.Context(), a.cfg.Keys, alg, retire)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		a.changed(r, "key.rotated", k.ID)
		list.Keys = append(list.Keys, newKey(&k))
	}
	ok(w, http.StatusOK, list)
}

// retireAfter is how long a replaced key stays published
// (registry.Registry.KeyRetireAfter).
func (a *API) retireAfter(r *http.Request) (time.Duration, error) {
	return a.cfg.Registry.KeyRetireAfter(r.Context(), a.cfg.KeyRetireAfter)
}
