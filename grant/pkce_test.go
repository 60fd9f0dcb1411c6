package grant

import (
	"strings"
	"testing"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/oauth"
)

// RFC 7636 Appendix B example.
const (
	rfcVerifier  = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	rfcChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
)

func TestVerifyPKCE(t *testing.T) {
	cases := []struct {
		name                        string
		challenge, method, verifier string
		wantCode                    string // "" means success
	}{
		{"S256 RFC 7636 appendix B", rfcChallenge, PKCES256, rfcVerifier, ""},
		{"S256 wrong verifier", rfcChallenge, PKCES256, strings.Repeat("a", 43), oauth.InvalidGrant},
		{"plain match", rfcVerifier, PKCEPlain, rfcVerifier, ""},
		{"plain mismatch", rfcVerifier, PKCEPlain, rfcVerifier[:42] + "x", oauth.InvalidGrant},
		{"missing verifier", rfcChallenge, PKCES256, "", oauth.InvalidGrant},
		{"verifier too short", rfcChallenge, PKCES256, "abc", oauth.InvalidRequest},
		{"verifier bad characters", rfcChallenge, PKCES256, strings.Repeat("a", 42) + "+", oauth.InvalidRequest},
		{"verifier too long", rfcChallenge, PKCES256, strings.Repeat("a", 129), oauth.InvalidRequest},
		{"no PKCE at all", "", "", "", ""},
		{"downgrade: verifier without challenge", "", "", rfcVerifier, oauth.InvalidGrant},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := verifyPKCE(tc.challenge, tc.method, tc.verifier)
			checkCode(t, err, tc.wantCode)
		})
	}
}

func TestCheckChallenge(t *testing.T) {
	public := &tokenmint.Client{Public: true}
	confidential := &tokenmint.Client{}
	plainOK := &tokenmint.Client{AllowPlainPKCE: true}
	cases := []struct {
		name              string
		c                 *tokenmint.Client
		challenge, method string
		legacy            bool
		wantMethod        string
		wantCode          string
	}{
		{"public needs PKCE", public, "", "", false, "", oauth.InvalidRequest},
		{"public legacy dialect without PKCE", public, "", "", true, "", ""},
		{"public S256", public, rfcChallenge, "S256", false, "S256", ""},
		{"confidential without PKCE", confidential, "", "", false, "", ""},
		{"plain refused by default", confidential, rfcVerifier, "plain", false, "", oauth.InvalidRequest},
		{"method defaults to plain, refused", confidential, rfcVerifier, "", false, "", oauth.InvalidRequest},
		{"plain when allowed", plainOK, rfcVerifier, "", false, "plain", ""},
		{"unknown method", confidential, rfcChallenge, "S512", false, "", oauth.InvalidRequest},
		{"method without challenge", confidential, "", "S256", false, "", oauth.InvalidRequest},
		{"challenge too short", confidential, "short", "S256", false, "", oauth.InvalidRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := checkChallenge(tc.c, tc.challenge, tc.method, tc.legacy)
			checkCode(t, err, tc.wantCode)
			if err == nil && m != tc.wantMethod {
				t.Fatalf("method = %q, want %q", m, tc.wantMethod)
			}
		})
	}
}

func TestNarrowScopes(t *testing.T) {
	granted := []string{"openid", "read", "write"}
	exact := &tokenmint.Client{}
	if got, err := narrowScopes(exact, granted, ""); err != nil || len(got) != 3 {
		t.Fatalf("none requested: %v %v", got, err)
	}
	if got, err := narrowScopes(exact, granted, "read"); err != nil || len(got) != 1 || got[0] != "read" {
		t.Fatalf("narrower: %v %v", got, err)
	}
	_, err := narrowScopes(exact, granted, "read admin")
	checkCode(t, err, oauth.InvalidScope)

	// RFC 6749 §3.3: a client with IntersectScopes gets the granted part,
	// or all of the grant when nothing asked for was granted.
	lenient := &tokenmint.Client{IntersectScopes: true}
	for _, tc := range []struct{ req, want string }{
		{"read admin", "read"},
		{"admin", "openid read write"},
		{"write read write", "write read"},
	} {
		got, err := narrowScopes(lenient, granted, tc.req)
		if err != nil || strings.Join(got, " ") != tc.want {
			t.Errorf("intersect %q = %v %v, want %q", tc.req, got, err, tc.want)
		}
	}
}

func checkCode(t *testing.T, err error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("unexpected error %v", err)
		}
		return
	}
	oe, ok := oauth.As(err)
	if !ok || oe.Code != want {
		t.Fatalf("error = %v, want code %s", err, want)
	}
}
