package console

import (
	"net/http"
	"slices"

	"github.com/tokenmint/tokenmint"
)

// keyRow is a signing key as the keys page shows it.
type keyRow struct {
	tokenmint.SigningKey
	State string // current, or retiring (replaced, still verifying until RetireAt)
}

type keysPage struct {
	Keys       []keyRow
	Algs       []string
	DefaultAlg string
	RetireMin  string // key_retire_after, for the form's explanation
}

// listKeys lists the published keys: the current one of each algorithm,
// and the retiring ones until their retire time. tokenmint publishes no
// key before it signs (there is no "next" key): a rotation's new key
// signs at once, and the one it replaces keeps verifying.
func (c *Console) listKeys(w http.ResponseWriter, r *http.Request, v *viewer) {
	c.renderKeys(w, r, v, http.StatusOK, "")
}

func (c *Console) renderKeys(w http.ResponseWriter, r *http.Request, v *viewer, status int, errMsg string) {
	recs, err := c.store.ListSigningKeys(r.Context())
	if err != nil {
		c.failed(w, r, c.ops, err)
		return
	}
	now := c.now()
	page := keysPage{Algs: append(slices.Clone(tokenmint.KnownAlgs), "all"), DefaultAlg: c.cfg.SigningAlg,
		RetireMin: c.cfg.KeyRetireAfter.String()}
	for _, k := range recs {
		switch {
		case k.Current():
			page.Keys = append(page.Keys, keyRow{SigningKey: k, State: "current"})
		case now.Before(k.RetireAt):
			page.Keys = append(page.Keys, keyRow{SigningKey: k, State: "retiring"})
		}
	}
	c.render(w, r, status, "keys", &view{site: c.ops, viewer: v, Title: "Signing keys", Notice: notice(r), Error: errMsg, Data: page})
}

// rotateKeys makes a new current key for the algorithm chosen (or all);
// each replaced key stays published for the retire period of the admin
// API (registry.Registry.KeyRetireAfter).
func (c *Console) rotateKeys(w http.ResponseWriter, r *http.Request, v *viewer) {
	alg := r.PostForm.Get("alg")
	algs := []string{alg}
	switch {
	case alg == "all":
		algs = tokenmint.KnownAlgs
	case !slices.Contains(tokenmint.KnownAlgs, alg) || len(r.PostForm["alg"]) != 1:
		c.renderKeys(w, r, v, http.StatusBadRequest, "Choose an algorithm to rotate: ES256, RS256, EdDSA or all. Nothing was changed.")
		return
	}
	retire, err := c.cfg.Registry.KeyRetireAfter(r.Context(), c.cfg.KeyRetireAfter)
	if err != nil {
		c.failed(w, r, c.ops, err)
		return
	}
	for _, a := range algs {
		if _, err := c.cfg.Registry.RotateKey(r.Context(), c.cfg.Keys, a, retire); err != nil {
			c.failed(w, r, c.ops, err)
			return
		}
	}
	http.Redirect(w, r, c.ops.base+"/keys?notice=keys-rotated", http.StatusSeeOther)
}
