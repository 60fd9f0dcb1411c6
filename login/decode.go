package login

import (
	"crypto/hmac"
	"encoding/base64"
	"net/url"
	"slices"
	"strings"

	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/oauth"
)

// Error codes of OpenID Connect Core §3.1.2.6 that package oauth does not
// define.
const (
	errRequestNotSupported    = "request_not_supported"
	errRequestURINotSupported = "request_uri_not_supported"
)

// authorizeParams are the parameters of an authorization request tokenmint
// reads (RFC 6749 §4.1.1, RFC 7636 §4.3, OIDC Core §3.1.2.1), each with
// the field of grant.AuthorizeRequest it fills.
var authorizeParams = []struct {
	name  string
	field func(*grant.AuthorizeRequest) *string
}{
	{"response_type", func(r *grant.AuthorizeRequest) *string { return &r.ResponseType }},
	{"client_id", func(r *grant.AuthorizeRequest) *string { return &r.ClientID }},
	{"redirect_uri", func(r *grant.AuthorizeRequest) *string { return &r.RedirectURI }},
	{"scope", func(r *grant.AuthorizeRequest) *string { return &r.Scope }},
	{"state", func(r *grant.AuthorizeRequest) *string { return &r.State }},
	{"nonce", func(r *grant.AuthorizeRequest) *string { return &r.Nonce }},
	{"code_challenge", func(r *grant.AuthorizeRequest) *string { return &r.CodeChallenge }},
	{"code_challenge_method", func(r *grant.AuthorizeRequest) *string { return &r.CodeChallengeMethod }},
	{"response_mode", func(r *grant.AuthorizeRequest) *string { return &r.ResponseMode }},
	{"prompt", func(r *grant.AuthorizeRequest) *string { return &r.Prompt }},
	{"max_age", func(r *grant.AuthorizeRequest) *string { return &r.MaxAge }},
	{"id_token_hint", func(r *grant.AuthorizeRequest) *string { return &r.IDTokenHint }},
	{"dpop_jkt", func(r *grant.AuthorizeRequest) *string { return &r.DPoPJKT }}, // RFC 9449 §10
}

// paramResource is the resource indicator of RFC 8707 §2, the one
// parameter of an authorization request that may be repeated
// (grant.AuthorizeRequest.Resources).
const paramResource = "resource"

// decodeError is a request that could not be decoded. When trusted is
// true, client_id and redirect_uri were read unambiguously, so after they
// validate the error may be redirected to the client (RFC 6749 §4.1.2.1);
// otherwise it must be shown to the user.
type decodeError struct {
	err     *oauth.Error
	trusted bool
	// state is dropped when it was itself repeated.
	stateOK bool
}

// decodeAuthorize decodes the query (or form body) of an authorization
// request. Unknown parameters are ignored (RFC 6749 §3.1); a known
// parameter sent more than once is invalid_request ("Request and response
// parameters MUST NOT be included more than once"). On error the returned
// request still holds the first value of every parameter.
func decodeAuthorize(raw string) (grant.AuthorizeRequest, *decodeError) {
	q, err := url.ParseQuery(raw)
	return decodeValues(q, err != nil)
}

// decodeValues decodes parsed parameters; malformed reports that parsing
// them failed, so that they may be incomplete.
func decodeValues(q url.Values, malformed bool) (grant.AuthorizeRequest, *decodeError) {
	var req grant.AuthorizeRequest
	var repeated []string
	for _, p := range authorizeParams {
		if v := q[p.name]; len(v) > 0 {
			*p.field(&req) = v[0]
			if len(v) > 1 {
				repeated = append(repeated, p.name)
			}
		}
	}
	// RFC 8707 §2: resource may be repeated, one resource indicator each.
	req.Resources = q[paramResource]
	switch {
	case malformed:
		return req, &decodeError{err: oauth.NewError(oauth.InvalidRequest, "the request is not a valid URL query")}
	case len(repeated) > 0:
		trusted := !slices.Contains(repeated, "client_id") && !slices.Contains(repeated, "redirect_uri")
		return req, &decodeError{trusted: trusted, stateOK: !slices.Contains(repeated, "state"),
			err: oauth.NewError(oauth.InvalidRequest, "parameter %s is repeated", strings.Join(repeated, ", "))}
	case q.Has("request"):
		return req, &decodeError{trusted: true, stateOK: true,
			err: oauth.NewError(errRequestNotSupported, "request objects are not supported")}
	case q.Has("request_uri"):
		return req, &decodeError{trusted: true, stateOK: true,
			err: oauth.NewError(errRequestURINotSupported, "request_uri is not supported")}
	}
	return req, nil
}

// encodeAuthorize is the inverse of decodeAuthorize.
func encodeAuthorize(req grant.AuthorizeRequest) url.Values {
	q := url.Values{}
	for _, p := range authorizeParams {
		if v := *p.field(&req); v != "" {
			q.Set(p.name, v)
		}
	}
	if len(req.Resources) > 0 {
		q[paramResource] = req.Resources
	}
	return q
}

// pendingDialect is the parameter of a pending request that carries
// grant.AuthorizeRequest.Dialect. It is read only from a pending request
// this server signed, never from a client's query.
const pendingDialect = "dialect"

// encodePending serialises an authorization request for the hidden field
// of the login and consent forms, signed under CSRFKey: the field is
// validated again on submission anyway, but the dialect a request came
// through (which decides its PKCE rule) must not be something a browser
// can choose.
func (p *Pages) encodePending(req grant.AuthorizeRequest) string {
	enc := encodeTrusted(req).Encode()
	return base64.RawURLEncoding.EncodeToString(p.mac(labelPending, enc)) + "." + enc
}

// decodePending verifies and decodes a field made by encodePending.
func (p *Pages) decodePending(field string) (grant.AuthorizeRequest, bool) {
	sig, enc, found := strings.Cut(field, ".")
	// Strict: only the signature encodePending wrote, not the variants
	// that differ in the unused bits of the last character.
	got, err := base64.RawURLEncoding.Strict().DecodeString(sig)
	if !found || err != nil || !hmac.Equal(got, p.mac(labelPending, enc)) {
		return grant.AuthorizeRequest{}, false
	}
	q, err := url.ParseQuery(enc)
	if err != nil {
		return grant.AuthorizeRequest{}, false
	}
	req, derr := decodeTrusted(q)
	return req, derr == nil
}

// Parameters of a request this server encoded, beside pendingDialect:
// whether it came through PAR and whether from a request object
// (grant.AuthorizeRequest.Pushed, Signed). Read only from what the
// server wrote (a signed pending field, a stored pushed request).
const (
	trustedPushed = "tokenmint_pushed"
	trustedSigned = "tokenmint_signed"
)

// encodeTrusted encodes req with what the server decided about it.
func encodeTrusted(req grant.AuthorizeRequest) url.Values {
	q := encodeAuthorize(req)
	if req.Dialect != "" {
		q.Set(pendingDialect, req.Dialect)
	}
	if req.Pushed {
		q.Set(trustedPushed, "1")
	}
	if req.Signed {
		q.Set(trustedSigned, "1")
	}
	return q
}

// decodeTrusted is the inverse of encodeTrusted.
func decodeTrusted(q url.Values) (grant.AuthorizeRequest, *decodeError) {
	req, derr := decodeValues(q, false)
	req.Dialect = q.Get(pendingDialect)
	req.Pushed = q.Get(trustedPushed) == "1"
	req.Signed = q.Get(trustedSigned) == "1"
	return req, derr
}
