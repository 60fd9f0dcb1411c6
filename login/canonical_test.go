package login_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/tokenmint/tokenmint/login"
	"github.com/tokenmint/tokenmint/registry"
)

// TestNonCanonicalEncodings: the CSRF token and the signature of the
// hidden request are taken only as the server wrote them, not in the
// other base64 spellings of the same bytes (the unused low bits of the
// last character), found by FuzzPendingRoundTrip.
func TestNonCanonicalEncodings(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	c, _ := f.client(t, registry.ClientSpec{})
	for _, tt := range []struct {
		field      string
		wantStatus int
	}{
		{"csrf_token", http.StatusForbidden},
		{"request", http.StatusBadRequest},
	} {
		t.Run(tt.field, func(t *testing.T) {
			b := f.browser(t)
			form := hiddenFields(t, b.authorize(newAuthRequest(c.ID)))
			sig, rest, _ := strings.Cut(form.Get(tt.field), ".")
			if rest != "" {
				rest = "." + rest
			}
			form.Set(tt.field, respell(sig)+rest)
			form.Set("username", testUsername)
			form.Set("password", testPassword)
			r := b.post(login.PathLogin, form)
			checkPage(t, r, tt.wantStatus)
			if setCookie(r, login.SessionCookie) != nil {
				t.Error("a sign-in with a respelled field set a session cookie")
			}
		})
	}
}

// respell changes the last character of the unpadded base64 of 32 bytes
// in a bit that encodes nothing: the same bytes, spelled otherwise.
func respell(s string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, s[len(s)-1])
	return s[:len(s)-1] + string(alphabet[i^1])
}
