package clientmeta

import (
	"bytes"
	"encoding/json"
	"maps"
	"strings"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/oauth"
	"github.com/tokenmint/tokenmint/registry"
)

// Response types (RFC 7591 §2, RFC 6749 §3.1.1). tokenmint serves the
// authorization code flow only: the implicit grant ("token") is gone
// from RFC 9700 §2.1.2.
const ResponseTypeCode = "code"

// Metadata is a client as the admin API and registration answer it. Its
// secret and API key appear only in the answer that generated them;
// stored hashes never do.
type Metadata struct {
	ClientID string `json:"client_id"`
	// ClientSecret is set only when just generated (RFC 7591 §3.2.1).
	ClientSecret string `json:"client_secret,omitempty"`
	// ClientIDIssuedAt is when the client was created, in seconds since
	// the epoch.
	ClientIDIssuedAt int64 `json:"client_id_issued_at,omitempty"`
	// ClientSecretExpiresAt is 0 for a client with a secret (it does not
	// expire); absent for a public or private_key_jwt client, which has
	// none.
	ClientSecretExpiresAt *int64 `json:"client_secret_expires_at,omitempty"`

	ClientName              string   `json:"client_name"`
	GrantTypes              []string `json:"grant_types"`
	ResponseTypes           []string `json:"response_types"`
	Scope                   string   `json:"scope"` // space-delimited (RFC 6749 §3.3)
	RedirectURIs            []string `json:"redirect_uris"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
	// JWKS is the client's JWK Set (public keys only), JWKSURI where it
	// is fetched from instead: the keys of a private_key_jwt client;
	// TokenEndpointAuthSigningAlg the one algorithm its assertions may
	// use (absent: ES256, PS256 or EdDSA for private_key_jwt, HS256,
	// HS384 or HS512 for client_secret_jwt).
	JWKS                        json.RawMessage `json:"jwks,omitempty"`
	JWKSURI                     string          `json:"jwks_uri,omitempty"`
	TokenEndpointAuthSigningAlg string          `json:"token_endpoint_auth_signing_alg,omitempty"`

	// tokenmint's own.
	TokenFormat     string            `json:"token_format"`      // jwt or opaque
	AccessTokenTTL  int64             `json:"access_token_ttl"`  // seconds; 0: the default (3600, or the dialect's)
	IdleTTL         int64             `json:"idle_ttl"`          // seconds; 0: none
	RefreshTokenTTL int64             `json:"refresh_token_ttl"` // seconds; 0: the default (30 days)
	Audience        []string          `json:"audience"`          // empty: the issuer
	Claims          map[string]string `json:"claims"`
	Profile         string            `json:"profile"`     // "" for a standard client
	SigningAlg      string            `json:"signing_alg"` // "": the server's default
	// DefaultScope is granted when a request names no scope; absent: all
	// of Scope.
	DefaultScope    string `json:"default_scope,omitempty"`
	RequireConsent  bool   `json:"require_consent"`
	AllowPlainPKCE  bool   `json:"allow_plain_pkce"`
	AllowNoPKCE     bool   `json:"allow_no_pkce"`
	IntersectScopes bool   `json:"intersect_scopes"`
	HasAPIKey       bool   `json:"has_api_key"`
	// APIKey is set only when just generated.
	APIKey string `json:"api_key,omitempty"`
	// PreviousSecretExpiresAt is when the secret replaced by the last
	// rotation stops being accepted, in seconds since the epoch; absent
	// when none is.
	PreviousSecretExpiresAt int64 `json:"previous_secret_expires_at,omitempty"`

	// Resources are the resource indicators (RFC 8707) the client may
	// ask for; empty: none (its tokens' audience is Audience).
	Resources []string `json:"resources"`
	// IntrospectionSignedResponseAlg signs its JWT introspection
	// responses (RFC 9701 §6); "": RS256.
	IntrospectionSignedResponseAlg string `json:"introspection_signed_response_alg"`

	// The per-client settings of mutual TLS (RFC 8705), DPoP (RFC 9449),
	// OpenID Connect registration, PAR (RFC 9126) and JAR (RFC 9101):
	// the strings absent when unset, the booleans always given.
	TLSClientAuthSubjectDN                string `json:"tls_client_auth_subject_dn,omitempty"`
	TLSClientAuthSANDNS                   string `json:"tls_client_auth_san_dns,omitempty"`
	TLSClientAuthSANURI                   string `json:"tls_client_auth_san_uri,omitempty"`
	TLSClientAuthSANIP                    string `json:"tls_client_auth_san_ip,omitempty"`
	TLSClientAuthSANEmail                 string `json:"tls_client_auth_san_email,omitempty"`
	TLSClientCertificateBoundAccessTokens bool   `json:"tls_client_certificate_bound_access_tokens"`
	DPoPBoundAccessTokens                 bool   `json:"dpop_bound_access_tokens"`
	SubjectType                           string `json:"subject_type,omitempty"` // absent: public
	SectorIdentifierURI                   string `json:"sector_identifier_uri,omitempty"`
	BackchannelLogoutURI                  string `json:"backchannel_logout_uri,omitempty"`
	BackchannelLogoutSessionRequired      bool   `json:"backchannel_logout_session_required"`
	RequirePushedAuthorizationRequests    bool   `json:"require_pushed_authorization_requests"`
	RequireSignedRequestObject            bool   `json:"require_signed_request_object"`
	// Token exchange (RFC 8693) and the JWT bearer grant (RFC 7523
	// §2.1): lists always given, empty when none (federation.go).
	TokenExchangeSubjectIssuers []string         `json:"token_exchange_subject_issuers"`
	TokenExchangeAudiences      []string         `json:"token_exchange_audiences"`
	JWTBearerTrusts             []JWTBearerTrust `json:"jwt_bearer_trusts"`
	// Owner is the ID of the user who manages the client through the
	// self-service pages; absent for a client only operators manage.
	Owner string `json:"owner,omitempty"`
}

// FromClient is the metadata of c, with the credentials in creds (just
// generated; empty otherwise); now decides whether a previous secret is
// still accepted.
func FromClient(c *tokenmint.Client, creds registry.Credentials, now time.Time) Metadata {
	m := Metadata{
		ClientID:                    c.ID,
		ClientSecret:                creds.ClientSecret.Reveal(),
		ClientName:                  c.Name,
		GrantTypes:                  nonNil(c.GrantTypes),
		ResponseTypes:               responseTypes(c.GrantTypes),
		Scope:                       oauth.JoinScope(c.Scopes),
		RedirectURIs:                nonNil(c.RedirectURIs),
		TokenEndpointAuthMethod:     AuthMethod(c),
		JWKS:                        json.RawMessage(bytes.Clone(c.JWKS)),
		JWKSURI:                     c.JWKSURI,
		TokenEndpointAuthSigningAlg: c.AuthSigningAlg,
		TokenFormat:                 c.TokenFormat,
		AccessTokenTTL:              seconds(c.AccessTTL),
		IdleTTL:                     seconds(c.IdleTTL),
		RefreshTokenTTL:             seconds(c.RefreshTTL),
		Audience:                    nonNil(c.Audience),
		Claims:                      maps.Clone(c.Claims),
		Profile:                     c.Profile,
		SigningAlg:                  c.SigningAlg,
		DefaultScope:                oauth.JoinScope(c.DefaultScopes),
		RequireConsent:              c.RequireConsent,
		AllowPlainPKCE:              c.AllowPlainPKCE,
		AllowNoPKCE:                 c.AllowNoPKCE,
		IntersectScopes:             c.IntersectScopes,
		HasAPIKey:                   len(c.APIKeyHash) > 0,
		APIKey:                      creds.APIKey.Reveal(),
	}
	m.Resources, m.IntrospectionSignedResponseAlg = nonNil(c.Resources), c.IntrospectionAlg
	m.setSettings(c)
	m.setFederation(c)
	m.Owner = c.Owner
	if m.Claims == nil {
		m.Claims = map[string]string{}
	}
	if !c.CreatedAt.IsZero() {
		m.ClientIDIssuedAt = c.CreatedAt.Unix()
	}
	if c.UsesSecret() {
		var never int64
		m.ClientSecretExpiresAt = &never
	}
	if c.PreviousSecretLive(now) {
		m.PreviousSecretExpiresAt = c.PreviousSecretExpiresAt.Unix()
	}
	return m
}

// AuthMethod is the token endpoint authentication method of c as
// published: the one it registered, else RFC 7591's default for a
// confidential client (client_secret_basic), none for a public one.
func AuthMethod(c *tokenmint.Client) string {
	switch {
	case c.Public:
		return tokenmint.AuthMethodNone
	case c.AuthMethod != "":
		return c.AuthMethod
	}
	return tokenmint.AuthMethodSecretBasic
}

// Fields returns m as a request would give it, every writable member
// present: what a client that read m sends to store it back unchanged.
func (m *Metadata) Fields() Fields {
	f := Fields{
		ClientID:                    ptr(m.ClientID),
		ClientName:                  ptr(m.ClientName),
		GrantTypes:                  ptr(m.GrantTypes),
		ResponseTypes:               ptr(m.ResponseTypes),
		Scope:                       ptr(m.Scope),
		RedirectURIs:                ptr(m.RedirectURIs),
		TokenEndpointAuthMethod:     ptr(m.TokenEndpointAuthMethod),
		JWKS:                        ptr(m.JWKS),
		JWKSURI:                     ptr(m.JWKSURI),
		TokenEndpointAuthSigningAlg: ptr(m.TokenEndpointAuthSigningAlg),
		TokenFormat:                 ptr(m.TokenFormat),
		AccessTokenTTL:              ptr(m.AccessTokenTTL),
		IdleTTL:                     ptr(m.IdleTTL),
		RefreshTokenTTL:             ptr(m.RefreshTokenTTL),
		Audience:                    ptr(m.Audience),
		Claims:                      ptr(m.Claims),
		Profile:                     ptr(m.Profile),
		SigningAlg:                  ptr(m.SigningAlg),
		DefaultScope:                ptr(m.DefaultScope),
		RequireConsent:              ptr(m.RequireConsent),
		AllowPlainPKCE:              ptr(m.AllowPlainPKCE),
		AllowNoPKCE:                 ptr(m.AllowNoPKCE),
		IntersectScopes:             ptr(m.IntersectScopes),
		HasAPIKey:                   ptr(m.HasAPIKey),
	}
	f.Resources, f.IntrospectionSignedResponseAlg = ptr(m.Resources), ptr(m.IntrospectionSignedResponseAlg)
	f.TLSClientAuthSubjectDN, f.TLSClientAuthSANDNS = ptr(m.TLSClientAuthSubjectDN), ptr(m.TLSClientAuthSANDNS)
	f.TLSClientAuthSANURI, f.TLSClientAuthSANIP = ptr(m.TLSClientAuthSANURI), ptr(m.TLSClientAuthSANIP)
	f.TLSClientAuthSANEmail = ptr(m.TLSClientAuthSANEmail)
	f.TLSClientCertificateBoundAccessTokens = ptr(m.TLSClientCertificateBoundAccessTokens)
	f.DPoPBoundAccessTokens = ptr(m.DPoPBoundAccessTokens)
	f.SubjectType, f.SectorIdentifierURI = ptr(m.SubjectType), ptr(m.SectorIdentifierURI)
	f.BackchannelLogoutURI = ptr(m.BackchannelLogoutURI)
	f.BackchannelLogoutSessionRequired = ptr(m.BackchannelLogoutSessionRequired)
	f.RequirePushedAuthorizationRequests = ptr(m.RequirePushedAuthorizationRequests)
	f.RequireSignedRequestObject = ptr(m.RequireSignedRequestObject)
	m.setFederationFields(&f)
	f.Owner = ptr(m.Owner)
	return f
}

// setSettings copies the per-client settings of issues 16 and 18 from c.
func (m *Metadata) setSettings(c *tokenmint.Client) {
	m.TLSClientAuthSubjectDN, m.TLSClientAuthSANDNS = c.TLSClientAuthSubjectDN, c.TLSClientAuthSANDNS
	m.TLSClientAuthSANURI, m.TLSClientAuthSANIP = c.TLSClientAuthSANURI, c.TLSClientAuthSANIP
	m.TLSClientAuthSANEmail = c.TLSClientAuthSANEmail
	m.TLSClientCertificateBoundAccessTokens = c.TLSClientCertificateBoundAccessTokens
	m.DPoPBoundAccessTokens = c.DPoPBoundAccessTokens
	m.SubjectType, m.SectorIdentifierURI = c.SubjectType, c.SectorIdentifierURI
	m.BackchannelLogoutURI = c.BackchannelLogoutURI
	m.BackchannelLogoutSessionRequired = c.BackchannelLogoutSessionRequired
	m.RequirePushedAuthorizationRequests = c.RequirePushedAuthorizationRequests
	m.RequireSignedRequestObject = c.RequireSignedRequestObject
}

// responseTypes are the response types a client with those grant types
// uses (RFC 7591 §2.1).
func responseTypes(grants []string) []string {
	for _, g := range grants {
		if g == tokenmint.GrantAuthorizationCode {
			return []string{ResponseTypeCode}
		}
	}
	return []string{}
}

// seconds is d in whole seconds, rounded up so that a lifetime never
// reads as 0 (the default) when it is not.
func seconds(d time.Duration) int64 {
	s := int64(d / time.Second)
	if d%time.Second > 0 {
		s++
	}
	return s
}

func nonNil(s []string) []string {
	return append([]string{}, s...) // [] rather than null, even for an empty s
}

func ptr[T any](v T) *T { return &v }

// OperatorOnlyScope reports whether scope is one of tokenmint's own
// ("tokenmint:admin", "tokenmint:clients:write", "tokenmint:register",
// ...): such scopes grant power over the server itself, so they may be
// given only to clients an operator creates with them, never through
// dynamic registration.
func OperatorOnlyScope(scope string) bool { return strings.HasPrefix(scope, "tokenmint:") }
