package login

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"
	"slices"
)

// formPostScript submits the form_post page's form as soon as it loads.
// It is the only script tokenmint serves, allowed by its hash alone
// (CSP3 §8.3 hash-source), so that the pages' policy keeps refusing every
// other script; without script, the page's <noscript> button submits the
// same form.
const formPostScript = `document.getElementById("response").submit();`

// formPostScriptSource is formPostScript's CSP hash-source.
var formPostScriptSource = func() string {
	sum := sha256.Sum256([]byte(formPostScript))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}()

type formField struct{ Name, Value string }

// formPostPage is what the form_post template renders.
type formPostPage struct {
	page
	Fields []formField
	Script template.JS
}

// formPost answers in the response mode of OAuth 2.0 Form Post Response
// Mode §2: an HTML page whose form posts params to the redirect URI,
// submitted by script on load, or by the person where scripts do not run.
// The redirect URI must not carry the parameters in its query (§2), and
// a registered one's query stays in the form's action.
func (p *Pages) formPost(w http.ResponseWriter, redirectURI string, params url.Values) {
	data := formPostPage{page: page{Title: "Returning to the application", Stylesheet: p.base + PathStylesheet, Action: redirectURI},
		Script: template.JS(formPostScript)}
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range params {
			if !yield(k) {
				return
			}
		}
	}) {
		for _, v := range params[k] {
			data.Fields = append(data.Fields, formField{k, v})
		}
	}
	var buf bytes.Buffer
	if err := templates.ExecuteTemplate(&buf, "form_post", &data); err != nil {
		p.log.Error("render page", "template", "form_post", "err", err)
		p.errorPage(w, http.StatusInternalServerError, "Error", "The page could not be shown.")
		return
	}
	h := w.Header()
	setFormPostHeaders(h, redirectURI)
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	w.Write(buf.Bytes())
}

// setFormPostHeaders are setPageHeaders' with the one script allowed by
// its hash, and form-action the redirect URI's origin alone: the page's
// only form goes there.
func setFormPostHeaders(h http.Header, redirectURI string) {
	formAction := cspSource(redirectURI)
	if formAction == "" {
		formAction = "'none'"
	}
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; script-src "+formPostScriptSource+
		"; form-action "+formAction+"; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	noStore(h)
}
