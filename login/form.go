package login

import (
	"errors"
	"mime"
	"net/http"
	"net/url"

	"github.com/tokenmint/tokenmint/grant"
)

// parseForm reads a bounded application/x-www-form-urlencoded body. On
// failure it has written an error page.
func (p *Pages) parseForm(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		p.errorPage(w, http.StatusUnsupportedMediaType, "Invalid request", "The form was not sent as a web form.")
		return nil, false
	}
	r.Body = http.MaxBytesReader(w, r.Body, p.cfg.MaxBodyBytes)
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			p.errorPage(w, http.StatusRequestEntityTooLarge, "Invalid request", "The form is too large.")
			return nil, false
		}
		p.errorPage(w, http.StatusBadRequest, "Invalid request", "The form could not be read.")
		return nil, false
	}
	return r.PostForm, true
}

// pageForm reads a form posted by one of the pages: bounded, no field
// repeated, and carrying this browser's CSRF token (else 403).
func (p *Pages) pageForm(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	form, ok := p.parseForm(w, r)
	if !ok {
		return nil, false
	}
	for _, v := range form {
		if len(v) > 1 {
			p.errorPage(w, http.StatusBadRequest, "Invalid request", "The form repeats a field.")
			return nil, false
		}
	}
	if !p.checkCSRF(r, form.Get("csrf_token")) {
		p.csrfFailed(w)
		return nil, false
	}
	return form, true
}

// csrfFailed answers a form that did not come from this site's page, or
// whose page is older than the browser's CSRF cookie.
func (p *Pages) csrfFailed(w http.ResponseWriter) {
	p.errorPage(w, http.StatusForbidden, "Form expired",
		"This form has expired or was not sent from this site. Go back to the application and sign in again.")
}

// pending verifies, decodes and validates again the authorization request
// a page carried in its hidden field. The field is signed, and whatever it
// says passes the same checks as a fresh GET, so a client deleted or
// changed since the page was shown is noticed.
func (p *Pages) pending(w http.ResponseWriter, r *http.Request, form url.Values) (grant.AuthorizeRequest, *grant.Authorization, bool) {
	req, ok := p.decodePending(form.Get("request"))
	if !ok {
		p.errorPage(w, http.StatusBadRequest, "Invalid request", "The sign-in form was altered. Go back to the application and sign in again.")
		return req, nil, false
	}
	a, ok := p.validate(w, r, req)
	return req, a, ok
}
