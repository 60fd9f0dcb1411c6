package eptura_test

import (
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/dialect/dialecttest"
	"github.com/tokenmint/tokenmint/dialect/eptura"
	"github.com/tokenmint/tokenmint/login"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
)

var hiddenRE = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)

// browser is a person's browser on the Eptura sign-in page: a cookie jar,
// and redirects to the app's callback not followed.
type browser struct {
	t      *testing.T
	f      *fixture
	c      servertest.Client
	http   *http.Client
	verify string // the PKCE verifier of the last code
}

func newBrowser(t *testing.T, f *fixture, c servertest.Client) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, f: f, c: c, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// open loads /login.html with the article's five parameters (and PKCE)
// and returns the code when the browser's session got one at once, or ""
// with the sign-in form's fields when the page asks to sign in.
func (b *browser) open() (code string, form url.Values) {
	b.t.Helper()
	b.verify = oauth2.GenerateVerifier()
	q := url.Values{"response_type": {"code"}, "client_id": {b.c.ID}, "redirect_uri": {redirectURI}, "scope": {scope},
		"state": {"st"}, "code_challenge": {oauth2.S256ChallengeFromVerifier(b.verify)}, "code_challenge_method": {"S256"}}
	resp, err := b.http.Get(b.f.in.URL + eptura.PathLogin + "?" + q.Encode())
	if err != nil {
		b.t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); loc != "" {
		return b.codeFrom(resp.StatusCode, loc), nil
	}
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), `name="password"`) {
		b.t.Fatalf("login.html: %d %.300s, want the sign-in form", resp.StatusCode, page)
	}
	form = url.Values{}
	for _, m := range hiddenRE.FindAllStringSubmatch(string(page), -1) {
		form.Set(m[1], html.UnescapeString(m[2]))
	}
	return "", form
}

// signIn submits the sign-in form and returns the code.
func (b *browser) signIn(form url.Values) string {
	b.t.Helper()
	form.Set("username", username)
	form.Set("password", password)
	resp, err := b.http.PostForm(b.f.in.URL+login.PathLogin, form)
	if err != nil {
		b.t.Fatal(err)
	}
	resp.Body.Close()
	return b.codeFrom(resp.StatusCode, resp.Header.Get("Location"))
}

// codeFrom reads the code "in the hash parameter" of a redirect to the app.
func (b *browser) codeFrom(status int, loc string) string {
	b.t.Helper()
	u, err := url.Parse(loc)
	if err != nil || status/100 != 3 || !strings.HasPrefix(loc, redirectURI) {
		b.t.Fatalf("%d to %q, want a redirect to the app", status, loc)
	}
	frag, _ := url.ParseQuery(u.Fragment)
	if frag.Get("code") == "" {
		b.t.Fatalf("redirect %q carries no code", loc)
	}
	return frag.Get("code")
}

// tokens signs in through /login.html and exchanges the code with the
// article's headers.
func (b *browser) tokens() (access, refresh string) {
	b.t.Helper()
	code, form := b.open()
	if code == "" {
		code = b.signIn(form)
	}
	return wantTokens(b.t, b.f.exchange(b.t, b.c, code, "x-code-verifier", b.verify))
}

// TestRevokeLogsOut: "To invalidate a token, use the endpoint
// /external/api/oauth2/revoke … This can log out". A token revoked there,
// access or refresh, ends the browser session its authorization was given
// in: /login.html asks the person to sign in again instead of issuing a
// code. The standard /oauth2/revoke revokes the token and ends no session.
func TestRevokeLogsOut(t *testing.T) {
	for _, tt := range []struct {
		name      string
		revoke    func(t *testing.T, f *fixture, c servertest.Client, access, refresh string) dialecttest.Response
		endsLogin bool
	}{
		{"eptura access token", func(t *testing.T, f *fixture, _ servertest.Client, access, _ string) dialecttest.Response {
			return f.post(t, eptura.PathRevoke, "x-token", access)
		}, true},
		{"eptura refresh token", func(t *testing.T, f *fixture, _ servertest.Client, _, refresh string) dialecttest.Response {
			return f.post(t, eptura.PathRevoke, "x-refresh-token", refresh)
		}, true},
		{"standard endpoint", func(t *testing.T, f *fixture, c servertest.Client, access, _ string) dialecttest.Response {
			return dialecttest.Revoke(t, f.in, c, access)
		}, false},
	} {
		for _, format := range []string{tokenmint.FormatOpaque, tokenmint.FormatJWT} {
			t.Run(tt.name+" "+format, func(t *testing.T) {
				f := newFixture(t)
				c := f.in.CreateClient(t, registry.ClientSpec{Name: "Workplace app", Profile: eptura.Name, Public: true,
					GrantTypes:   []string{tokenmint.GrantAuthorizationCode, tokenmint.GrantRefreshToken},
					RedirectURIs: []string{redirectURI}, Scopes: []string{scope}, TokenFormat: format})
				b := newBrowser(t, f, c)
				access, refresh := b.tokens()
				if code, _ := b.open(); code == "" {
					t.Fatal("a signed-in browser got the sign-in form before any revocation")
				}
				if r := tt.revoke(t, f, c, access, refresh); r.Status != http.StatusOK {
					t.Fatalf("revoke: %d %s", r.Status, r.Raw)
				}
				f.wantUnauthorized(t, f.me(t, access), true)
				code, form := b.open()
				if signInAgain := code == ""; signInAgain != tt.endsLogin {
					t.Fatalf("after the revocation, /login.html asks to sign in again: %v, want %v", signInAgain, tt.endsLogin)
				}
				if code == "" {
					wantTokens(t, f.exchange(t, c, b.signIn(form), "x-code-verifier", b.verify))
				}
			})
		}
	}
}

// TestRevokeHeadlessCodeEndsNoSession: a token whose code came from the
// headless /external/api/oauth2/auth has no browser session behind it;
// revoking it leaves an unrelated browser session of the same user alone.
func TestRevokeHeadlessCodeEndsNoSession(t *testing.T) {
	f := newFixture(t)
	b := newBrowser(t, f, f.public)
	b.tokens()
	access, _ := wantTokens(t, f.exchange(t, f.public, f.authCode(t, f.public)))
	if r := f.post(t, eptura.PathRevoke, "x-token", access); r.Status != http.StatusOK {
		t.Fatalf("revoke: %d %s", r.Status, r.Raw)
	}
	if code, _ := b.open(); code == "" {
		t.Fatal("revoking a token of the headless flow ended the browser's session")
	}
}
