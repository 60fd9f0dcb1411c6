package login

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Cookie names. Over https each carries the __Host- prefix, which makes
// the browser refuse it unless it is Secure, has Path=/ and no Domain, so
// a sibling subdomain cannot plant one (RFC 6265bis §4.1.3.2).
const (
	SessionCookie = "tokenmint_session"
	CSRFCookie    = "tokenmint_csrf"
	ConsentCookie = "tokenmint_consent"
)

// Domain-separation labels of the HMACs computed under CSRFKey.
const (
	labelCSRF    = "tokenmint csrf v1"
	labelConsent = "tokenmint consent v1"
	labelPending = "tokenmint pending authorization v1"
)

// maxConsents bounds the remembered consents of one browser session, so
// the cookie stays far below the 4 KiB browsers keep.
const maxConsents = 16

// cookieName applies the __Host- prefix over https.
func (p *Pages) cookieName(name string) string {
	if p.secure {
		return "__Host-" + name
	}
	return name
}

// setCookie sets a first-party cookie: HttpOnly, SameSite=Lax (sent on
// the top-level GET that brings the user back from a client, not on
// cross-site POSTs), Secure over https. maxAge 0 makes a browser-session
// cookie; a negative maxAge deletes it.
func (p *Pages) setCookie(w http.ResponseWriter, name, value string, maxAge time.Duration) {
	c := &http.Cookie{
		Name: p.cookieName(name), Value: value, Path: "/",
		HttpOnly: true, Secure: p.secure, SameSite: http.SameSiteLaxMode,
	}
	switch {
	case maxAge < 0:
		c.MaxAge, c.Value = -1, ""
	case maxAge > 0:
		c.MaxAge = int(maxAge / time.Second)
	}
	http.SetCookie(w, c)
}

// cookie returns the value of a cookie set by setCookie, or "".
func (p *Pages) cookie(r *http.Request, name string) string {
	c, err := r.Cookie(p.cookieName(name))
	if err != nil {
		return ""
	}
	return c.Value
}

// mac is HMAC-SHA256 under CSRFKey of label and parts, each part
// length-prefixed so that no two lists of parts hash alike.
func (p *Pages) mac(label string, parts ...string) []byte {
	m := hmac.New(sha256.New, p.cfg.CSRFKey)
	m.Write([]byte(label))
	for _, s := range parts {
		m.Write(binary.BigEndian.AppendUint32(nil, uint32(len(s))))
		m.Write([]byte(s))
	}
	return m.Sum(nil)
}

// csrfToken returns the CSRF token of this browser, setting the random
// cookie it is derived from when the browser has none yet.
func (p *Pages) csrfToken(w http.ResponseWriter, r *http.Request) string {
	v := p.cookie(r, CSRFCookie)
	if !validCSRFCookie(v) {
		v = rand.Text()
		p.setCookie(w, CSRFCookie, v, 0)
	}
	return base64.RawURLEncoding.EncodeToString(p.mac(labelCSRF, v))
}

// checkCSRF verifies, in constant time, that the form's token is the
// HMAC of this browser's CSRF cookie. A cross-site page can make the
// browser send the cookie but cannot read it, nor compute the HMAC.
func (p *Pages) checkCSRF(r *http.Request, formToken string) bool {
	v := p.cookie(r, CSRFCookie)
	if !validCSRFCookie(v) || formToken == "" {
		return false
	}
	// Strict: only the encoding csrfToken wrote, not the variants that
	// differ in the unused bits of the last character.
	got, err := base64.RawURLEncoding.Strict().DecodeString(formToken)
	if err != nil {
		return false
	}
	return hmac.Equal(got, p.mac(labelCSRF, v))
}

// validCSRFCookie accepts what rand.Text produces: 26 base32 characters.
func validCSRFCookie(v string) bool {
	if len(v) != 26 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; !(c >= 'A' && c <= 'Z' || c >= '2' && c <= '7') {
			return false
		}
	}
	return true
}

// consentMark identifies a consent given in one session to one client for
// one set of scopes. Binding it to the session ID means a new sign-in
// starts with no remembered consent.
func (p *Pages) consentMark(sessionID, clientID string, scopes []string) string {
	s := slices.Clone(scopes)
	slices.Sort(s)
	sum := p.mac(labelConsent, sessionID, clientID, strings.Join(s, " "))
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}

// hasConsent reports whether the consent cookie holds mark.
func (p *Pages) hasConsent(r *http.Request, mark string) bool {
	found := false
	for _, m := range strings.Split(p.cookie(r, ConsentCookie), ".") {
		if hmac.Equal([]byte(m), []byte(mark)) {
			found = true
		}
	}
	return found
}

// rememberConsent adds mark to the consent cookie, dropping the oldest
// marks beyond maxConsents.
func (p *Pages) rememberConsent(w http.ResponseWriter, r *http.Request, mark string) {
	marks := []string{mark}
	for _, m := range strings.Split(p.cookie(r, ConsentCookie), ".") {
		if len(m) == len(mark) && m != mark && len(marks) < maxConsents {
			marks = append(marks, m)
		}
	}
	p.setCookie(w, ConsentCookie, strings.Join(marks, "."), p.cfg.SessionTTL)
}
