package console

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/registry"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static/console.css
var stylesheetCSS []byte

//go:embed static/console.js
var scriptJS []byte

var templates = template.Must(template.New("").Funcs(template.FuncMap{
	"time":         formatTime,
	"contains":     func(list []string, v string) bool { return containsString(list, v) },
	"join":         strings.Join,
	"graceText":    graceText,
	"graceChoices": func() []int64 { return graceChoices },
	"chartHeight":  func() int { return chartHeight },
}).ParseFS(templateFS, "templates/*.html"))

// view is what every template renders: the layout's data, and the page's
// own in Data.
type view struct {
	site   *site
	viewer *viewer
	Title  string
	// Notice is a success message; Error a failure shown at the top (the
	// form's fields keep what was typed, and Fields says which was wrong).
	Notice string
	Error  string
	Fields map[string]string
	Link   *link // a way on from a message page
	Data   any
}

type link struct{ Href, Text string }

// Base is the site's path, for links and form actions.
func (v *view) Base() string { return v.site.base }

// Operator reports whether this is the operator console.
func (v *view) Operator() bool { return v.site.operator }

// User is the signed-in user, or nil.
func (v *view) User() *tokenmint.User {
	if v.viewer == nil {
		return nil
	}
	return &v.viewer.User
}

// CSRF is the CSRF token every form of the page carries.
func (v *view) CSRF() string {
	if v.viewer == nil {
		return ""
	}
	return v.viewer.csrf
}

// FieldError is the error message of one form field ("" when none).
func (v *view) FieldError(name string) string { return v.Fields[name] }

// brandView is the brand as the layout shows it.
type brandView struct {
	Name    string
	LogoURL string
}

type layout struct {
	*view
	Brand brandView
}

// render writes a page with the headers every page carries.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, name string, v *view) {
	data := layout{view: v, Brand: brandView{Name: c.cfg.Brand.DisplayName()}}
	if c.cfg.Brand.HasLogo() {
		data.Brand.LogoURL = v.site.base + "/static/logo"
	}
	var buf bytes.Buffer
	if err := templates.ExecuteTemplate(&buf, name, data); err != nil {
		c.log.ErrorContext(r.Context(), "console: render page", "template", name, "err", err)
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString("<!doctype html><title>Error</title><p>The page could not be shown.</p>")
	}
	h := w.Header()
	c.setHeaders(h)
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// setHeaders sets the hardening headers of a page: scripts and styles
// only from this origin (no inline script or style), images from here
// (the logo), forms posted here or to the issuer (sign-out continues
// there), never framed, never cached, no Referer.
func (c *Console) setHeaders(h http.Header) {
	formAction := "'self'"
	if c.issuer.Scheme != "" && c.issuer.Host != "" {
		formAction += " " + c.issuer.Scheme + "://" + c.issuer.Host
	}
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "+
		"form-action "+formAction+"; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
}

// message renders a page of one message.
func (c *Console) message(w http.ResponseWriter, r *http.Request, s *site, status int, title, msg string) {
	c.render(w, r, status, "message", &view{site: s, Title: title, Error: msg})
}

// notFound is the answer for a client, user or app the viewer may not
// see: the same whether it does not exist or belongs to someone else.
func (c *Console) notFound(w http.ResponseWriter, r *http.Request, s *site, v *viewer, what string) {
	c.render(w, r, http.StatusNotFound, "message", &view{site: s, viewer: v, Title: "Not found",
		Error: "There is no " + what + " with this ID that you can see.", Link: &link{Href: s.base + "/", Text: "Back"}})
}

// failed answers an error of the store or of validation: a validation
// error's message is the person's to read; anything else is logged and
// shown as a failure with nothing internal in it.
func (c *Console) failed(w http.ResponseWriter, r *http.Request, s *site, err error) {
	status, msg := http.StatusServiceUnavailable, "The server could not complete the request. Please try again in a moment."
	switch {
	case errors.Is(err, registry.ErrInvalid):
		status, msg = http.StatusBadRequest, err.Error()
	case errors.Is(err, tokenmint.ErrNotFound):
		status, msg = http.StatusNotFound, "It no longer exists."
	case errors.Is(err, tokenmint.ErrConflict):
		status, msg = http.StatusConflict, "It conflicts with one that exists (an ID or name already taken)."
	default:
		c.log.ErrorContext(r.Context(), "console: request failed", "path", r.URL.Path, "err", err)
	}
	c.render(w, r, status, "message", &view{site: s, Title: "Not done", Error: msg, Link: &link{Href: s.base + "/", Text: "Back"}})
}

// stylesheet serves the console's stylesheet in the brand's colour.
func (c *Console) stylesheet(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/css; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=3600")
	h.Set("X-Content-Type-Options", "nosniff")
	w.Write(c.cfg.Brand.CSS())
	w.Write(stylesheetCSS)
}

// script serves the one script: progressive enhancement only.
func script(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=3600")
	h.Set("X-Content-Type-Options", "nosniff")
	w.Write(scriptJS)
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

func containsString(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

// plural is "1 thing" or "N things".
func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
