package login

import (
	"net/http"
	"net/url"

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
// carries a request object, its parameters alone (RFC 9126 §3, RFC 9101
// §6.3). A request_uri is refused (RFC 9126 §2.1).
func (p *Pages) pushedParams(r *http.Request, form url.Values, clientID string) (grant.AuthorizeRequest, error) {
	switch {
	case form.Has("request_uri"):
		return grant.AuthorizeRequest{}, oauth.NewError(oauth.InvalidRequest, "request_uri is not allowed at the PAR endpoint (RFC 9126 §2.1)")
	case len(form["request"]) > 1:
		return grant.AuthorizeRequest{}, oauth.NewError(oauth.InvalidRequest, "parameter request is repeated")
	case form.Has("client_id") && form.Get("client_id") != clientID:
		return grant.AuthorizeRequest{}, oauth.NewError(oauth.InvalidRequest, "client_id differs from the authenticated client (RFC 9126 §2.1)")
	}
	signed := form.Has("request")
	if signed {
		params, err := p.cfg.Engine.VerifyRequestObject(r.Context(), clientID, form.Get("request"))
		if err != nil {
			return grant.AuthorizeRequest{}, err
		}
		form = params
	} else {
		for _, k := range clientAuthParams {
			form.Del(k)
		}
	}
	req, derr := decodeValues(form, false)
	if derr != nil {
		return req, derr.err
	}
	req.Signed = signed
	return req, nil
}
