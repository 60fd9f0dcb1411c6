package tokenmint

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/tokenmint/tokenmint/oauth"
)

// Grant types a client may be allowed (RFC 6749 §1.3, §6).
const (
	GrantClientCredentials = "client_credentials"
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
	GrantPassword          = "password"
)

// Grant types named by URN (RFC 8628 §3.4, RFC 8693 §2.1, RFC 7523 §2.1),
// each in KnownGrantTypes once a grant serves it. GrantDeviceCode is the
// Device Authorization Grant, for devices and CLIs without a browser;
// public clients may use it (RFC 8628 §5.6).
const (
	GrantDeviceCode    = "urn:ietf:params:oauth:grant-type:device_code"
	GrantTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"
	GrantJWTBearer     = "urn:ietf:params:oauth:grant-type:jwt-bearer"
)

// KnownGrantTypes lists every grant type tokenmint implements, in the order
// discovery documents publish them.
var KnownGrantTypes = []string{GrantAuthorizationCode, GrantClientCredentials, GrantRefreshToken, GrantPassword, GrantDeviceCode,
	GrantTokenExchange, GrantJWTBearer}

// Access token formats.
const (
	FormatJWT    = "jwt"    // RFC 9068 JWT, verifiable offline against the JWKS
	FormatOpaque = "opaque" // random handle, only its keyed hash is stored
)

// JWS algorithms tokenmint signs with.
const (
	AlgES256 = "ES256"
	AlgRS256 = "RS256"
	AlgEdDSA = "EdDSA"
)

// KnownAlgs lists every signing algorithm tokenmint can sign with.
var KnownAlgs = []string{AlgES256, AlgRS256, AlgEdDSA}

// Token endpoint authentication methods a client may register (RFC 7591
// §2, RFC 8414 §2).
const (
	AuthMethodSecretBasic = "client_secret_basic"
	AuthMethodSecretPost  = "client_secret_post"
	AuthMethodNone        = "none"
	// AuthMethodPrivateKeyJWT: a JWT the client signs with a key of its
	// JWK Set (RFC 7523 §2.2, OIDC Core §9). The client holds no secret.
	AuthMethodPrivateKeyJWT = "private_key_jwt"
	// AuthMethodSecretJWT: a JWT MACed with the client secret (OIDC Core
	// §9), which the server must therefore be able to read back: it is
	// kept sealed under the master key (Client.SecretEnc) beside its
	// keyed hash.
	AuthMethodSecretJWT = "client_secret_jwt"
	// The mutual-TLS methods of RFC 8705 §2: tls_client_auth (a
	// certificate chaining to a trusted CA whose subject DN or SAN the
	// client registered, §2.1) and self_signed_tls_client_auth (a
	// certificate whose key is in the client's JWK Set, §2.2). Discovery
	// lists them when client certificates reach the server (serve
	// --tls-cert or --tls-client-cert-header).
	AuthMethodTLSClientAuth           = "tls_client_auth"
	AuthMethodSelfSignedTLSClientAuth = "self_signed_tls_client_auth"
)

// AuthMethods lists the token endpoint authentication methods tokenmint
// serves, in the order discovery documents publish them.
var AuthMethods = []string{AuthMethodSecretBasic, AuthMethodSecretPost, AuthMethodPrivateKeyJWT, AuthMethodSecretJWT, AuthMethodNone,
	AuthMethodTLSClientAuth, AuthMethodSelfSignedTLSClientAuth}

// MutualTLSMethods are the methods of AuthMethods that need a client
// certificate (RFC 8705 §2).
var MutualTLSMethods = []string{AuthMethodTLSClientAuth, AuthMethodSelfSignedTLSClientAuth}

// JWS algorithms a client may sign its assertions with (RFC 7518 §3.1):
// asymmetric ones for private_key_jwt, HMAC ones for client_secret_jwt.
// "none" is never accepted.
var (
	AssertionAlgsAsymmetric = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
	AssertionAlgsHMAC       = []string{"HS256", "HS384", "HS512"}
	// DefaultAssertionAlgs are those a private_key_jwt client that names
	// no token_endpoint_auth_signing_alg may use: no RSA PKCS #1 v1.5.
	DefaultAssertionAlgs = []string{"ES256", "PS256", "EdDSA"}
)

// AssertionAlgs returns the algorithms the client's assertions may be
// signed with: its TokenEndpointAuthSigningAlg alone when it registered
// one, else DefaultAssertionAlgs for private_key_jwt and every HMAC
// algorithm for client_secret_jwt; nil for another method.
func (c *Client) AssertionAlgs() []string {
	switch {
	case c.AuthMethod != AuthMethodPrivateKeyJWT && c.AuthMethod != AuthMethodSecretJWT:
		return nil
	case c.AuthSigningAlg != "":
		return []string{c.AuthSigningAlg}
	case c.AuthMethod == AuthMethodPrivateKeyJWT:
		return DefaultAssertionAlgs
	}
	return AssertionAlgsHMAC
}

// UsesSecret reports whether the client authenticates with a secret
// (client_secret_basic, client_secret_post, client_secret_jwt, or a
// confidential client that stated no method).
func (c *Client) UsesSecret() bool {
	return !c.Public && !slices.Contains(secretlessMethods, c.AuthMethod)
}

// secretlessMethods are the methods of a confidential client that holds
// no secret: it proves a key (RFC 7523 §2.2, RFC 8705 §2).
var secretlessMethods = []string{AuthMethodPrivateKeyJWT, AuthMethodTLSClientAuth, AuthMethodSelfSignedTLSClientAuth}

// MaxJWKSBytes bounds a client's JWK Set, inline or fetched from its
// jwks_uri.
const MaxJWKSBytes = 64 << 10

// PreviousSecretLive reports whether the previous secret of the client is
// still accepted at now.
func (c *Client) PreviousSecretLive(now time.Time) bool {
	return len(c.PreviousSecretHash) > 0 && now.Before(c.PreviousSecretExpiresAt)
}

// IssuedBeforeRevocation reports whether an access token of the client
// issued at issuedAt is ended by TokensRevokedAt.
func (c *Client) IssuedBeforeRevocation(issuedAt time.Time) bool {
	return !c.TokensRevokedAt.IsZero() && !issuedAt.After(c.TokensRevokedAt)
}

// Defaults applied to a client whose lifetimes are left zero.
const (
	DefaultAccessTTL  = time.Hour
	DefaultRefreshTTL = 30 * 24 * time.Hour
)

// Client is a registered OAuth client (RFC 6749 §2).
//
// Secrets are never stored: SecretHash and APIKeyHash hold keyed hashes
// (see package token) and are compared in constant time.
type Client struct {
	ID   string
	Name string
	// SecretHash is the keyed hash of the client secret; empty for public
	// clients (RFC 6749 §2.1), which cannot authenticate.
	SecretHash []byte
	Public     bool
	// APIKeyHash is the keyed hash of an optional API key, a second
	// credential some platforms (EmpowerID) send beside the client's own.
	APIKeyHash []byte
	// PreviousSecretHash is the keyed hash of the secret a rotation
	// replaced, still accepted until PreviousSecretExpiresAt so that a
	// deployment can move to the new one (a grace period); empty when
	// there is none.
	PreviousSecretHash      []byte
	PreviousSecretExpiresAt time.Time
	// AuthMethod is the token endpoint authentication method the client
	// registered (RFC 7591 §2 token_endpoint_auth_method): AuthMethodNone
	// for a public client; AuthMethodSecretBasic, AuthMethodSecretPost or
	// "" (not stated) for a confidential one with a secret, which may
	// send it either way whatever it registered; AuthMethodPrivateKeyJWT
	// or AuthMethodSecretJWT for one that authenticates with a signed
	// assertion, and only so (RFC 7591 §2: the method is binding).
	AuthMethod string
	// SecretEnc is the client secret sealed under the master key
	// (token.Sealer, the client ID as additional data), kept only for a
	// client_secret_jwt client, which the server verifies an HMAC of the
	// secret for; PreviousSecretEnc is the secret a rotation replaced,
	// while PreviousSecretExpiresAt lasts. Every other client's secret
	// exists only as its keyed hash.
	SecretEnc         []byte
	PreviousSecretEnc []byte
	// JWKS is the client's JWK Set (RFC 7517 §5), public keys only, as
	// JSON; JWKSURI the https URL it is fetched from instead (RFC 7591
	// §2: never both). A private_key_jwt or self_signed_tls_client_auth
	// client has one of them; any client may register keys to sign its
	// request objects with (RFC 9101 §10.5).
	JWKS    []byte
	JWKSURI string
	// AuthSigningAlg is the one JWS algorithm the client's assertions
	// may use (token_endpoint_auth_signing_alg); "" allows the defaults
	// (AssertionAlgs).
	AuthSigningAlg string
	// TokensRevokedAt ends, when set, every access token issued to the
	// client at or before it, of either format, including the
	// client_credentials JWTs no record holds (the admin API's
	// revoke-tokens).
	TokensRevokedAt time.Time

	GrantTypes    []string
	Scopes        []string // scopes the client may be granted
	DefaultScopes []string // granted when a request names none; nil means Scopes
	RedirectURIs  []string // see CheckRedirectURI and MatchRedirectURI
	Audience      []string // "aud" of its access tokens; nil means the issuer
	// Resources are the resource indicators (RFC 8707) the client may
	// ask for, absolute URIs compared exactly: a request naming
	// resources gets them as the audience of its access token instead
	// of Audience, and a request naming another is invalid_target. A
	// client may also introspect the tokens whose audience names one of
	// them (the resource server of that URI).
	Resources []string

	TokenFormat string // FormatJWT or FormatOpaque
	SigningAlg  string // JWS alg of its JWTs; "" means the server default
	// IntrospectionAlg signs its JWT introspection responses (RFC 9701
	// §6 introspection_signed_response_alg); "" means RS256, the
	// default of that section.
	IntrospectionAlg string
	// AccessTTL is the absolute lifetime of an access token.
	AccessTTL time.Duration
	// IdleTTL, when set, ends an opaque access token that has not been
	// used (introspected) for this long, never later than AccessTTL.
	IdleTTL time.Duration
	// RefreshTTL is the absolute lifetime of a refresh token family.
	RefreshTTL time.Duration

	// Claims are added to every access token and introspection response
	// of this client. Registered claim names cannot be overridden.
	Claims map[string]string

	AllowPlainPKCE bool // accept code_challenge_method=plain (RFC 7636 §4.2)
	RequireConsent bool // show the consent page on every authorization

	// Profile names the platform whose documented defaults the client was
	// created with (package registry: "epc", "epicollect", "eptura",
	// "empowerid"), "" for a standard client. A dialect serves its legacy
	// flows, the ones weaker than RFC 9700 asks, only to clients of its
	// own profile: never server-wide.
	Profile string
	// AllowNoPKCE lets a public client of a profile whose platform
	// documents a browser flow without PKCE use that flow, and only that
	// flow, without code_challenge. It is an explicit, warned-about opt-out
	// of RFC 9700 §2.1.1; the standard authorization endpoint still
	// requires PKCE of the client.
	AllowNoPKCE bool
	// IntersectScopes grants the allowed part of a requested scope instead
	// of refusing the request (RFC 6749 §3.3 lets the server "fully or
	// partially ignore the scope requested"), for platforms whose apps
	// send any string as scope (Eptura); the response's scope says what
	// was granted.
	IntersectScopes bool

	// TLSClientAuthSubjectDN and the four TLSClientAuthSAN* values name
	// the certificate of a tls_client_auth client (RFC 8705 §2.1.2:
	// tls_client_auth_subject_dn, tls_client_auth_san_dns, _san_uri,
	// _san_ip, _san_email); exactly one is set for such a client, none
	// for another.
	TLSClientAuthSubjectDN string
	TLSClientAuthSANDNS    string
	TLSClientAuthSANURI    string
	TLSClientAuthSANIP     string
	TLSClientAuthSANEmail  string
	// TLSClientCertificateBoundAccessTokens asks for access tokens bound
	// to the client's TLS certificate (RFC 8705 §3.4
	// tls_client_certificate_bound_access_tokens); a public client may
	// ask too (§4).
	TLSClientCertificateBoundAccessTokens bool
	// DPoPBoundAccessTokens requires DPoP proofs of the client, so that
	// its access tokens are always DPoP-bound (RFC 9449 §5.2
	// dpop_bound_access_tokens).
	DPoPBoundAccessTokens bool
	// SubjectType is the client's subject identifier type (OIDC Core
	// §8, Registration §2 subject_type): "" or SubjectPublic for the same
	// sub at every client, SubjectPairwise for a sub of its own sector.
	SubjectType string
	// SectorIdentifierURI is the https URL of a JSON array of the
	// client's redirect URIs whose host names its pairwise sector (OIDC
	// Core §8.1, Registration §2 sector_identifier_uri); "" for none.
	SectorIdentifierURI string
	// BackchannelLogoutURI receives the client's logout tokens (OIDC
	// Back-Channel Logout §2.2 backchannel_logout_uri); "" for none.
	// BackchannelLogoutSessionRequired asks for sid in them
	// (backchannel_logout_session_required).
	BackchannelLogoutURI             string
	BackchannelLogoutSessionRequired bool
	// RequirePushedAuthorizationRequests refuses the client's
	// authorization requests that did not come through PAR (RFC 9126
	// §6 require_pushed_authorization_requests).
	RequirePushedAuthorizationRequests bool
	// RequireSignedRequestObject refuses the client's authorization
	// requests that are not a signed request object (RFC 9101 §10.5
	// require_signed_request_object), verified with its JWKS or JWKSURI.
	RequireSignedRequestObject bool

	// Owner is the ID of the user who manages the client through the
	// self-service pages (/apps/), "" for a client only operators manage.
	// An owner sees and changes their own clients there, and no one
	// else's.
	Owner string
	// TokenExchangeSubjectIssuers are the issuers whose tokens the
	// client may exchange (RFC 8693 §2.1 subject_token): IssuerSelf for
	// tokenmint's own access tokens, or the Issuer of one of its
	// JWTBearerTrusts; nil means IssuerSelf alone (ExchangeIssuers).
	TokenExchangeSubjectIssuers []string
	// TokenExchangeAudiences are the values of the audience parameter
	// (RFC 8693 §2.1) the client may ask a token for; a resource
	// parameter is allowed by Resources.
	TokenExchangeAudiences []string
	// JWTBearerTrusts are the external issuers whose JWTs the client
	// exchanges, by the JWT bearer grant (RFC 7523 §2.1) or by token
	// exchange: workload identity federation.
	JWTBearerTrusts []JWTTrust

	CreatedAt time.Time
	UpdatedAt time.Time
}

// HasGrant reports whether the client may use the grant type.
func (c *Client) HasGrant(grant string) bool { return slices.Contains(c.GrantTypes, grant) }

// HasRedirectURI reports whether uri is registered, by exact string
// comparison as RFC 9700 §4.1.3 requires.
func (c *Client) HasRedirectURI(uri string) bool { return slices.Contains(c.RedirectURIs, uri) }

// MatchRedirectURI reports whether the redirect URI of an authorization
// request matches one the client registered: by exact string comparison
// (RFC 9700 §4.1.3), except that a registered loopback URI matches a
// request on any port, or none, with everything else equal (RFC 8252
// §7.3: a native app picks its port at run time; RFC 9700 §2.1 allows
// this one exception).
func (c *Client) MatchRedirectURI(uri string) bool {
	if c.HasRedirectURI(uri) {
		return true
	}
	host, rest, ok := splitLoopback(uri)
	if !ok {
		return false
	}
	for _, r := range c.RedirectURIs {
		if h, rr, ok := splitLoopback(r); ok && h == host && rr == rest {
			return true
		}
	}
	return false
}

// GrantedScopes returns the scopes to grant for a request: the client's
// default scopes when none were requested, else the requested ones when
// all of them are allowed. ok is false when a requested scope is not,
// unless the client has IntersectScopes: it is then granted the allowed
// part of the request, or its default scopes when no part is allowed
// (RFC 6749 §3.3).
func (c *Client) GrantedScopes(requested []string) (scopes []string, ok bool) {
	if len(requested) == 0 {
		return c.defaultScopes(), true
	}
	if c.IntersectScopes {
		return IntersectScopes(requested, c.Scopes, c.defaultScopes()), true
	}
	for _, s := range requested {
		if !slices.Contains(c.Scopes, s) {
			return nil, false
		}
	}
	return requested, true
}

func (c *Client) defaultScopes() []string {
	if c.DefaultScopes != nil {
		return c.DefaultScopes
	}
	return c.Scopes
}

// IntersectScopes returns the scopes of requested that are in allowed, in
// the order requested, or fallback when there are none.
func IntersectScopes(requested, allowed, fallback []string) []string {
	var out []string
	for _, s := range requested {
		if slices.Contains(allowed, s) && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return fallback
	}
	return out
}

// ReservedClaims cannot be set as custom client claims: they are the
// registered JWT and introspection members tokenmint sets itself.
var ReservedClaims = []string{
	"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "client_id", "scope",
	"active", "token_type", "username", "auth_time", "acr", "amr", "cnf",
	"act", "may_act",
}

// Client fields as validation errors name them: the client metadata
// names of RFC 7591 §2 and of tokenmint's admin API.
const (
	FieldClientID        = "client_id"
	FieldClientName      = "client_name"
	FieldGrantTypes      = "grant_types"
	FieldAuthMethod      = "token_endpoint_auth_method"
	FieldScope           = "scope"
	FieldDefaultScope    = "default_scope"
	FieldAllowNoPKCE     = "allow_no_pkce"
	FieldRedirectURIs    = "redirect_uris"
	FieldTokenFormat     = "token_format"
	FieldSigningAlg      = "signing_alg"
	FieldAccessTokenTTL  = "access_token_ttl"
	FieldIdleTTL         = "idle_ttl"
	FieldRefreshTokenTTL = "refresh_token_ttl"
	FieldClaims          = "claims"
	FieldJWKS            = "jwks"
	FieldJWKSURI         = "jwks_uri"
	FieldAuthSigningAlg  = "token_endpoint_auth_signing_alg"
)

// Client fields of resource indicators (RFC 8707) and JWT introspection
// responses (RFC 9701 §6).
const (
	FieldResources        = "resources"
	FieldIntrospectionAlg = "introspection_signed_response_alg"
)

// Client fields of mutual TLS (RFC 8705 §2.1.2, §3.4), DPoP (RFC 9449
// §5.2), OpenID Connect registration (OIDC Registration §2, Back-Channel
// Logout §2.2), PAR (RFC 9126 §6) and JAR (RFC 9101 §10.5).
const (
	FieldTLSClientAuthSubjectDN                = "tls_client_auth_subject_dn"
	FieldTLSClientAuthSANDNS                   = "tls_client_auth_san_dns"
	FieldTLSClientAuthSANURI                   = "tls_client_auth_san_uri"
	FieldTLSClientAuthSANIP                    = "tls_client_auth_san_ip"
	FieldTLSClientAuthSANEmail                 = "tls_client_auth_san_email"
	FieldTLSClientCertificateBoundAccessTokens = "tls_client_certificate_bound_access_tokens"
	FieldDPoPBoundAccessTokens                 = "dpop_bound_access_tokens"
	FieldSubjectType                           = "subject_type"
	FieldSectorIdentifierURI                   = "sector_identifier_uri"
	FieldBackchannelLogoutURI                  = "backchannel_logout_uri"
	FieldBackchannelLogoutSessionRequired      = "backchannel_logout_session_required"
	FieldRequirePushedAuthorizationRequests    = "require_pushed_authorization_requests"
	FieldRequireSignedRequestObject            = "require_signed_request_object"
	// FieldOwner is tokenmint's own: the ID of the user who owns the
	// client (Client.Owner), never RFC 7591 client metadata.
	FieldOwner = "owner"
)

// Subject identifier types (OIDC Core §8).
const (
	SubjectPublic   = "public"
	SubjectPairwise = "pairwise"
)

// FieldError is a validation error about one field of a record. Its text
// is the wrapped error's; Field names the field (see the Field*
// constants), so that an API can say which member of a request was
// wrong.
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }

func fieldError(field string, err error) error { return &FieldError{Field: field, Err: err} }

func fieldErrorf(field, format string, args ...any) error {
	return fieldError(field, fmt.Errorf(format, args...))
}

// Validate checks a client record for consistency before it is stored.
// It returns a *FieldError naming the first problem, phrased for a CLI
// user.
func (c *Client) Validate() error {
	if strings.TrimSpace(c.ID) == "" {
		return fieldErrorf(FieldClientID, "client id is empty")
	}
	if strings.TrimSpace(c.Name) == "" {
		return fieldErrorf(FieldClientName, "client name is empty")
	}
	if err := c.validateGrants(); err != nil {
		return err
	}
	if err := c.validateAuth(); err != nil {
		return err
	}
	for _, s := range c.Scopes {
		if !oauth.ValidScopeToken(s) {
			return fieldErrorf(FieldScope, "invalid scope %q: scopes are printable ASCII without spaces, quotes or backslashes (RFC 6749 §3.3)", s)
		}
	}
	for _, s := range c.DefaultScopes {
		if !oauth.ValidScopeToken(s) {
			return fieldErrorf(FieldDefaultScope, "invalid scope %q: scopes are printable ASCII without spaces, quotes or backslashes (RFC 6749 §3.3)", s)
		}
		if !slices.Contains(c.Scopes, s) {
			return fieldErrorf(FieldDefaultScope, "default scope %q is not among the client's scopes", s)
		}
	}
	if c.AllowNoPKCE && (!c.Public || c.Profile == "") {
		return fieldErrorf(FieldAllowNoPKCE, "allow-no-pkce is for public clients of a platform profile whose documented browser flow has no PKCE")
	}
	if err := c.validateRedirects(); err != nil {
		return err
	}
	switch c.TokenFormat {
	case FormatJWT, FormatOpaque:
	default:
		return fieldErrorf(FieldTokenFormat, "unknown token format %q (known: jwt, opaque)", c.TokenFormat)
	}
	if c.SigningAlg != "" && !slices.Contains(KnownAlgs, c.SigningAlg) {
		return fieldErrorf(FieldSigningAlg, "unknown signing algorithm %q (known: %s)", c.SigningAlg, strings.Join(KnownAlgs, ", "))
	}
	if c.IntrospectionAlg != "" && !slices.Contains(KnownAlgs, c.IntrospectionAlg) {
		return fieldErrorf(FieldIntrospectionAlg, "unknown introspection signing algorithm %q (known: %s)", c.IntrospectionAlg, strings.Join(KnownAlgs, ", "))
	}
	if err := c.validateResources(); err != nil {
		return err
	}
	if err := c.validateOIDC(); err != nil {
		return err
	}
	if err := c.validateFederation(); err != nil {
		return err
	}
	return c.validateLifetimes()
}

// validateOIDC checks the OpenID Connect registration members: the
// subject type (OIDC Registration §2), the sector identifier URI (an
// https URL, OIDC Core §8.1) and the back-channel logout URI (OIDC
// Back-Channel Logout §2.2).
func (c *Client) validateOIDC() error {
	switch c.SubjectType {
	case "", SubjectPublic, SubjectPairwise:
	default:
		return fieldErrorf(FieldSubjectType, "unknown subject_type %q (known: public, pairwise)", truncateText(c.SubjectType))
	}
	if c.SectorIdentifierURI != "" {
		if err := checkClientURL(FieldSectorIdentifierURI, c.SectorIdentifierURI, false); err != nil {
			return err
		}
	}
	if c.BackchannelLogoutURI != "" {
		if err := checkClientURL(FieldBackchannelLogoutURI, c.BackchannelLogoutURI, true); err != nil {
			return err
		}
	}
	if c.BackchannelLogoutSessionRequired && c.BackchannelLogoutURI == "" {
		return fieldErrorf(FieldBackchannelLogoutSessionRequired, "backchannel_logout_session_required goes with a backchannel_logout_uri")
	}
	if c.SubjectType == SubjectPairwise {
		if _, err := c.PairwiseSector(); err != nil {
			return err
		}
	}
	return nil
}

// PairwiseSector is the sector identifier of the client's pairwise
// subjects (OIDC Core §8.1): the host of its sector_identifier_uri, else
// the host of its redirect URIs, which must then all share one host
// ("the Client MUST register a sector_identifier_uri" otherwise). That
// the sector_identifier_uri lists every redirect URI is checked by
// fetching it (package sectorfetch), not here.
func (c *Client) PairwiseSector() (string, error) {
	if c.SectorIdentifierURI != "" {
		u, err := url.Parse(c.SectorIdentifierURI)
		if err != nil || u.Hostname() == "" {
			return "", fieldErrorf(FieldSectorIdentifierURI, "sector_identifier_uri has no host")
		}
		return strings.ToLower(u.Hostname()), nil
	}
	host := ""
	for _, r := range c.RedirectURIs {
		u, err := url.Parse(r)
		h := ""
		if err == nil {
			h = strings.ToLower(u.Hostname())
		}
		switch {
		case h == "":
			return "", fieldErrorf(FieldSectorIdentifierURI, "a pairwise client whose redirect URI %q has no host needs a sector_identifier_uri", truncateText(r))
		case host != "" && h != host:
			return "", fieldErrorf(FieldSectorIdentifierURI, "a pairwise client whose redirect URIs have several hosts needs a sector_identifier_uri (OIDC Core §8.1)")
		}
		host = h
	}
	if host == "" {
		return "", fieldErrorf(FieldSectorIdentifierURI, "a pairwise client needs redirect URIs of one host or a sector_identifier_uri (OIDC Core §8.1)")
	}
	return host, nil
}

// checkClientURL checks a URL the server will fetch or post to: absolute,
// https (http too for a loopback host when loopbackHTTP), without
// credentials or fragment, of at most 2048 bytes.
func checkClientURL(field, raw string, loopbackHTTP bool) error {
	u, err := url.Parse(raw)
	switch {
	case len(raw) > 2048:
		return fieldErrorf(field, "%s is longer than 2048 bytes", field)
	case err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "":
		return fieldErrorf(field, "%s %q is not an absolute URL", field, truncateText(raw))
	case u.User != nil || u.Fragment != "" || strings.Contains(raw, "#"):
		return fieldErrorf(field, "%s %q must not carry credentials or a fragment", field, truncateText(raw))
	case u.Scheme == "https":
	case u.Scheme == "http" && loopbackHTTP && slices.Contains(loopbackHosts, hostOnly(u.Host)):
	case loopbackHTTP:
		return fieldErrorf(field, "%s %q must be https (http only for a loopback host)", field, truncateText(raw))
	default:
		return fieldErrorf(field, "%s %q must be https", field, truncateText(raw))
	}
	return nil
}

// validateGrants checks the grant types against the client's kind and
// credentials.
func (c *Client) validateGrants() error {
	if len(c.GrantTypes) == 0 {
		return fieldErrorf(FieldGrantTypes, "client has no grant type")
	}
	for _, g := range c.GrantTypes {
		if !slices.Contains(KnownGrantTypes, g) {
			return fieldErrorf(FieldGrantTypes, "unknown grant type %q (known: %s)", g, strings.Join(KnownGrantTypes, ", "))
		}
	}
	if c.Public && (c.HasGrant(GrantClientCredentials)) {
		return fieldErrorf(FieldGrantTypes, "a public client cannot use client_credentials: it cannot authenticate")
	}
	return nil
}

// validateAuth checks the authentication method against the credentials
// the client holds.
func (c *Client) validateAuth() error {
	switch c.AuthMethod {
	case "", AuthMethodNone, AuthMethodSecretBasic, AuthMethodSecretPost, AuthMethodPrivateKeyJWT, AuthMethodSecretJWT,
		AuthMethodTLSClientAuth, AuthMethodSelfSignedTLSClientAuth:
	default:
		return fieldErrorf(FieldAuthMethod, "unsupported token endpoint auth method %q (supported: %s)", c.AuthMethod, strings.Join(registrableMethods(), ", "))
	}
	switch {
	case c.Public && len(c.SecretHash) > 0:
		return fieldErrorf(FieldAuthMethod, "a public client has no secret")
	case c.Public && c.AuthMethod != "" && c.AuthMethod != AuthMethodNone:
		return fieldErrorf(FieldAuthMethod, "a public client authenticates with none, not %q", c.AuthMethod)
	case !c.Public && c.AuthMethod == AuthMethodNone:
		return fieldErrorf(FieldAuthMethod, "a confidential client cannot use none: it has a secret")
	case c.UsesSecret() && len(c.SecretHash) == 0:
		return fieldErrorf(FieldAuthMethod, "a confidential client needs a secret")
	case slices.Contains(secretlessMethods, c.AuthMethod) && (len(c.SecretHash) > 0 || len(c.SecretEnc) > 0):
		return fieldErrorf(FieldAuthMethod, "a %s client holds no secret", c.AuthMethod)
	case c.AuthMethod == AuthMethodSecretJWT && len(c.SecretEnc) == 0:
		return fieldErrorf(FieldAuthMethod, "client_secret_jwt needs the client secret kept encrypted from the client's creation: "+
			"an existing client's secret is kept only as a hash; create another client with client_secret_jwt")
	case c.AuthMethod != AuthMethodSecretJWT && (len(c.SecretEnc) > 0 || len(c.PreviousSecretEnc) > 0):
		return fieldErrorf(FieldAuthMethod, "only a client_secret_jwt client keeps its secret encrypted")
	}
	if err := c.validateTLSClientAuth(); err != nil {
		return err
	}
	return c.validateKeys()
}

// registrableMethods lists the methods Validate accepts: those served and
// the mutual-TLS ones (RFC 8705 §2), which may be registered before they
// are.
func registrableMethods() []string {
	ms := slices.Clone(AuthMethods)
	for _, m := range []string{AuthMethodTLSClientAuth, AuthMethodSelfSignedTLSClientAuth} {
		if !slices.Contains(ms, m) {
			ms = append(ms, m)
		}
	}
	return ms
}

// TLSClientAuthValues returns the client's five tls_client_auth_* values
// by field name, in the order RFC 8705 §2.1.2 lists them.
func (c *Client) TLSClientAuthValues() []struct{ Field, Value string } {
	return []struct{ Field, Value string }{
		{FieldTLSClientAuthSubjectDN, c.TLSClientAuthSubjectDN},
		{FieldTLSClientAuthSANDNS, c.TLSClientAuthSANDNS},
		{FieldTLSClientAuthSANURI, c.TLSClientAuthSANURI},
		{FieldTLSClientAuthSANIP, c.TLSClientAuthSANIP},
		{FieldTLSClientAuthSANEmail, c.TLSClientAuthSANEmail},
	}
}

// validateTLSClientAuth checks the certificate a tls_client_auth client
// registered: exactly one of the five values of RFC 8705 §2.1.2, which
// no other client may set.
func (c *Client) validateTLSClientAuth() error {
	var set []string
	for _, v := range c.TLSClientAuthValues() {
		if v.Value == "" {
			continue
		}
		if len(v.Value) > maxTLSClientAuthValue {
			return fieldErrorf(v.Field, "%s is longer than %d bytes", v.Field, maxTLSClientAuthValue)
		}
		if c.AuthMethod != AuthMethodTLSClientAuth {
			return fieldErrorf(v.Field, "%s goes with token_endpoint_auth_method tls_client_auth (RFC 8705 §2.1.2)", v.Field)
		}
		set = append(set, v.Field)
	}
	switch {
	case c.AuthMethod != AuthMethodTLSClientAuth:
	case len(set) == 0:
		return fieldErrorf(FieldTLSClientAuthSubjectDN, "a tls_client_auth client needs one of tls_client_auth_subject_dn, _san_dns, _san_uri, _san_ip, _san_email (RFC 8705 §2.1.2)")
	case len(set) > 1:
		return fieldErrorf(set[1], "a tls_client_auth client sets only one of %s (RFC 8705 §2.1.2)", strings.Join(set, ", "))
	}
	if c.TLSClientAuthSANIP != "" && !validIP(c.TLSClientAuthSANIP) {
		return fieldErrorf(FieldTLSClientAuthSANIP, "tls_client_auth_san_ip %q is not an IPv4 or IPv6 address", truncateText(c.TLSClientAuthSANIP))
	}
	return nil
}

// maxTLSClientAuthValue bounds a registered subject DN or SAN.
const maxTLSClientAuthValue = 1024

// validIP reports whether s is an IPv4 or IPv6 address as RFC 8705
// §2.1.2 has tls_client_auth_san_ip written (no zone).
func validIP(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Zone() == ""
}

// validateKeys checks the client's JWK Set source and assertion
// algorithm; the JWK Set's content is checked where it is parsed
// (package token, ParseClientJWKS).
func (c *Client) validateKeys() error {
	switch {
	case len(c.JWKS) > 0 && c.JWKSURI != "":
		return fieldErrorf(FieldJWKSURI, "jwks and jwks_uri cannot both be given (RFC 7591 §2)")
	case len(c.JWKS) > MaxJWKSBytes:
		return fieldErrorf(FieldJWKS, "jwks is larger than %d bytes", MaxJWKSBytes)
	case (c.AuthMethod == AuthMethodPrivateKeyJWT || c.AuthMethod == AuthMethodSelfSignedTLSClientAuth) && len(c.JWKS) == 0 && c.JWKSURI == "":
		return fieldErrorf(FieldJWKS, "a %s client needs its public keys: jwks or jwks_uri", c.AuthMethod)
	}
	if c.JWKSURI != "" {
		if err := CheckJWKSURI(c.JWKSURI); err != nil {
			return fieldError(FieldJWKSURI, err)
		}
	}
	if c.AuthSigningAlg == "" {
		return nil
	}
	switch c.AuthMethod {
	case AuthMethodPrivateKeyJWT:
		if !slices.Contains(AssertionAlgsAsymmetric, c.AuthSigningAlg) {
			return fieldErrorf(FieldAuthSigningAlg, "token_endpoint_auth_signing_alg %q is not an algorithm private_key_jwt may use (%s)", c.AuthSigningAlg, strings.Join(AssertionAlgsAsymmetric, ", "))
		}
	case AuthMethodSecretJWT:
		if !slices.Contains(AssertionAlgsHMAC, c.AuthSigningAlg) {
			return fieldErrorf(FieldAuthSigningAlg, "token_endpoint_auth_signing_alg %q is not an algorithm client_secret_jwt may use (%s)", c.AuthSigningAlg, strings.Join(AssertionAlgsHMAC, ", "))
		}
	default:
		return fieldErrorf(FieldAuthSigningAlg, "token_endpoint_auth_signing_alg goes with private_key_jwt or client_secret_jwt, not %s", cmpOr(c.AuthMethod, AuthMethodSecretBasic))
	}
	return nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// CheckJWKSURI checks the form of a client's jwks_uri: an absolute http
// or https URL without credentials or fragment, of at most 2048 bytes.
// Whether it may be fetched (https only, no private address) is decided
// when it is, by the server's policy (package jwksfetch).
func CheckJWKSURI(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case len(raw) > 2048:
		return errors.New("jwks_uri is longer than 2048 bytes")
	case err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "":
		return fmt.Errorf("jwks_uri %q is not an absolute URL", truncateText(raw))
	case u.Scheme != "https" && u.Scheme != "http":
		return fmt.Errorf("jwks_uri %q must be https", truncateText(raw))
	case u.User != nil || u.Fragment != "" || strings.Contains(raw, "#"):
		return fmt.Errorf("jwks_uri %q must not carry credentials or a fragment", truncateText(raw))
	}
	return nil
}

func truncateText(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

// ChangeAuthMethod moves the client to the token endpoint authentication
// method m, keeping only the credentials m uses: it refuses what would
// need a credential the client has not got (a secret for a public client
// or one that proves a key, a secret kept encrypted for
// client_secret_jwt) or keep one it must not use (none for a client with
// a secret), and drops a secret (to a method that proves a key:
// private_key_jwt, tls_client_auth, self_signed_tls_client_auth), its
// encrypted copy (away from client_secret_jwt), the registered
// certificate name (away from tls_client_auth) and an assertion
// algorithm the new method cannot use. The caller validates the client
// afterwards.
func (c *Client) ChangeAuthMethod(m string) error {
	from := c.AuthMethod
	if from == m {
		return nil
	}
	switch {
	case c.Public != (m == AuthMethodNone):
		return fieldErrorf(FieldAuthMethod, "token_endpoint_auth_method cannot change between none and another method: a public client has no credential, a confidential one has; create another client")
	case m == AuthMethodSecretJWT:
		return fieldErrorf(FieldAuthMethod, "token_endpoint_auth_method cannot become client_secret_jwt: that secret must be kept encrypted from the client's creation, and this client's is kept only as a hash; create another client")
	case slices.Contains(secretlessMethods, from) && !slices.Contains(secretlessMethods, m):
		return fieldErrorf(FieldAuthMethod, "token_endpoint_auth_method cannot change from %s to %s: the client has no secret; create another client", from, m)
	}
	c.AuthMethod = m
	if slices.Contains(secretlessMethods, m) {
		c.SecretHash, c.PreviousSecretHash, c.PreviousSecretExpiresAt = nil, nil, time.Time{}
	}
	if m != AuthMethodSecretJWT {
		c.SecretEnc, c.PreviousSecretEnc = nil, nil
	}
	if m != AuthMethodTLSClientAuth {
		c.TLSClientAuthSubjectDN, c.TLSClientAuthSANDNS, c.TLSClientAuthSANURI = "", "", ""
		c.TLSClientAuthSANIP, c.TLSClientAuthSANEmail = "", ""
	}
	if c.AuthSigningAlg != "" && !slices.Contains(c.algsFor(m), c.AuthSigningAlg) {
		c.AuthSigningAlg = ""
	}
	return nil
}

func (c *Client) algsFor(m string) []string {
	switch m {
	case AuthMethodPrivateKeyJWT:
		return AssertionAlgsAsymmetric
	case AuthMethodSecretJWT:
		return AssertionAlgsHMAC
	}
	return nil
}

func (c *Client) validateRedirects() error {
	for _, r := range c.RedirectURIs {
		if err := CheckRedirectURI(r); err != nil {
			return fieldError(FieldRedirectURIs, err)
		}
	}
	if c.HasGrant(GrantAuthorizationCode) && len(c.RedirectURIs) == 0 {
		return fieldErrorf(FieldRedirectURIs, "the authorization_code grant needs at least one redirect URI")
	}
	return nil
}

// validateResources checks the registered resource indicators: each
// valid (CheckResource), none twice, and at most 4×MaxResources of them.
func (c *Client) validateResources() error {
	if len(c.Resources) > 4*MaxResources {
		return fieldErrorf(FieldResources, "a client may be registered with at most %d resources", 4*MaxResources)
	}
	for i, r := range c.Resources {
		if err := CheckResource(r); err != nil {
			return fieldError(FieldResources, err)
		}
		if slices.Contains(c.Resources[:i], r) {
			return fieldErrorf(FieldResources, "resource %q is listed twice", r)
		}
	}
	return nil
}

// AllowsResource reports whether the client may ask for the resource
// indicator uri (RFC 8707 §2), by exact comparison with its registered
// Resources.
func (c *Client) AllowsResource(uri string) bool { return slices.Contains(c.Resources, uri) }

func (c *Client) validateLifetimes() error {
	for _, l := range []struct {
		field string
		d     time.Duration
	}{{FieldAccessTokenTTL, c.AccessTTL}, {FieldIdleTTL, c.IdleTTL}, {FieldRefreshTokenTTL, c.RefreshTTL}} {
		if l.d < 0 {
			return fieldErrorf(l.field, "lifetimes cannot be negative")
		}
	}
	if c.IdleTTL > 0 && c.TokenFormat == FormatJWT {
		return fieldErrorf(FieldIdleTTL, "idle-ttl needs opaque tokens: a JWT is verified offline, so its life cannot slide")
	}
	if c.IdleTTL > 0 && c.AccessTTL > 0 && c.IdleTTL > c.AccessTTL {
		return fieldErrorf(FieldIdleTTL, "idle-ttl cannot exceed access-ttl")
	}
	for k := range c.Claims {
		if k == "" || slices.Contains(ReservedClaims, k) {
			return fieldErrorf(FieldClaims, "claim %q is reserved or empty", k)
		}
	}
	return nil
}

// EffectiveAccessTTL is the client's access token lifetime, defaulted.
func (c *Client) EffectiveAccessTTL() time.Duration {
	if c.AccessTTL > 0 {
		return c.AccessTTL
	}
	return DefaultAccessTTL
}

// EffectiveRefreshTTL is the absolute lifetime of the client's refresh
// token families, defaulted.
func (c *Client) EffectiveRefreshTTL() time.Duration {
	if c.RefreshTTL > 0 {
		return c.RefreshTTL
	}
	return DefaultRefreshTTL
}
