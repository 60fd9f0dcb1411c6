package login

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/httpapi"
	"github.com/tokenmint/tokenmint/oauth"
)

// decodeRequest decodes an authorization request's parameters, which a
// request object carries (RFC 9101 §6.3: then they are its only
// parameters, but for client_id, which must match) or the request a PAR
// request_uri names (RFC 9126 §4), when the request has either, and the
// query (or form) holds otherwise. Errors of a request object or
// request_uri are shown to the user: until the object verifies, its
// redirect_uri is not the client's word.
func (p *Pages) decodeRequest(r *http.Request, q url.Values, malformed bool) (grant.AuthorizeRequest, *decodeError) {
	hasReq, hasURI := q.Has("request"), q.Has("request_uri")
	if malformed || (!hasReq && !hasURI) {
		return decodeValues(q, malformed)
	}
	clientID := q.Get("client_id")
	fail := func(oe *oauth.Error) (grant.AuthorizeRequest, *decodeError) {
		return grant.AuthorizeRequest{ClientID: clientID}, &decodeError{err: oe}
	}
	switch {
	case len(q["request"]) > 1 || len(q["request_uri"]) > 1 || len(q["client_id"]) > 1:
		return fail(oauth.NewError(oauth.InvalidRequest, "request, request_uri or client_id is repeated"))
	case hasReq && hasURI:
		return fail(oauth.NewError(oauth.InvalidRequest, "send request or request_uri, not both (RFC 9101 §5)"))
	case clientID == "":
		return fail(oauth.NewError(oauth.InvalidRequest, "client_id is required beside request or request_uri (RFC 9101 §5)"))
	case hasURI && !strings.HasPrefix(q.Get("request_uri"), grant.RequestURIPrefix):
		// RFC 9101 §5.2: tokenmint fetches no request object by
		// reference; request_uri names only a pushed request.
		return fail(oauth.NewError(errRequestURINotSupported, "request_uri must be one the PAR endpoint issued; request objects are not fetched by reference"))
	case hasURI:
		return p.decodePushed(r, clientID, q.Get("request_uri"))
	}
	params, err := p.cfg.Engine.VerifyRequestObject(r.Context(), clientID, q.Get("request"))
	if err != nil {
		return fail(httpapi.AsOAuthError(r, p.log, err))
	}
	req, derr := decodeValues(params, false)
	req.Signed = true
	return req, derr
}

// decodePushed spends a request_uri and decodes the request it names.
func (p *Pages) decodePushed(r *http.Request, clientID, uri string) (grant.AuthorizeRequest, *decodeError) {
	enc, err := p.cfg.Engine.UsePushedRequest(r.Context(), clientID, uri)
	if err != nil {
		return grant.AuthorizeRequest{ClientID: clientID}, &decodeError{err: httpapi.AsOAuthError(r, p.log, err)}
	}
	q, err := url.ParseQuery(enc)
	if err != nil {
		p.log.ErrorContext(r.Context(), "stored pushed request does not decode", "client_id", clientID, "err", err)
		return grant.AuthorizeRequest{ClientID: clientID}, &decodeError{err: oauth.NewError(oauth.ServerError, "the pushed request could not be read")}
	}
	req, derr := decodeTrusted(q)
	req.Pushed = true
	return req, derr
}
