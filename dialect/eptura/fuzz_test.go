package eptura

import (
	"bufio"
	"net/http"
	"strings"
	"testing"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/oauth"
)

// FuzzTokenHeaders reads a token request's header block as net/http reads
// it off the wire, then decodes it as the token endpoint does. A request
// is refused with 400 invalid_request or unsupported_grant_type, or it is
// accepted and then: no header the endpoint reads was sent twice, each
// value is the one on the wire, x-grant-type is authorization_code with
// x-auth-code or refresh_token with x-refresh-token, x-client-id is
// there, and the engine's request carries exactly those values, the
// client authenticated by its secret when one was sent and as a public
// client otherwise.
func FuzzTokenHeaders(f *testing.F) {
	for _, s := range []string{
		"X-Grant-Type: authorization_code\r\nX-Client-Id: c\r\nX-Auth-Code: code\r\nX-Redirect-Uri: https://a.test/cb\r\nX-Scope: email",
		"x-grant-type: refresh_token\r\nx-client-id: c\r\nx-client-secret: s\r\nx-refresh-token: rt",
		"X-Grant-Type: refresh_token\r\nX-Client-Id: c\r\nX-Refresh-Token: a\r\nX-Refresh-Token: b",
		"X-Grant-Type: password\r\nX-Client-Id: c",
		"X-Grant-Type: authorization_code\r\nX-Client-Id:  \r\nX-Auth-Code: x",
		"X-Grant-Type: authorization_code\r\nX-Client-Id: c\r\nX-Code-Verifier: v\r\nX-Auth-Code:\tx ",
		"X-Grant-Type: authorization_code\r\n X-Client-Id: c",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, block string) {
		raw := "POST " + PathToken + " HTTP/1.1\r\nHost: workplace.test\r\n" + block + "\r\n\r\n"
		r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
		if err != nil {
			return // not a request net/http would serve
		}
		hd, err := headers(r, tokenHeaders, hGrantType, hClientID)
		if err == nil {
			err = checkGrant(hd)
		}
		if err != nil {
			if oe, ok := oauth.As(err); !ok || oe.HTTPStatus() != http.StatusBadRequest ||
				(oe.Code != oauth.InvalidRequest && oe.Code != oauth.UnsupportedGrantType) {
				t.Fatalf("error %v, want 400 invalid_request or unsupported_grant_type", err)
			}
			return
		}
		for _, name := range tokenHeaders {
			v := r.Header.Values(name)
			if len(v) > 1 || hd[name] != r.Header.Get(name) {
				t.Fatalf("%s read as %q, sent %q", name, hd[name], v)
			}
		}
		need := map[string]string{tokenmint.GrantAuthorizationCode: hAuthCode, tokenmint.GrantRefreshToken: hRefreshToken}[hd[hGrantType]]
		if need == "" || hd[need] == "" || hd[hClientID] == "" {
			t.Fatalf("accepted %v without its grant's credential", hd)
		}
		req := tokenRequest(hd, "192.0.2.1")
		wantMethod := grant.AuthNone
		if hd[hClientSecret] != "" {
			wantMethod = grant.AuthPost
		}
		if req.GrantType != hd[hGrantType] || req.Client.ID != hd[hClientID] || req.Client.Secret != hd[hClientSecret] ||
			req.Client.Method != wantMethod || req.Code != hd[hAuthCode] || req.RefreshToken != hd[hRefreshToken] ||
			req.RedirectURI != hd[hRedirectURI] || req.Scope != hd[hScope] || req.CodeVerifier != hd[hCodeVerifier] {
			t.Fatalf("request %+v does not carry the headers %v", req, hd)
		}
	})
}

// FuzzAuthHeaders: the headers of the headless authorization request
// (person's credentials, client, redirect URI) are refused when repeated
// or when a required one is missing, naming every missing one, and are
// otherwise read exactly as sent.
func FuzzAuthHeaders(f *testing.F) {
	f.Add("alice", "a long passphrase", "c", "https://a.test/cb", "email", false)
	f.Add("", "", "", "", "", true)
	f.Add("alice", "pw", "c", "", "x y", true)
	f.Fuzz(func(t *testing.T, user, pw, clientID, redirect, scope string, repeat bool) {
		r, err := http.NewRequest(http.MethodPost, PathAuth, nil)
		if err != nil {
			t.Fatal(err)
		}
		sent := map[string]string{hAuthUsername: user, hAuthPassword: pw, hClientID: clientID, hRedirectURI: redirect, hScope: scope}
		for name, v := range sent {
			if v != "" {
				r.Header.Add(name, v)
			}
		}
		if repeat && user != "" {
			r.Header.Add(hAuthUsername, user)
		}
		required := []string{hAuthUsername, hAuthPassword, hClientID, hRedirectURI}
		hd, err := headers(r, []string{hAuthUsername, hAuthPassword, hClientID, hRedirectURI, hScope, hCodeVerifier}, required...)
		if err != nil {
			oe, ok := oauth.As(err)
			if !ok || oe.Code != oauth.InvalidRequest || oe.HTTPStatus() != http.StatusBadRequest {
				t.Fatalf("error %v, want 400 invalid_request", err)
			}
			if repeat && user != "" {
				return
			}
			for _, name := range required {
				if (sent[name] == "") != strings.Contains(oe.Description, strings.ToLower(name)) {
					t.Fatalf("%q does not name exactly the missing headers of %v", oe.Description, sent)
				}
			}
			return
		}
		if repeat && user != "" {
			t.Fatal("a repeated x-auth-username was accepted")
		}
		for name, v := range sent {
			if hd[name] != v {
				t.Fatalf("%s read as %q, sent %q", name, hd[name], v)
			}
		}
	})
}
