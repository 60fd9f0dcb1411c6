package login

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/tokenmint/tokenmint/brand"
	"github.com/tokenmint/tokenmint/oauth"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static/login.css
var stylesheet []byte

// templates are parsed once; html/template escapes every value by
// context, so client names, scopes and usernames cannot inject markup.
var templates = template.Must(template.ParseFS(templateFS, "templates/*.html"))

// page is what every template renders.
type page struct {
	Title      string
	Stylesheet string
	Action     string // form target
	Client     string // client display name
	Scopes     []scopeView
	Request    string // the encoded authorization request
	CSRF       string
	Username   string
	Error      string
	Message    string
	UserCode   string // the device flow's user code (RFC 8628), as shown
	// The operator's brand (Config.Brand): its name, and its logo's URL
	// when there is one.
	BrandName string
	LogoURL   string
	// The consent page's destination: the redirect URI's host, and the
	// link that signs in as someone else ("Not you?").
	RedirectHost string
	SwitchUser   string
}

type scopeView struct{ Name, Description string }

// scopeDescriptions say in words what the standard scopes release (OIDC
// Core §5.4).
var scopeDescriptions = map[string]string{
	"openid":         "Confirm your identity",
	"profile":        "See your name and username",
	"email":          "See your email address",
	"offline_access": "Keep access while you are away",
}

func scopeViews(scopes []string) []scopeView {
	out := make([]scopeView, 0, len(scopes))
	for _, s := range scopes {
		d, ok := scopeDescriptions[s]
		if !ok {
			d = "Use the scope"
		}
		out = append(out, scopeView{Name: s, Description: d})
	}
	return out
}

// render writes a page with the security headers every HTML response
// carries. redirectURI, when set, is where a form on the page may end up
// after the server's redirect, and is allowed in form-action.
func (p *Pages) render(w http.ResponseWriter, status int, name string, data *page, redirectURI string) {
	data.Stylesheet = p.base + PathStylesheet
	data.BrandName = p.cfg.Brand.DisplayName()
	if p.cfg.Brand.HasLogo() {
		data.LogoURL = p.base + PathLogo
	}
	var buf bytes.Buffer
	if err := templates.ExecuteTemplate(&buf, name, data); err != nil {
		p.log.Error("render page", "template", name, "err", err)
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString("<!doctype html><title>Error</title><p>The page could not be shown.</p>")
	}
	h := w.Header()
	setPageHeaders(h, redirectURI)
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// setPageHeaders sets the hardening headers of an HTML page: no script
// at all, styles only from this origin, never framed (clickjacking, RFC
// 9700 §4.16), never cached, no Referer leaking the request's query.
//
// form-action lists the redirect URI's origin beside 'self' because
// Chromium applies form-action to the redirects that follow a form
// submission, and a successful sign-in answers with a redirect to the
// client.
func setPageHeaders(h http.Header, redirectURI string) {
	formAction := "'self'"
	if src := cspSource(redirectURI); src != "" {
		formAction += " " + src
	}
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; form-action "+formAction+
		"; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	noStore(h)
}

// cspSource turns a redirect URI into a CSP source expression (CSP3
// §2.3.1): its origin for http and https, its scheme for a private-use
// scheme (RFC 8252 §7.1). It returns "" for anything it cannot express
// safely, so no attacker-influenced byte reaches the header unchecked.
func cspSource(uri string) string {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme == "" || !cspSafe(u.Scheme, false) {
		return ""
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return scheme + ":"
	}
	if u.Host == "" || !cspSafe(u.Host, true) {
		return ""
	}
	return scheme + "://" + strings.ToLower(u.Host)
}

// cspSafe allows letters, digits and the few punctuation marks of schemes
// and hosts (with ports and IPv6 brackets).
func cspSafe(s string, host bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '-', c == '+':
		case host && (c == ':' || c == '[' || c == ']'):
		default:
			return false
		}
	}
	return true
}

// errorPage shows an error to the person in the browser, for failures
// that must not (or cannot) be redirected to the client.
func (p *Pages) errorPage(w http.ResponseWriter, status int, title, msg string) {
	p.render(w, status, "message", &page{Title: title, Error: msg}, "")
}

// oauthErrorPage shows an authorization request error that cannot go to
// the client (bad client_id or redirect_uri, RFC 6749 §4.1.2.1).
func (p *Pages) oauthErrorPage(w http.ResponseWriter, oe *oauth.Error) {
	status := oe.HTTPStatus()
	if oe.Code == oauth.InvalidClient {
		status = http.StatusBadRequest // no client authentication happened here
	}
	if status >= 500 {
		p.errorPage(w, status, "Service unavailable", "The sign-in service could not handle the request. Please try again in a moment.")
		return
	}
	p.errorPage(w, status, "Invalid sign-in request",
		"The application sent an invalid sign-in request ("+oe.Code+": "+oe.Description+"). You can close this page and tell the application's developers.")
}

// Stylesheet serves the one stylesheet the pages use, in tokenmint's
// own colours.
func Stylesheet(w http.ResponseWriter, r *http.Request) {
	serveCSS(w, brand.Brand{}.CSS(), stylesheet)
}

// Stylesheet serves the one stylesheet the pages use, in the brand's
// colour (Config.Brand).
func (p *Pages) Stylesheet(w http.ResponseWriter, r *http.Request) {
	serveCSS(w, p.cfg.Brand.CSS(), stylesheet)
}

// Logo serves the brand's logo (404 without one).
func (p *Pages) Logo(w http.ResponseWriter, r *http.Request) { p.cfg.Brand.ServeLogo(w, r) }

func serveCSS(w http.ResponseWriter, parts ...[]byte) {
	h := w.Header()
	h.Set("Content-Type", "text/css; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=3600")
	h.Set("X-Content-Type-Options", "nosniff")
	for _, b := range parts {
		w.Write(b)
	}
}
