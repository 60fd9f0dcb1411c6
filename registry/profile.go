package registry

import (
	"cmp"
	"crypto/rand"
	"fmt"
	"math/big"
	"slices"
)

// Fields of a ClientSpec a profile may fill in, named as the client
// metadata of RFC 7591 and tokenmint's admin API name them. A caller that
// applies a profile says which of them it set explicitly (a CLI flag, a
// member of a JSON or YAML document): those keep their value.
const (
	FieldGrantTypes      = "grant_types"
	FieldScope           = "scope"
	FieldPublic          = "public"
	FieldAPIKey          = "api_key"
	FieldTokenFormat     = "token_format"
	FieldSigningAlg      = "signing_alg"
	FieldAccessTTL       = "access_token_ttl"
	FieldIdleTTL         = "idle_ttl"
	FieldIntersectScopes = "intersect_scopes"
)

// Profile is one platform's documented client defaults: what an operator
// gets from `tokenmint client create --profile NAME`. Each dialect
// declares its own (package dialect); the claims a profile adds are
// merged key by key under the spec's own.
type Profile struct {
	Name    string
	Summary string // one line, for --help
	// NoPKCEFlow says the platform documents a browser flow without PKCE,
	// so that its clients may opt out of PKCE there (AllowNoPKCE).
	NoPKCEFlow bool
	// Defaults returns the fields the profile sets, given the spec as the
	// caller wrote it (its ID already generated).
	Defaults func(spec *ClientSpec) ClientSpec
	// NewID generates a client ID in the platform's format (nil: the
	// registry's default).
	NewID func() (string, error)
}

// Profiles looks a profile up by name.
type Profiles func(name string) (Profile, bool)

// ApplyProfile fills in the defaults of spec.Profile for every field that
// is still its zero value and that explicit (which may be nil) does not
// report as set: a CLI flag given as --public=false or a JSON member
// "public": false keeps its zero value. It generates the client ID first
// when it is empty, so that defaults may name it. A spec without a
// profile is left alone,
// but for the checks of the PKCE opt-out. CreateClient applies the
// profile of a spec on which ApplyProfile was not called. Errors wrap
// ErrInvalid.
func (spec *ClientSpec) ApplyProfile(profiles Profiles, explicit func(field string) bool) error {
	spec.profileApplied = true
	if spec.Profile == "" {
		if spec.AllowNoPKCE {
			return invalidf("--allow-no-pkce needs a --profile whose platform documents a browser flow without PKCE (eptura)")
		}
		return nil
	}
	var p Profile
	ok := false
	if profiles != nil {
		p, ok = profiles(spec.Profile)
	}
	if !ok {
		return invalidf("unknown profile %q", spec.Profile)
	}
	if spec.AllowNoPKCE && !p.NoPKCEFlow {
		return invalidf("--allow-no-pkce: the %s platform documents no browser flow without PKCE", p.Name)
	}
	kept := spec.nonZero
	if explicit != nil {
		kept = func(field string) bool { return explicit(field) || spec.nonZero(field) }
	}
	if spec.ID == "" && p.NewID != nil {
		id, err := p.NewID()
		if err != nil {
			return fmt.Errorf("profile %s: generate client id: %w", p.Name, err)
		}
		spec.ID = id
	}
	if spec.ID == "" {
		spec.ID = newClientID()
	}
	if p.Defaults != nil {
		spec.overlay(p.Defaults(spec), kept)
	}
	return nil
}

// Explicit reports the named fields as explicitly set, for ApplyProfile.
func Explicit(fields ...string) func(string) bool {
	return func(f string) bool { return slices.Contains(fields, f) }
}

// overlay copies the fields of d that kept does not name onto spec, and
// d's claims under spec's own.
func (spec *ClientSpec) overlay(d ClientSpec, kept func(string) bool) {
	set := func(field string, apply func()) {
		if !kept(field) {
			apply()
		}
	}
	set(FieldGrantTypes, func() { spec.GrantTypes = orList(d.GrantTypes, spec.GrantTypes) })
	set(FieldScope, func() { spec.Scopes = orList(d.Scopes, spec.Scopes) })
	set(FieldPublic, func() { spec.Public = d.Public || spec.Public })
	set(FieldAPIKey, func() { spec.APIKey = d.APIKey || spec.APIKey })
	set(FieldTokenFormat, func() { spec.TokenFormat = cmp.Or(d.TokenFormat, spec.TokenFormat) })
	set(FieldSigningAlg, func() { spec.SigningAlg = cmp.Or(d.SigningAlg, spec.SigningAlg) })
	set(FieldAccessTTL, func() { spec.AccessTTL = cmp.Or(d.AccessTTL, spec.AccessTTL) })
	set(FieldIdleTTL, func() { spec.IdleTTL = cmp.Or(d.IdleTTL, spec.IdleTTL) })
	set(FieldIntersectScopes, func() { spec.IntersectScopes = d.IntersectScopes || spec.IntersectScopes })
	for k, v := range d.Claims {
		if _, own := spec.Claims[k]; !own {
			if spec.Claims == nil {
				spec.Claims = map[string]string{}
			}
			spec.Claims[k] = v
		}
	}
}

// nonZero reports whether the field of spec has a value other than its
// zero value.
func (spec *ClientSpec) nonZero(field string) bool {
	switch field {
	case FieldGrantTypes:
		return spec.GrantTypes != nil
	case FieldScope:
		return spec.Scopes != nil
	case FieldPublic:
		return spec.Public
	case FieldAPIKey:
		return spec.APIKey
	case FieldTokenFormat:
		return spec.TokenFormat != ""
	case FieldSigningAlg:
		return spec.SigningAlg != ""
	case FieldAccessTTL:
		return spec.AccessTTL != 0
	case FieldIdleTTL:
		return spec.IdleTTL != 0
	case FieldIntersectScopes:
		return spec.IntersectScopes
	}
	return false
}

// orList is def when it is set, else own.
func orList(def, own []string) []string {
	if def != nil {
		return slices.Clone(def)
	}
	return own
}

// NumericID returns a random nine-digit client ID, for platforms whose
// client IDs are numbers (Epicollect5's apps send client_id as a JSON
// number).
func NumericID() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(900_000_000))
	if err != nil {
		return "", err
	}
	return fmt.Sprint(100_000_000 + n.Int64()), nil
}
