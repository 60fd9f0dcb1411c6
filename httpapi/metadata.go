package httpapi

import (
	"encoding/json"
	"net/http"
	"slices"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/grant"
)

// metadata builds the RFC 8414 §2 document, listing only what is served.
func (a *API) metadata() map[string]any {
	iss := a.cfg.Engine.Issuer()
	// Client authentication (RFC 8414 §2): the secret methods, JWT
	// assertions (RFC 7523, OIDC Core §9) and none, for public clients;
	// introspection only for confidential clients.
	auth := tokenmint.AuthMethods
	if !a.cfg.MutualTLS {
		auth = slices.DeleteFunc(slices.Clone(auth), func(m string) bool { return slices.Contains(tokenmint.MutualTLSMethods, m) })
	}
	confidential := slices.DeleteFunc(slices.Clone(auth), func(m string) bool { return m == tokenmint.AuthMethodNone })
	assertionAlgs := slices.Concat(tokenmint.AssertionAlgsAsymmetric, tokenmint.AssertionAlgsHMAC)
	m := map[string]any{
		"issuer":                                iss,
		"token_endpoint":                        iss + PathToken,
		"jwks_uri":                              iss + PathJWKS,
		"grant_types_supported":                 tokenmint.KnownGrantTypes,
		"token_endpoint_auth_methods_supported": auth,
		"token_endpoint_auth_signing_alg_values_supported":         assertionAlgs,
		"introspection_endpoint":                                   iss + PathIntrospect,
		"introspection_endpoint_auth_methods_supported":            confidential,
		"introspection_endpoint_auth_signing_alg_values_supported": assertionAlgs,
		// RFC 9701 §7: the algs of JWT introspection responses.
		"introspection_signing_alg_values_supported":            a.cfg.Engine.Keys().Algs(),
		"revocation_endpoint":                                   iss + PathRevoke,
		"revocation_endpoint_auth_methods_supported":            auth,
		"revocation_endpoint_auth_signing_alg_values_supported": assertionAlgs,
		"response_types_supported":                              []string{"code"},
		"response_modes_supported":                              []string{"query", "fragment", "form_post"},
		"code_challenge_methods_supported":                      []string{grant.PKCES256, grant.PKCEPlain},
		"scopes_supported":                                      []string{"openid", "profile", "email"},
		"userinfo_endpoint":                                     iss + PathUserInfo,
		"id_token_signing_alg_values_supported":                 []string{tokenmint.AlgRS256},
		"subject_types_supported":                               []string{"public"},
		"claims_supported":                                      []string{"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "name", "preferred_username", "email", "email_verified", "updated_at"},
		"access_token_signing_alg_values_supported":             a.cfg.Engine.Keys().Algs(),
		// OpenID Connect Discovery §3: request_uri_parameter_supported
		// defaults to true when omitted, so every one of these is said
		// rather than left to a default. Signed request objects are
		// taken by value (RFC 9101 §5.1); request_uri only names a
		// pushed request (RFC 9126), never an object to fetch, so
		// request_uri_parameter_supported stays false. The claims
		// parameter is ignored.
		"request_parameter_supported":                 true,
		"request_object_signing_alg_values_supported": grant.RequestObjectAlgs,
		"request_uri_parameter_supported":             false,
		"require_request_uri_registration":            false,
		"claims_parameter_supported":                  false,
		// RFC 9449 §5.1: DPoP proofs are accepted at the token endpoint
		// (and UserInfo), signed with these algorithms.
		"dpop_signing_alg_values_supported": a.cfg.Engine.DPoPAlgs(),
	}
	if a.cfg.Authorize {
		m["authorization_endpoint"] = iss + PathAuthorize
		m["end_session_endpoint"] = iss + PathLogout
		m["authorization_response_iss_parameter_supported"] = true
		// Defined by OpenID Connect Initiating User Registration 1.0.
		m["prompt_values_supported"] = grant.PromptValues()
		// RFC 9126 §5: the PAR endpoint, and whether every request must
		// come through it (serve --require-pushed-authorization-requests).
		m["pushed_authorization_request_endpoint"] = iss + PathPAR
		m["require_pushed_authorization_requests"] = a.cfg.Engine.RequirePushedRequests()
	}
	// RFC 8628 §4: the device authorization endpoint, always served
	// (its grant type is in grant_types_supported).
	m["device_authorization_endpoint"] = iss + PathDeviceAuthorization
	if a.cfg.Register {
		m["registration_endpoint"] = iss + PathRegister // RFC 8414 §2, OIDC Discovery §3
	}
	if a.cfg.MutualTLS {
		a.mtlsMetadata(m)
	}
	return m
}

// mtlsMetadata adds what mutual TLS serves (RFC 8705 §3.3, §5):
// certificate-bound access tokens, and the endpoints that take client
// certificates, at MTLSBaseURL (a host whose proxy asks for them) or the
// issuer's own URLs (the server asks on every connection).
func (a *API) mtlsMetadata(m map[string]any) {
	m["tls_client_certificate_bound_access_tokens"] = true
	base := a.cfg.MTLSBaseURL
	if base == "" {
		base = a.cfg.Engine.Issuer()
	}
	aliases := map[string]string{
		"token_endpoint":         base + PathToken,
		"introspection_endpoint": base + PathIntrospect,
		"revocation_endpoint":    base + PathRevoke,
		"userinfo_endpoint":      base + PathUserInfo,
		// RFC 8628: it authenticates clients as the token endpoint does.
		"device_authorization_endpoint": base + PathDeviceAuthorization,
	}
	if a.cfg.Authorize { // RFC 9126: PAR authenticates clients too
		aliases["pushed_authorization_request_endpoint"] = base + PathPAR
	}
	m["mtls_endpoint_aliases"] = aliases
}

// ASMetadata serves the authorization server metadata (RFC 8414 §3).
func (a *API) ASMetadata(w http.ResponseWriter, r *http.Request) { a.writeMetadata(w) }

// OIDCMetadata serves the OpenID Provider metadata (OpenID Connect
// Discovery 1.0 §4): the same document.
func (a *API) OIDCMetadata(w http.ResponseWriter, r *http.Request) { a.writeMetadata(w) }

// writeMetadata serves the metadata; it is public and cacheable briefly.
func (a *API) writeMetadata(w http.ResponseWriter) {
	body, err := json.Marshal(a.metadata())
	if err != nil {
		http.Error(w, "metadata unavailable", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write(body)
}
