package login

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/httpapi"
	"github.com/tokenmint/tokenmint/oauth"
)

// clientAuthParams are the form parameters of client authentication,
// which are not authorization request parameters (RFC 9126 §2.1).
var clientAuthParams = []string{"client_secret", "client_assertion", "client_assertion_type"}

// parBody is the PAR endpoint's answer (RFC 9126 §2.2).
type parBody struct {
	RequestURI string `json:"request_uri"`
	ExpiresIn  int64  `json:"expires_in"`
}

// PushedAuthorization serves the PAR endpoint (RFC 9126 §2): the client
// authenticates as at the token endpoint, the authorization request (the
// form's parameters, or a request object's, §3) is validated as the
// authorization endpoint would, and the answer is 201 with a
// request_uri to send the browser with. Errors are RFC 6749 §5.2 JSON
// (§2.3).
func (p *Pages) PushedAuthorization(w http.ResponseWriter, r *http.Request) {
	form, err := httpapi.ParseForm(w, r, p.cfg.MaxBodyBytes)
	if err != nil {
		httpapi.WriteError(w, r, p.log, err)
		return
	}
	cred, err := httpapi.ClientCredentials(r, form)
	if err != nil {
		httpapi.WriteError(w, r, p.log, err)
		return
	}
	c, err := p.cfg.Engine.AuthenticateClient(r.Context(), cred)
	if err != nil {
		httpapi.WriteError(w, r, p.log, err)
		return
	}
	req, err := p.pushedParams(r, form, c.ID)
	if err != nil {
		httpapi.WriteError(w, r, p.log, err)
		return
	}
	pushed, err := p.cfg.Engine.PushAuthorization(r.Context(), c, req, func(a grant.AuthorizeRequest) string { return encodeTrusted(a).Encode() })
	if err != nil {
		httpapi.WriteError(w, r, p.log, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusCreated, parBody{RequestURI: pushed.RequestURI, ExpiresIn: int64(pushed.ExpiresIn.Seconds())})
}

// pushedParams decodes the authorization request of a PAR body: the
// form's parameters but client authentication's, or, when the body
// carries a request object, its parameters alone, once verified (RFC 9126
// §3, RFC 9101 §6.3).
func (p *Pages) pushedParams(r *http.Request, form url.Values, clientID string) (grant.AuthorizeRequest, error) {
	req, object, err := decodePushed(form, clientID)
	if err != nil || object == "" {
		return req, err
	}
	params, err := p.cfg.Engine.VerifyRequestObject(r.Context(), clientID, object)
	if err != nil {
		return grant.AuthorizeRequest{}, err
	}
	req, derr := decodeValues(params, false)
	if derr != nil {
		return req, derr.err
	}
	req.Signed = true
	return req, nil
}

// decodePushed is the PAR request decoder: the authorization request of
// the form, or the request object to verify instead. A request_uri is
// refused (RFC 9126 §2.1), as is a client_id other than the
// authenticated client's.
func decodePushed(form url.Values, clientID string) (grant.AuthorizeRequest, string, error) {
	switch {
	case form.Has("request_uri"):
		return grant.AuthorizeRequest{}, "", oauth.NewError(oauth.InvalidRequest, "request_uri is not allowed at the PAR endpoint (RFC 9126 §2.1)")
	case len(form["request"]) > 1 || len(form["client_id"]) > 1:
		return grant.AuthorizeRequest{}, "", oauth.NewError(oauth.InvalidRequest, "parameter request or client_id is repeated")
	case form.Has("client_id") && form.Get("client_id") != clientID:
		return grant.AuthorizeRequest{}, "", oauth.NewError(oauth.InvalidRequest, "client_id differs from the authenticated client (RFC 9126 §2.1)")
	case form.Has("request"):
		return grant.AuthorizeRequest{ClientID: clientID}, form.Get("request"), nil
	}
	q := url.Values{}
	for k, v := range form {
		if !slices.Contains(clientAuthParams, k) {
			q[k] = v
		}
	}
	req, derr := decodeValues(q, false)
	if derr != nil {
		return req, "", derr.err
	}
	return req, "", nil
}
