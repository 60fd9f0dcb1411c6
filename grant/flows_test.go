package grant_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/oauth"
	"github.com/tokenmint/tokenmint/registry"
)

func wantOAuth(t *testing.T, err error, code string) {
	t.Helper()
	oe, ok := oauth.As(err)
	if !ok || oe.Code != code {
		t.Fatalf("err = %v, want %s", err, code)
	}
}

// userClient is a confidential client with every user-facing grant.
func userClient(t *testing.T, f *fixture, format string) (tokenmint.Client, grant.Credentials) {
	return f.client(t, registry.ClientSpec{
		GrantTypes:   []string{"authorization_code", "refresh_token", "password"},
		Scopes:       []string{"openid", "profile", "read", "write"},
		RedirectURIs: []string{"https://app.example/cb"},
		TokenFormat:  format,
	})
}

func (f *fixture) code(t *testing.T, c tokenmint.Client, userID string, mutate func(*grant.AuthorizeRequest)) string {
	t.Helper()
	req := grant.AuthorizeRequest{ResponseType: "code", ClientID: c.ID, RedirectURI: "https://app.example/cb", Scope: "openid read write", State: "s"}
	if mutate != nil {
		mutate(&req)
	}
	a, err := f.e.ValidateAuthorize(context.Background(), req)
	if err != nil {
		t.Fatalf("ValidateAuthorize: %v", err)
	}
	code, err := f.e.IssueCode(context.Background(), a, userID, f.clock())
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func (f *fixture) exchange(ctx context.Context, cred grant.Credentials, code string) (*grant.TokenResponse, error) {
	return f.e.Token(ctx, grant.TokenRequest{GrantType: "authorization_code", Client: cred, Code: code, RedirectURI: "https://app.example/cb"})
}

func (f *fixture) active(t *testing.T, cred grant.Credentials, tok string) bool {
	t.Helper()
	in, err := f.e.Introspect(context.Background(), grant.IntrospectRequest{Client: cred, Token: tok})
	if err != nil {
		t.Fatal(err)
	}
	return in.Active
}

// TestCodeReplayRevokesTokens: a code works once; its replay fails with
// invalid_grant and revokes every token issued from it (RFC 6749 §4.1.2).
func TestCodeReplayRevokesTokens(t *testing.T) {
	for _, format := range []string{tokenmint.FormatJWT, tokenmint.FormatOpaque} {
		t.Run(format, func(t *testing.T) {
			f := newFixture(t)
			c, cred := userClient(t, f, format)
			u := f.user(t, "alice", "correct horse battery")
			code := f.code(t, c, u.ID, nil)
			ctx := context.Background()
			resp, err := f.exchange(ctx, cred, code)
			if err != nil {
				t.Fatal(err)
			}
			if resp.RefreshToken == "" || resp.IDToken == "" {
				t.Fatalf("want refresh and ID tokens, got %+v", resp)
			}
			if !f.active(t, cred, resp.AccessToken) || !f.active(t, cred, resp.RefreshToken) {
				t.Fatal("fresh tokens inactive")
			}
			_, err = f.exchange(ctx, cred, code)
			wantOAuth(t, err, oauth.InvalidGrant)
			if f.active(t, cred, resp.AccessToken) || f.active(t, cred, resp.RefreshToken) {
				t.Fatal("tokens of a replayed code stay active")
			}
			_, err = f.e.Token(ctx, grant.TokenRequest{GrantType: "refresh_token", Client: cred, RefreshToken: resp.RefreshToken})
			wantOAuth(t, err, oauth.InvalidGrant)
		})
	}
}

// TestCodeBindings: each binding of a code is checked, and a failed
// attempt spends the code.
func TestCodeBindings(t *testing.T) {
	f := newFixture(t)
	c, cred := userClient(t, f, tokenmint.FormatJWT)
	_, other := userClient(t, f, tokenmint.FormatJWT)
	u := f.user(t, "bob", "correct horse battery")
	ctx := context.Background()
	const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	pkce := func(r *grant.AuthorizeRequest) {
		r.CodeChallenge, r.CodeChallengeMethod = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "S256"
	}
	cases := []struct {
		name   string
		mutate func(*grant.AuthorizeRequest)
		req    func(code string) grant.TokenRequest
		before func()
		want   string
	}{
		{"other client", nil, func(code string) grant.TokenRequest {
			return grant.TokenRequest{GrantType: "authorization_code", Client: other, Code: code, RedirectURI: "https://app.example/cb"}
		}, nil, oauth.InvalidGrant},
		{"redirect mismatch", nil, func(code string) grant.TokenRequest {
			return grant.TokenRequest{GrantType: "authorization_code", Client: cred, Code: code, RedirectURI: "https://evil.example/cb"}
		}, nil, oauth.InvalidGrant},
		{"expired", nil, func(code string) grant.TokenRequest {
			return grant.TokenRequest{GrantType: "authorization_code", Client: cred, Code: code, RedirectURI: "https://app.example/cb"}
		}, func() { f.advance(5*time.Minute + time.Second) }, oauth.InvalidGrant},
		{"PKCE mismatch", pkce, func(code string) grant.TokenRequest {
			return grant.TokenRequest{GrantType: "authorization_code", Client: cred, Code: code, RedirectURI: "https://app.example/cb", CodeVerifier: verifier[:42] + "Z"}
		}, nil, oauth.InvalidGrant},
		{"PKCE missing verifier", pkce, func(code string) grant.TokenRequest {
			return grant.TokenRequest{GrantType: "authorization_code", Client: cred, Code: code, RedirectURI: "https://app.example/cb"}
		}, nil, oauth.InvalidGrant},
		{"PKCE ok", pkce, func(code string) grant.TokenRequest {
			return grant.TokenRequest{GrantType: "authorization_code", Client: cred, Code: code, RedirectURI: "https://app.example/cb", CodeVerifier: verifier}
		}, nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code := f.code(t, c, u.ID, tc.mutate)
			if tc.before != nil {
				tc.before()
			}
			_, err := f.e.Token(ctx, tc.req(code))
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantOAuth(t, err, tc.want)
			// The failed attempt consumed the code: the right request fails too.
			_, err = f.exchange(ctx, cred, code)
			wantOAuth(t, err, oauth.InvalidGrant)
		})
	}
}

// TestRefreshRotationAndReuse: each refresh rotates; presenting a spent
// refresh token revokes the family (RFC 9700 §4.14.2); narrowing works,
// widening does not.
func TestRefreshRotationAndReuse(t *testing.T) {
	f := newFixture(t)
	c, cred := userClient(t, f, tokenmint.FormatOpaque)
	u := f.user(t, "carol", "correct horse battery")
	ctx := context.Background()
	first, err := f.exchange(ctx, cred, f.code(t, c, u.ID, nil))
	if err != nil {
		t.Fatal(err)
	}
	refresh := func(rt, scope string) (*grant.TokenResponse, error) {
		return f.e.Token(ctx, grant.TokenRequest{GrantType: "refresh_token", Client: cred, RefreshToken: rt, Scope: scope})
	}
	_, err = refresh(first.RefreshToken, "openid read write admin")
	wantOAuth(t, err, oauth.InvalidScope)
	second, err := refresh(first.RefreshToken, "read")
	if err != nil {
		t.Fatal(err)
	}
	if second.RefreshToken == first.RefreshToken || len(second.Scopes) != 1 {
		t.Fatalf("rotation: %+v", second)
	}
	third, err := refresh(second.RefreshToken, "")
	if err != nil {
		t.Fatal(err)
	}
	// Reuse of the spent second token: everything of the family dies.
	_, err = refresh(second.RefreshToken, "")
	wantOAuth(t, err, oauth.InvalidGrant)
	for _, tok := range []string{first.AccessToken, second.AccessToken, third.AccessToken, third.RefreshToken} {
		if f.active(t, cred, tok) {
			t.Fatalf("token of a revoked family still active")
		}
	}
	_, err = refresh(third.RefreshToken, "")
	wantOAuth(t, err, oauth.InvalidGrant)
}

// TestConcurrentRefreshOneWins: two simultaneous uses of one refresh
// token cannot both succeed.
func TestConcurrentRefreshOneWins(t *testing.T) {
	f := newFixture(t)
	c, cred := userClient(t, f, tokenmint.FormatJWT)
	u := f.user(t, "dan", "correct horse battery")
	ctx := context.Background()
	first, err := f.exchange(ctx, cred, f.code(t, c, u.ID, nil))
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			_, err := f.e.Token(ctx, grant.TokenRequest{GrantType: "refresh_token", Client: cred, RefreshToken: first.RefreshToken})
			errs <- err
		}()
	}
	ok := 0
	for range 8 {
		if err := <-errs; err == nil {
			ok++
		} else {
			wantOAuth(t, err, oauth.InvalidGrant)
		}
	}
	if ok > 1 {
		t.Fatalf("%d concurrent refreshes succeeded, want at most 1", ok)
	}
}

// TestPasswordGrant: right password issues tokens, wrong password and
// unknown user answer the same, throttling stops guessing.
func TestPasswordGrant(t *testing.T) {
	f := newFixture(t)
	_, cred := userClient(t, f, tokenmint.FormatJWT)
	f.user(t, "erin", "correct horse battery")
	ctx := context.Background()
	pw := func(user, pass string) (*grant.TokenResponse, error) {
		return f.e.Token(ctx, grant.TokenRequest{GrantType: "password", Client: cred, Username: user, Password: pass, Scope: "read"})
	}
	resp, err := pw("erin", "correct horse battery")
	if err != nil || resp.RefreshToken == "" || resp.IDToken != "" {
		t.Fatalf("password grant: %+v %v (no openid scope: no ID token)", resp, err)
	}
	_, errWrong := pw("erin", "wrong")
	_, errUnknown := pw("nobody", "wrong")
	wantOAuth(t, errWrong, oauth.InvalidGrant)
	wantOAuth(t, errUnknown, oauth.InvalidGrant)
	if errWrong.Error() != errUnknown.Error() {
		t.Fatalf("wrong password %q and unknown user %q answer differently", errWrong, errUnknown)
	}
	_, err = pw("", "x")
	wantOAuth(t, err, oauth.InvalidRequest)
}

// TestUserInfo: profile and email claims follow the granted scopes.
func TestUserInfo(t *testing.T) {
	f := newFixture(t)
	c, cred := userClient(t, f, tokenmint.FormatOpaque)
	u := f.user(t, "fay", "correct horse battery")
	ctx := context.Background()
	resp, err := f.exchange(ctx, cred, f.code(t, c, u.ID, func(r *grant.AuthorizeRequest) { r.Scope = "openid profile" }))
	if err != nil {
		t.Fatal(err)
	}
	info, err := f.e.UserInfo(ctx, resp.AccessToken)
	if err != nil || info["sub"] != u.ID || info["preferred_username"] != "fay" {
		t.Fatalf("userinfo: %v %v", info, err)
	}
	if _, ok := info["email"]; ok {
		t.Fatal("email claim without the email scope")
	}
	_, err = f.e.UserInfo(ctx, "tmat_bogus")
	wantOAuth(t, err, oauth.InvalidToken)
}

// TestTimeOrderedIDs: a JWT's jti and a refresh family's ID start with
// their issuance time in hex (token.NewTimedID), so that the records of
// tokens issued one after another are stored in key order.
func TestTimeOrderedIDs(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c, cred := userClient(t, f, tokenmint.FormatJWT)
	u := f.user(t, "alice", "correct horse battery")
	want := fmt.Sprintf("%016x", f.clock().UnixMicro())
	resp, err := f.exchange(ctx, cred, f.code(t, c, u.ID, nil))
	if err != nil {
		t.Fatal(err)
	}
	in, err := f.e.Introspect(ctx, grant.IntrospectRequest{Client: cred, Token: resp.AccessToken})
	if err != nil || !in.Active {
		t.Fatalf("introspect: %+v, %v", in, err)
	}
	rec, err := f.st.GetAccessToken(ctx, in.JTI)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(in.JTI, want) || !strings.HasPrefix(rec.FamilyID, want) {
		t.Errorf("jti %q, family %q: want both to start with the issuance time %s", in.JTI, rec.FamilyID, want)
	}
}
