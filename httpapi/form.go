package httpapi

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/oauth"
)

// ParseForm reads an application/x-www-form-urlencoded POST body (RFC 6749
// §3.2) of at most maxBytes. It refuses another content type, an
// oversized body (413), parameters repeated (§3.2: "MUST NOT be included
// more than once"; but resource, which RFC 8707 §2 lets a client repeat)
// and parameters in the query string, where secrets would end up in logs.
// The body is read through http.MaxBytesReader, which also closes the
// connection after a 413.
func ParseForm(w http.ResponseWriter, r *http.Request, maxBytes int64) (url.Values, error) {
	if r.Method != http.MethodPost {
		return nil, &oauth.Error{Code: oauth.InvalidRequest, Description: "use POST", Status: http.StatusMethodNotAllowed}
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, &oauth.Error{Code: oauth.InvalidRequest, Description: "Content-Type must be application/x-www-form-urlencoded", Status: http.StatusUnsupportedMediaType}
	}
	if r.URL.RawQuery != "" {
		return nil, oauth.NewError(oauth.InvalidRequest, "parameters belong in the request body, not the query string")
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBytes)
	form, err := readForm(r)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, &oauth.Error{Code: oauth.InvalidRequest, Description: "request body too large", Status: http.StatusRequestEntityTooLarge}
		}
		return nil, oauth.NewError(oauth.InvalidRequest, "malformed form body")
	}
	for k, v := range form {
		if len(v) > 1 && k != ParamResource {
			return nil, oauth.NewError(oauth.InvalidRequest, "parameter %q is repeated", truncate(k))
		}
	}
	return form, nil
}

// ParamResource is the resource indicator parameter of RFC 8707 §2, the
// one parameter a request may repeat.
const ParamResource = "resource"

// readForm decodes the body with url.ParseQuery and sets r.PostForm and
// r.Form, as (*http.Request).ParseForm does for a POST without a query
// string, and as it returns the form read first on a second call. It
// skips what ParseForm adds for the general case (the media type parsed
// again, the query string parsed, r.Form built as a copy of r.PostForm):
// BENCHMARKS.md, "Standard library over hand-written code (issue 14)".
func readForm(r *http.Request) (url.Values, error) {
	if r.PostForm != nil {
		return r.PostForm, nil
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	form, err := url.ParseQuery(string(b))
	if err != nil {
		return nil, err
	}
	r.PostForm, r.Form = form, form
	return form, nil
}

// ClientCredentials extracts client authentication from HTTP Basic (RFC
// 6749 §2.3.1, with the form-urlencoding it prescribes), from the body
// (client_secret_post), or from a client_assertion (RFC 7521 §4.2:
// private_key_jwt and client_secret_jwt), refusing two at once (§2.3:
// "MUST NOT use more than one authentication method in each request").
// An assertion's credentials carry the request's path, which its aud may
// name. The client's TLS certificate, if any (ClientCertificate), comes
// along: the mutual-TLS methods (RFC 8705 §2) send client_id alone.
func ClientCredentials(r *http.Request, form url.Values) (grant.Credentials, error) {
	cred, err := clientCredentials(r, form)
	if err != nil {
		return cred, err
	}
	cred.Certificate, err = ClientCertificate(r)
	return cred, err
}

func clientCredentials(r *http.Request, form url.Values) (grant.Credentials, error) {
	id, secret, hasBasic := r.BasicAuth()
	bodyID, bodySecret := form.Get("client_id"), form.Get("client_secret")
	if form.Has("client_assertion") || form.Has("client_assertion_type") {
		return assertionCredentials(r, form, hasBasic)
	}
	if hasBasic {
		if bodySecret != "" {
			return grant.Credentials{}, &oauth.Error{Code: oauth.InvalidRequest, Description: "use one client authentication method: HTTP Basic or client_secret in the body, not both", Basic: true}
		}
		uid, err1 := url.QueryUnescape(id)
		usecret, err2 := url.QueryUnescape(secret)
		if err1 != nil || err2 != nil {
			return grant.Credentials{}, &oauth.Error{Code: oauth.InvalidClient, Description: "malformed Basic credentials", Basic: true}
		}
		if bodyID != "" && bodyID != uid {
			return grant.Credentials{}, &oauth.Error{Code: oauth.InvalidRequest, Description: "client_id in the body differs from the Basic credentials", Basic: true}
		}
		return grant.Credentials{ID: uid, Secret: usecret, Method: grant.AuthBasic}, nil
	}
	if r.Header.Get("Authorization") != "" {
		return grant.Credentials{}, &oauth.Error{Code: oauth.InvalidClient, Description: "unsupported Authorization scheme for client authentication; use Basic", Basic: true}
	}
	if bodySecret != "" {
		return grant.Credentials{ID: bodyID, Secret: bodySecret, Method: grant.AuthPost}, nil
	}
	return grant.Credentials{ID: bodyID, Method: grant.AuthNone}, nil
}

// assertionCredentials reads a client assertion (RFC 7521 §4.2):
// client_assertion_type and client_assertion together, client_id
// optional, and no other client credential.
func assertionCredentials(r *http.Request, form url.Values, hasBasic bool) (grant.Credentials, error) {
	switch {
	case hasBasic || r.Header.Get("Authorization") != "" || form.Get("client_secret") != "":
		return grant.Credentials{}, &oauth.Error{Code: oauth.InvalidRequest, Basic: hasBasic,
			Description: "use one client authentication method: a client_assertion, HTTP Basic or client_secret, not two"}
	case form.Get("client_assertion") == "" || form.Get("client_assertion_type") == "":
		return grant.Credentials{}, oauth.NewError(oauth.InvalidRequest, "client_assertion and client_assertion_type go together (RFC 7521 §4.2)")
	}
	return grant.Credentials{
		ID:            form.Get("client_id"),
		Method:        grant.AuthAssertion,
		AssertionType: form.Get("client_assertion_type"),
		Assertion:     form.Get("client_assertion"),
		Endpoint:      r.URL.Path,
	}, nil
}

// MissingBearerDescription marks a request that carried no token at all.
const MissingBearerDescription = "an access token is required"

// BearerToken extracts an RFC 6750 §2.1 bearer token from the
// Authorization header (the only method tokenmint accepts: query and body
// tokens leak into logs and caches).
func BearerToken(r *http.Request) (string, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", &oauth.Error{Code: oauth.InvalidToken, Description: MissingBearerDescription, Status: http.StatusUnauthorized}
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" || strings.ContainsAny(tok, " \t") {
		return "", &oauth.Error{Code: oauth.InvalidRequest, Description: "Authorization must be: Bearer <token>", Status: http.StatusBadRequest}
	}
	return tok, nil
}

func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
