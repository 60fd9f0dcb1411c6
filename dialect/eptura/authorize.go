package eptura

import (
	"bytes"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/login"
)

// required are the article's five query parameters of the authorization
// page, in its order.
var required = []string{"response_type", "client_id", "redirect_uri", "scope", "state"}

// optional parameters passed through to the flow when present: PKCE, for
// apps that use it (RFC 7636 §4.3), and nonce.
var optional = []string{"code_challenge", "code_challenge_method", "nonce"}

// authorize serves the authorization page, /login.html. "The login.html
// site will not work correctly if you do not provide the 5 query
// parameters": a request lacking any of them (or repeating one) gets an
// error page naming them, shown to the person and never redirected.
// Otherwise the request runs the browser flow of package login, with the
// code returned "in the hash parameter" (response_mode=fragment, OAuth 2.0
// Multiple Response Type Encoding Practices §2.1). Only clients created
// with --profile eptura are served here, and PKCE is required of public
// ones unless they were also created with --allow-no-pkce, the article's
// flow having none (grant.AuthorizeRequest.Dialect). response_type=code
// itself, the client, the registered redirect URI and the scopes are
// checked by the engine like at the standard endpoint.
func (h *handler) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if missing, repeated := checkParams(q); len(missing)+len(repeated) > 0 {
		h.badLink(w, missing, repeated)
		return
	}
	h.d.Login.Authorize(w, r, grant.AuthorizeRequest{
		ResponseType:        q.Get("response_type"),
		ClientID:            q.Get("client_id"),
		RedirectURI:         q.Get("redirect_uri"),
		Scope:               q.Get("scope"),
		State:               q.Get("state"),
		CodeChallenge:       q.Get("code_challenge"),
		CodeChallengeMethod: q.Get("code_challenge_method"),
		Nonce:               q.Get("nonce"),
		ResponseMode:        "fragment",
		Dialect:             Name,
	})
}

// checkParams lists the required parameters that are missing or empty,
// and the parameters sent more than once (RFC 6749 §3.1: "MUST NOT be
// included more than once").
func checkParams(q url.Values) (missing, repeated []string) {
	for _, name := range required {
		if q.Get(name) == "" {
			missing = append(missing, name)
		}
	}
	for _, name := range slices.Concat(required, optional) {
		if len(q[name]) > 1 {
			repeated = append(repeated, name)
		}
	}
	return missing, repeated
}

var badLinkPage = template.Must(template.New("bad").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Invalid sign-in link</title>
<link rel="stylesheet" href="{{.Stylesheet}}">
</head>
<body>
<main class="card">
<h1>Invalid sign-in link</h1>
{{with .Missing}}<p class="error" role="alert">The link that brought you here lacks the parameter{{if gt (len .) 1}}s{{end}} {{range $i, $p := .}}{{if $i}}, {{end}}<code>{{$p}}</code>{{end}}.</p>{{end}}
{{with .Repeated}}<p class="error" role="alert">The link that brought you here repeats the parameter{{if gt (len .) 1}}s{{end}} {{range $i, $p := .}}{{if $i}}, {{end}}<code>{{$p}}</code>{{end}}.</p>{{end}}
<p>This sign-in page needs all five of <code>response_type=code</code>, <code>client_id</code>, <code>redirect_uri</code>, <code>scope</code> and <code>state</code>, once each. You can close this page and tell the application's developers.</p>
</main>
</body>
</html>
`))

// badLink renders the error page of an incomplete authorization link,
// with the hardening headers of the login pages: no script, styles from
// this origin only, never framed, never cached.
func (h *handler) badLink(w http.ResponseWriter, missing, repeated []string) {
	var buf bytes.Buffer
	data := struct {
		Stylesheet        string
		Missing, Repeated []string
	}{h.base() + login.PathStylesheet, missing, repeated}
	if err := badLinkPage.Execute(&buf, data); err != nil {
		h.d.Log().Error("render eptura error page", "err", err)
		http.Error(w, "invalid sign-in link", http.StatusBadRequest)
		return
	}
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusBadRequest)
	w.Write(buf.Bytes())
}

// base is the path of the issuer, under which the login stylesheet is
// served.
func (h *handler) base() string {
	u, err := url.Parse(h.d.Engine.Issuer())
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(u.EscapedPath(), "/")
}
