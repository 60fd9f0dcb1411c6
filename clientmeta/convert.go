package clientmeta

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/oauth"
	"github.com/tokenmint/tokenmint/registry"
)

// MaxTTL bounds every lifetime a request may set (ten years): larger
// values mean a mistake, and would overflow a time.Duration past 292
// years.
const MaxTTL = 10 * 365 * 24 * time.Hour

// CreateOptions tune Spec.
type CreateOptions struct {
	// Profiles looks up the client profile a request names (the
	// dialects' registry, dialects.Profile); nil knows none.
	Profiles registry.Profiles
	// DefaultGrantTypes are the grant types of a client whose request
	// and profile name none; nil: the registry's default,
	// client_credentials. RFC 7591 registration passes
	// [authorization_code], its §2 default.
	DefaultGrantTypes []string
}

// explicitFields maps the registry's profile fields to the members that
// set them: a member given keeps its value over the profile's default.
var explicitFields = map[string]string{
	registry.FieldGrantTypes:      tokenmint.FieldGrantTypes,
	registry.FieldScope:           tokenmint.FieldScope,
	registry.FieldPublic:          tokenmint.FieldAuthMethod,
	registry.FieldAPIKey:          "has_api_key",
	registry.FieldTokenFormat:     tokenmint.FieldTokenFormat,
	registry.FieldSigningAlg:      tokenmint.FieldSigningAlg,
	registry.FieldAccessTTL:       tokenmint.FieldAccessTokenTTL,
	registry.FieldIdleTTL:         tokenmint.FieldIdleTTL,
	registry.FieldIntersectScopes: "intersect_scopes",
}

// Spec is the registry.ClientSpec of a new client with the members of f:
// the profile f names fills in the members f left out (ApplyProfile, the
// members given reported as explicit), then DefaultGrantTypes. It
// validates the result as registry.CreateClient will; every error is an
// *Error.
func (f *Fields) Spec(opts CreateOptions) (registry.ClientSpec, error) {
	var spec registry.ClientSpec
	if err := f.checkClientID(); err != nil {
		return spec, err
	}
	spec.ID = deref(f.ClientID)
	if err := f.setCommon(&spec.Name, &spec.GrantTypes, &spec.RedirectURIs, &spec.Audience); err != nil {
		return spec, err
	}
	public, method, err := f.authMethod()
	if err != nil {
		return spec, err
	}
	spec.Public, spec.AuthMethod = public, method
	spec.JWKS, spec.JWKSURI, spec.AuthSigningAlg = deref(f.JWKS), deref(f.JWKSURI), deref(f.TokenEndpointAuthSigningAlg)
	if spec.Scopes, err = scopeList(tokenmint.FieldScope, f.Scope); err != nil {
		return spec, err
	}
	if spec.DefaultScopes, err = scopeList(tokenmint.FieldDefaultScope, f.DefaultScope); err != nil {
		return spec, err
	}
	if spec.AccessTTL, spec.IdleTTL, spec.RefreshTTL, err = f.lifetimes(0, 0, 0); err != nil {
		return spec, err
	}
	spec.TokenFormat, spec.SigningAlg = deref(f.TokenFormat), deref(f.SigningAlg)
	spec.Claims = maps.Clone(deref(f.Claims))
	spec.AllowPlainPKCE, spec.RequireConsent = deref(f.AllowPlainPKCE), deref(f.RequireConsent)
	spec.AllowNoPKCE, spec.IntersectScopes = deref(f.AllowNoPKCE), deref(f.IntersectScopes)
	spec.APIKey = deref(f.HasAPIKey)
	spec.Resources = slices.Clone(deref(f.Resources))
	spec.IntrospectionAlg = deref(f.IntrospectionSignedResponseAlg)
	f.setSpecSettings(&spec)
	if err := f.setSpecFederation(&spec); err != nil {
		return spec, err
	}
	spec.Owner = deref(f.Owner)
	spec.Profile = deref(f.Profile)
	if err := checkProfile(spec.Profile, spec.AllowNoPKCE, opts.Profiles); err != nil {
		return spec, err
	}
	explicit := func(field string) bool { return f.Has(explicitFields[field]) }
	if err := spec.ApplyProfile(opts.Profiles, explicit); err != nil {
		return spec, Validation(err)
	}
	if spec.GrantTypes == nil && opts.DefaultGrantTypes != nil {
		spec.GrantTypes = slices.Clone(opts.DefaultGrantTypes)
	}
	if err := checkResponseTypes(f.ResponseTypes, spec.GrantTypes); err != nil {
		return spec, err
	}
	if err := spec.Validate(); err != nil {
		return spec, Validation(err)
	}
	return spec, nil
}

// Apply changes the members of c that f gives, and only those (PATCH). It
// refuses what an update cannot do: change the client ID, turn a public
// client into a confidential one or back, add an API key (POST
// .../api-key makes one). It does not validate the result as a whole:
// registry.UpdateClient does, and Validation classifies its errors.
func (f *Fields) Apply(c *tokenmint.Client, profiles registry.Profiles) error {
	if f.ClientID != nil && *f.ClientID != c.ID {
		return fieldErrorf(tokenmint.FieldClientID, "client_id cannot change (the client is %s)", c.ID)
	}
	if err := f.setCommon(&c.Name, &c.GrantTypes, &c.RedirectURIs, &c.Audience); err != nil {
		return err
	}
	if f.TokenEndpointAuthMethod != nil {
		public, method, err := f.authMethod()
		if err != nil {
			return err
		}
		if public != c.Public {
			return fieldErrorf(tokenmint.FieldAuthMethod, "token_endpoint_auth_method cannot change between none and a secret method: a public client has no secret, a confidential one has; create another client")
		}
		if err := c.ChangeAuthMethod(method); err != nil {
			return Validation(err)
		}
	}
	if f.JWKS != nil {
		c.JWKS = *f.JWKS
	}
	setIf(&c.JWKSURI, f.JWKSURI)
	setIf(&c.AuthSigningAlg, f.TokenEndpointAuthSigningAlg)
	var err error
	if f.Scope != nil {
		if c.Scopes, err = scopeList(tokenmint.FieldScope, f.Scope); err != nil {
			return err
		}
	}
	if f.DefaultScope != nil {
		if c.DefaultScopes, err = scopeList(tokenmint.FieldDefaultScope, f.DefaultScope); err != nil {
			return err
		}
	}
	if c.AccessTTL, c.IdleTTL, c.RefreshTTL, err = f.lifetimes(c.AccessTTL, c.IdleTTL, c.RefreshTTL); err != nil {
		return err
	}
	setIf(&c.TokenFormat, f.TokenFormat)
	setIf(&c.SigningAlg, f.SigningAlg)
	if f.Claims != nil {
		c.Claims = maps.Clone(*f.Claims)
	}
	setIf(&c.AllowPlainPKCE, f.AllowPlainPKCE)
	setIf(&c.RequireConsent, f.RequireConsent)
	setIf(&c.AllowNoPKCE, f.AllowNoPKCE)
	setIf(&c.IntersectScopes, f.IntersectScopes)
	if f.Resources != nil {
		c.Resources = nil // [] and null: none
		if len(*f.Resources) > 0 {
			c.Resources = slices.Clone(*f.Resources)
		}
	}
	setIf(&c.IntrospectionAlg, f.IntrospectionSignedResponseAlg)
	setIf(&c.Owner, f.Owner)
	f.applySettings(c)
	if err := f.applyFederation(c); err != nil {
		return err
	}
	if f.Profile != nil {
		if err := checkProfile(*f.Profile, c.AllowNoPKCE, profiles); err != nil {
			return err
		}
		c.Profile = *f.Profile
	}
	if f.HasAPIKey != nil {
		switch {
		case !*f.HasAPIKey:
			c.APIKeyHash = nil
		case len(c.APIKeyHash) == 0:
			return fieldErrorf("has_api_key", "has_api_key cannot add an API key to a client: POST /admin/v1/clients/{client_id}/api-key makes one")
		}
	}
	return checkResponseTypes(f.ResponseTypes, c.GrantTypes)
}

// setCommon sets the members Spec and Apply treat alike.
func (f *Fields) setCommon(name *string, grants, redirects, audience *[]string) error {
	setIf(name, f.ClientName)
	setIf(grants, f.GrantTypes)
	setIf(redirects, f.RedirectURIs)
	setIf(audience, f.Audience)
	for _, list := range []struct {
		field string
		v     *[]string
	}{{tokenmint.FieldGrantTypes, f.GrantTypes}, {tokenmint.FieldRedirectURIs, f.RedirectURIs}, {"audience", f.Audience}} {
		if list.v != nil && hasDuplicate(*list.v) {
			return fieldErrorf(list.field, "%s lists a value twice", list.field)
		}
	}
	if f.Audience != nil && slices.Contains(*f.Audience, "") {
		return fieldErrorf("audience", "audience contains an empty string")
	}
	return nil
}

// authMethod maps token_endpoint_auth_method to a client kind: none is a
// public client; client_secret_basic, client_secret_post (and absence),
// private_key_jwt, client_secret_jwt, tls_client_auth and
// self_signed_tls_client_auth a confidential one.
func (f *Fields) authMethod() (public bool, method string, err error) {
	m := deref(f.TokenEndpointAuthMethod)
	switch m {
	case "", tokenmint.AuthMethodSecretBasic, tokenmint.AuthMethodSecretPost, tokenmint.AuthMethodPrivateKeyJWT, tokenmint.AuthMethodSecretJWT,
		tokenmint.AuthMethodTLSClientAuth, tokenmint.AuthMethodSelfSignedTLSClientAuth:
		return false, m, nil
	case tokenmint.AuthMethodNone:
		return true, m, nil
	}
	supported := strings.Join(append(slices.Clone(tokenmint.AuthMethods), tokenmint.AuthMethodTLSClientAuth, tokenmint.AuthMethodSelfSignedTLSClientAuth), ", ")
	return false, "", fieldErrorf(tokenmint.FieldAuthMethod, "unknown token_endpoint_auth_method %s (supported: %s)", quoteName(m), supported)
}

// setSpecSettings sets the per-client settings of issues 16 and 18 that
// f gives on a new client's spec.
func (f *Fields) setSpecSettings(spec *registry.ClientSpec) {
	spec.TLSClientAuthSubjectDN, spec.TLSClientAuthSANDNS = deref(f.TLSClientAuthSubjectDN), deref(f.TLSClientAuthSANDNS)
	spec.TLSClientAuthSANURI, spec.TLSClientAuthSANIP = deref(f.TLSClientAuthSANURI), deref(f.TLSClientAuthSANIP)
	spec.TLSClientAuthSANEmail = deref(f.TLSClientAuthSANEmail)
	spec.TLSClientCertificateBoundAccessTokens = deref(f.TLSClientCertificateBoundAccessTokens)
	spec.DPoPBoundAccessTokens = deref(f.DPoPBoundAccessTokens)
	spec.SubjectType, spec.SectorIdentifierURI = deref(f.SubjectType), deref(f.SectorIdentifierURI)
	spec.BackchannelLogoutURI = deref(f.BackchannelLogoutURI)
	spec.BackchannelLogoutSessionRequired = deref(f.BackchannelLogoutSessionRequired)
	spec.RequirePushedAuthorizationRequests = deref(f.RequirePushedAuthorizationRequests)
	spec.RequireSignedRequestObject = deref(f.RequireSignedRequestObject)
}

// applySettings changes the per-client settings of issues 16 and 18
// that f gives, after the authentication method (which drops a
// certificate name that no longer applies).
func (f *Fields) applySettings(c *tokenmint.Client) {
	setIf(&c.TLSClientAuthSubjectDN, f.TLSClientAuthSubjectDN)
	setIf(&c.TLSClientAuthSANDNS, f.TLSClientAuthSANDNS)
	setIf(&c.TLSClientAuthSANURI, f.TLSClientAuthSANURI)
	setIf(&c.TLSClientAuthSANIP, f.TLSClientAuthSANIP)
	setIf(&c.TLSClientAuthSANEmail, f.TLSClientAuthSANEmail)
	setIf(&c.TLSClientCertificateBoundAccessTokens, f.TLSClientCertificateBoundAccessTokens)
	setIf(&c.DPoPBoundAccessTokens, f.DPoPBoundAccessTokens)
	setIf(&c.SubjectType, f.SubjectType)
	setIf(&c.SectorIdentifierURI, f.SectorIdentifierURI)
	setIf(&c.BackchannelLogoutURI, f.BackchannelLogoutURI)
	setIf(&c.BackchannelLogoutSessionRequired, f.BackchannelLogoutSessionRequired)
	setIf(&c.RequirePushedAuthorizationRequests, f.RequirePushedAuthorizationRequests)
	setIf(&c.RequireSignedRequestObject, f.RequireSignedRequestObject)
}

// lifetimes returns the lifetimes f gives, in place of the ones passed.
func (f *Fields) lifetimes(access, idle, refresh time.Duration) (time.Duration, time.Duration, time.Duration, error) {
	out := []time.Duration{access, idle, refresh}
	for i, l := range []struct {
		field string
		v     *int64
	}{{tokenmint.FieldAccessTokenTTL, f.AccessTokenTTL}, {tokenmint.FieldIdleTTL, f.IdleTTL}, {tokenmint.FieldRefreshTokenTTL, f.RefreshTokenTTL}} {
		if l.v == nil {
			continue
		}
		if *l.v < 0 || *l.v > int64(MaxTTL/time.Second) {
			return 0, 0, 0, fieldErrorf(l.field, "%s must be between 0 (the default) and %d seconds", l.field, int64(MaxTTL/time.Second))
		}
		out[i] = time.Duration(*l.v) * time.Second
	}
	return out[0], out[1], out[2], nil
}

// checkClientID accepts a client ID an operator chooses: 1 to 128
// characters unreserved in a URI (RFC 3986 §2.3), so that it goes in a
// path, a form and HTTP Basic as it is.
func (f *Fields) checkClientID() error {
	if f.ClientID == nil {
		return nil
	}
	id := *f.ClientID
	ok := id != "" && len(id) <= 128
	for i := 0; ok && i < len(id); i++ {
		c := id[i]
		ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
	}
	if !ok || id[0] == '-' {
		return fieldErrorf(tokenmint.FieldClientID, "client_id must be 1 to 128 letters, digits and - . _ ~, not starting with -")
	}
	return nil
}

// checkProfile refuses an unknown profile, and the PKCE opt-out without a
// profile whose platform documents a flow without PKCE.
func checkProfile(name string, allowNoPKCE bool, profiles registry.Profiles) error {
	if name == "" {
		if allowNoPKCE {
			return fieldErrorf(tokenmint.FieldAllowNoPKCE, "allow_no_pkce needs a profile whose platform documents a browser flow without PKCE (eptura)")
		}
		return nil
	}
	var p registry.Profile
	ok := false
	if profiles != nil {
		p, ok = profiles(name)
	}
	if !ok {
		return fieldErrorf("profile", "unknown profile %s", quoteName(name))
	}
	if allowNoPKCE && !p.NoPKCEFlow {
		return fieldErrorf(tokenmint.FieldAllowNoPKCE, "allow_no_pkce: the %s platform documents no browser flow without PKCE", p.Name)
	}
	return nil
}

// checkResponseTypes checks response_types, when given, against the
// grant types (RFC 7591 §2.1): "code" goes with authorization_code, and
// only it; tokenmint has no implicit flow (RFC 9700 §2.1.2).
func checkResponseTypes(given *[]string, grants []string) error {
	if given == nil {
		return nil
	}
	for _, rt := range *given {
		if rt != ResponseTypeCode {
			return fieldErrorf("response_types", "response type %s is not supported (only code: the implicit flow is deprecated by RFC 9700 §2.1.2)", quoteName(rt))
		}
	}
	if want := responseTypes(grants); !slices.Equal(slices.Compact(slices.Clone(*given)), want) {
		return fieldErrorf("response_types", "response_types must be [\"code\"] with the authorization_code grant and [] without it (RFC 7591 §2.1)")
	}
	return nil
}

// scopeList parses a space-delimited scope member (RFC 6749 §3.3); "" is
// nil.
func scopeList(field string, v *string) ([]string, error) {
	if v == nil {
		return nil, nil
	}
	if !oauth.ValidScope(*v) {
		return nil, fieldErrorf(field, "%s must be scope tokens separated by spaces: printable ASCII without quotes or backslashes (RFC 6749 §3.3)", field)
	}
	return oauth.ParseScope(*v), nil
}

func hasDuplicate(s []string) bool {
	for i, v := range s {
		if slices.Contains(s[:i], v) {
			return true
		}
	}
	return false
}

func setIf[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

func deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}
