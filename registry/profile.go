package registry

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/tokenmint/tokenmint"
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
// gets from `tokenmint client create --profile NAME`. The claims a
// profile adds are merged key by key under the spec's own.
type Profile struct {
	Name    string
	Summary string // one line, for --help
	// NoPKCEFlow says the platform documents a browser flow without PKCE,
	// so that its clients may opt out of PKCE there (AllowNoPKCE).
	NoPKCEFlow bool
	defaults   func(spec *ClientSpec) ClientSpec
	// newID generates a client ID in the platform's format (nil: the
	// registry's default).
	newID func() (string, error)
}

// Profiles are the client profiles of the four platforms whose token
// services tokenmint's dialects serve (../shared/reference), in the order
// help lists them. Each value cites the document it comes from.
var profiles = []Profile{
	{
		Name:    "epc",
		Summary: "ICE Mortgage Technology EPC partner: client_credentials, scope pc pcapi, opaque tokens living 15 min after last use and 2 h at most, the partner introspection claims",
		defaults: func(spec *ClientSpec) ClientSpec {
			// "The access token is active for 15 minutes, up to a maximum
			// of 120 minutes"; "scope ... must be pc pcapi"; the
			// introspection response's environment, encompass_instance_id,
			// identity_type ("always Partner") and encompass_client_id
			// (the Partner ID).
			// An idle lifetime needs opaque tokens: with JWTs chosen
			// explicitly, the 2 h maximum alone applies.
			env := cmpOr(spec.Claims["environment"], "Test")
			idle := 15 * time.Minute
			if spec.TokenFormat == tokenmint.FormatJWT {
				idle = 0
			}
			return ClientSpec{
				GrantTypes:  []string{tokenmint.GrantClientCredentials},
				Scopes:      []string{"pc", "pcapi"},
				TokenFormat: tokenmint.FormatOpaque,
				AccessTTL:   2 * time.Hour,
				IdleTTL:     idle,
				Claims: map[string]string{
					"environment":           env,
					"encompass_instance_id": env,
					"identity_type":         "Partner",
					"encompass_client_id":   spec.ID,
				},
			}
		},
	},
	{
		Name:    "epicollect",
		Summary: "Epicollect5 project app: a numeric client ID, client_credentials, RS256 JWTs valid 2 h",
		defaults: func(*ClientSpec) ClientSpec {
			// "Access tokens are valid for 2 hours"; the sample token is
			// an RS256 JWT; client_id is a number (153 in the sample).
			return ClientSpec{
				GrantTypes:  []string{tokenmint.GrantClientCredentials},
				TokenFormat: tokenmint.FormatJWT,
				SigningAlg:  tokenmint.AlgRS256,
				AccessTTL:   2 * time.Hour,
			}
		},
		newID: numericID,
	},
	{
		Name:       "eptura",
		Summary:    "Eptura Workplace app: public, authorization code and refresh token, any scope string narrowed to the allowed ones (default email)",
		NoPKCEFlow: true,
		defaults: func(*ClientSpec) ClientSpec {
			// "The client secret may not be required unless you are
			// building a web server application"; a code, then "a token
			// and a refresh token"; scope "you can set it to email or any
			// other string".
			return ClientSpec{
				Public:          true,
				GrantTypes:      []string{tokenmint.GrantAuthorizationCode, tokenmint.GrantRefreshToken},
				Scopes:          []string{"email"},
				IntersectScopes: true,
			}
		},
	},
	{
		Name:    "empowerid",
		Summary: "EmpowerID OAuth application: password and refresh_token grants, an API key, tokens valid 3600 s",
		defaults: func(*ClientSpec) ClientSpec {
			// "the credentials generated for that application—which
			// consists of the API Key, the Client ID and the Client
			// Secret"; grant_type password, a refresh_token in the
			// response; "The default expiration time ... is 3600 seconds".
			return ClientSpec{
				GrantTypes: []string{tokenmint.GrantPassword, tokenmint.GrantRefreshToken},
				APIKey:     true,
				AccessTTL:  3600 * time.Second,
			}
		},
	},
}

// Profiles lists the client profiles.
func Profiles() []Profile { return slices.Clone(profiles) }

// ProfileNames lists the names of the client profiles.
func ProfileNames() []string {
	names := make([]string, len(profiles))
	for i, p := range profiles {
		names[i] = p.Name
	}
	return names
}

// LookupProfile returns the profile with that name.
func LookupProfile(name string) (Profile, bool) {
	i := slices.IndexFunc(profiles, func(p Profile) bool { return p.Name == name })
	if i < 0 {
		return Profile{}, false
	}
	return profiles[i], true
}

// ApplyProfile fills in the defaults of spec.Profile for every field that
// is still its zero value and that explicit (which may be nil) does not
// report as set: a CLI flag given as --public=false or a JSON member
// "public": false keeps its zero value. It generates the client ID first
// when it is empty, so that defaults may name it. A spec without a
// profile is left alone,
// but for the checks of the PKCE opt-out. CreateClient applies the
// profile of a spec on which ApplyProfile was not called. Errors wrap
// ErrInvalid.
func (spec *ClientSpec) ApplyProfile(explicit func(field string) bool) error {
	spec.profileApplied = true
	if spec.Profile == "" {
		if spec.AllowNoPKCE {
			return invalidf("--allow-no-pkce needs a --profile whose platform documents a browser flow without PKCE (eptura)")
		}
		return nil
	}
	p, ok := LookupProfile(spec.Profile)
	if !ok {
		return invalidf("unknown profile %q (known: %s)", spec.Profile, strings.Join(ProfileNames(), ", "))
	}
	if spec.AllowNoPKCE && !p.NoPKCEFlow {
		return invalidf("--allow-no-pkce: the %s platform documents no browser flow without PKCE", p.Name)
	}
	kept := spec.nonZero
	if explicit != nil {
		kept = func(field string) bool { return explicit(field) || spec.nonZero(field) }
	}
	if spec.ID == "" && p.newID != nil {
		id, err := p.newID()
		if err != nil {
			return fmt.Errorf("profile %s: generate client id: %w", p.Name, err)
		}
		spec.ID = id
	}
	if spec.ID == "" {
		spec.ID = newClientID()
	}
	spec.overlay(p.defaults(spec), kept)
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
	set(FieldTokenFormat, func() { spec.TokenFormat = cmpOr(d.TokenFormat, spec.TokenFormat) })
	set(FieldSigningAlg, func() { spec.SigningAlg = cmpOr(d.SigningAlg, spec.SigningAlg) })
	set(FieldAccessTTL, func() { spec.AccessTTL = cmpOr(d.AccessTTL, spec.AccessTTL) })
	set(FieldIdleTTL, func() { spec.IdleTTL = cmpOr(d.IdleTTL, spec.IdleTTL) })
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

// cmpOr is def when it is not the zero value, else own.
func cmpOr[T comparable](def, own T) T {
	var zero T
	if def != zero {
		return def
	}
	return own
}

// numericID returns a random nine-digit client ID, as Epicollect5's
// numeric client IDs are (its apps send client_id as a JSON number).
func numericID() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(900_000_000))
	if err != nil {
		return "", err
	}
	return fmt.Sprint(100_000_000 + n.Int64()), nil
}
