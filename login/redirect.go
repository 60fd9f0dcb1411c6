package login

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/httpapi"
	"github.com/tokenmint/tokenmint/oauth"
)

// responseURI adds params to the redirect URI in the response mode: the
// query component, keeping any query the URI was registered with (RFC
// 6749 §4.1.2), or the fragment (OAuth 2.0 Multiple Response Types §2.1).
// Registered redirect URIs never carry a fragment (§3.1.2).
func responseURI(redirectURI, mode string, params url.Values) string {
	enc := params.Encode()
	if mode == "fragment" {
		return redirectURI + "#" + enc
	}
	switch {
	case !strings.Contains(redirectURI, "?"):
		return redirectURI + "?" + enc
	case strings.HasSuffix(redirectURI, "?"), strings.HasSuffix(redirectURI, "&"):
		return redirectURI + enc
	}
	return redirectURI + "&" + enc
}

// redirectCode sends the authorization response (RFC 6749 §4.1.2) with
// the issuer identifier of RFC 9207 §2.
func (p *Pages) redirectCode(w http.ResponseWriter, r *http.Request, a *grant.Authorization, code string) {
	params := url.Values{"code": {code}, "iss": {p.cfg.Engine.Issuer()}}
	if a.State != "" {
		params.Set("state", a.State)
	}
	p.respond(w, r, a.RedirectURI, a.ResponseMode, params)
}

// redirectError sends an error response to the client (RFC 6749
// §4.1.2.1). An error that is not an *oauth.Error is logged and becomes
// server_error or temporarily_unavailable, without its detail.
func (p *Pages) redirectError(w http.ResponseWriter, r *http.Request, a *grant.Authorization, err error) {
	p.redirectOAuthError(w, r, a.RedirectURI, a.ResponseMode, a.State, httpapi.AsOAuthError(r, p.log, err))
}

func (p *Pages) redirectOAuthError(w http.ResponseWriter, r *http.Request, uri, mode, state string, oe *oauth.Error) {
	params := url.Values{"error": {oe.Code}, "iss": {p.cfg.Engine.Issuer()}}
	if oe.Description != "" {
		params.Set("error_description", oe.Description)
	}
	if state != "" {
		params.Set("state", state)
	}
	p.respond(w, r, uri, mode, params)
}

// respond sends an authorization response in its response mode: a
// redirect with the parameters in the query or fragment, or the page of
// response_mode=form_post that posts them (formPost).
func (p *Pages) respond(w http.ResponseWriter, r *http.Request, uri, mode string, params url.Values) {
	if mode == "form_post" {
		p.formPost(w, uri, params)
		return
	}
	p.redirect(w, r, responseURI(uri, mode, params))
}

// redirect answers 303 to a POST, so the browser follows with a GET (RFC
// 9110 §15.4.4), and 302 to a GET as RFC 6749 §4.1.2 shows.
func (p *Pages) redirect(w http.ResponseWriter, r *http.Request, uri string) {
	noStore(w.Header())
	status := http.StatusFound
	if r.Method == http.MethodPost {
		status = http.StatusSeeOther
	}
	w.Header().Set("Location", uri)
	w.WriteHeader(status)
}

// noStore marks a response as uncacheable: it carries a code, a session
// or a form bound to one.
func noStore(h http.Header) {
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	h.Set("Referrer-Policy", "no-referrer")
}
