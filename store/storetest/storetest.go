package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
)

// test is one behaviour of the contract, run against a fresh store.
type test struct {
	name string
	fn   func(t *testing.T, s tokenmint.Store)
}

// Run runs the conformance suite. newStore must return a fresh, empty,
// migrated store for each call and arrange for it to be closed (for
// example with t.Cleanup); it should fail t itself if it cannot.
func Run(t *testing.T, newStore func(t *testing.T) tokenmint.Store) {
	t.Helper()
	groups := []struct {
		name  string
		tests []test
	}{
		{"Clients", clientTests()},
		{"Users", userTests()},
		{"AccessTokens", accessTokenTests()},
		{"RevokedJWTs", revokedJWTTests()},
		{"RevocationFeed", revocationFeedTests()},
		{"Families", familyTests()},
		{"RefreshTokens", refreshTokenTests()},
		{"AuthCodes", authCodeTests()},
		{"Issuance", issuanceTests()},
		{"SigningKeys", signingKeyTests()},
		{"LoginSessions", loginSessionTests()},
		{"Registration", registrationTests()},
		{"AuditEvents", auditTests()},
		{"Replay", replayTests()},
		{"Device", deviceTests()},
		{"PushedRequests", pushedRequestTests()},
		{"Revision", revisionTests()},
		{"DeleteExpired", deleteExpiredTests()},
		{"Misc", miscTests()},
		{"MasterKey", masterKeyTests()},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) {
					s := newStore(t)
					if s == nil {
						t.Fatal("newStore returned nil")
					}
					tc.fn(t, s)
				})
			}
		})
	}
}

// base is the instant fixtures are built around. It has millisecond
// precision, the least a backend must keep, and is far enough from the
// wall clock that no backend can confuse it with "now".
func base() time.Time { return time.Date(2031, time.March, 14, 15, 9, 26, 535_000_000, time.UTC) }

// at returns base shifted by d.
func at(d time.Duration) time.Time { return base().Add(d) }

// ok fails the test at once when err is not nil.
func ok(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: unexpected error: %v", what, err)
	}
}

// wantErr fails the test unless errors.Is(err, target).
func wantErr(t *testing.T, err, target error, what string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: error = %v, want one matching %q", what, err, target)
	}
}

// same fails the test unless got and want are deeply equal; callers
// normalise both first (see norm*).
func same(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s mismatch:\n got: %s\nwant: %s", what, show(got), show(want))
	}
}

func show(v any) string { return fmt.Sprintf("%+v", v) }

// ts normalises an instant so that two values for which time.Time.Equal
// holds are also deeply equal: UTC, no monotonic reading, zero kept zero.
func ts(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return time.Unix(0, t.UnixNano()).UTC()
}

// list folds an empty list into nil, for the lists where the two carry
// the same meaning.
func list(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

// octets folds empty bytes into nil: a hash or key is either there or not.
func octets(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// normClient keeps the distinction between nil and empty where Client
// gives nil a meaning (DefaultScopes: "use Scopes"; Audience: "the
// issuer") and folds it elsewhere.
func normClient(c tokenmint.Client) tokenmint.Client {
	c.SecretHash, c.APIKeyHash = octets(c.SecretHash), octets(c.APIKeyHash)
	c.PreviousSecretHash = octets(c.PreviousSecretHash)
	c.SecretEnc, c.PreviousSecretEnc, c.JWKS = octets(c.SecretEnc), octets(c.PreviousSecretEnc), octets(c.JWKS)
	c.PreviousSecretExpiresAt, c.TokensRevokedAt = ts(c.PreviousSecretExpiresAt), ts(c.TokensRevokedAt)
	c.GrantTypes, c.Scopes, c.RedirectURIs = list(c.GrantTypes), list(c.Scopes), list(c.RedirectURIs)
	c.Resources = list(c.Resources)
	if len(c.Claims) == 0 {
		c.Claims = nil
	}
	c.CreatedAt, c.UpdatedAt = ts(c.CreatedAt), ts(c.UpdatedAt)
	return c
}

func normClients(cs []tokenmint.Client) []tokenmint.Client {
	out := make([]tokenmint.Client, 0, len(cs))
	for _, c := range cs {
		out = append(out, normClient(c))
	}
	return out
}

func normUser(u tokenmint.User) tokenmint.User {
	u.CreatedAt, u.UpdatedAt, u.DisabledAt = ts(u.CreatedAt), ts(u.UpdatedAt), ts(u.DisabledAt)
	u.Roles = list(u.Roles)
	return u
}

func normAccess(a tokenmint.AccessToken) tokenmint.AccessToken {
	a.Scopes, a.Audience = list(a.Scopes), list(a.Audience)
	a.IssuedAt, a.ExpiresAt, a.LastUsedAt = ts(a.IssuedAt), ts(a.ExpiresAt), ts(a.LastUsedAt)
	return a
}

func normFamily(f tokenmint.Family) tokenmint.Family {
	f.Scopes, f.Resources, f.AMR = list(f.Scopes), list(f.Resources), list(f.AMR)
	f.AuthTime, f.CreatedAt, f.ExpiresAt, f.RevokedAt = ts(f.AuthTime), ts(f.CreatedAt), ts(f.ExpiresAt), ts(f.RevokedAt)
	return f
}

func normRefresh(r tokenmint.RefreshToken) tokenmint.RefreshToken {
	r.Scopes = list(r.Scopes)
	r.IssuedAt, r.ExpiresAt, r.UsedAt = ts(r.IssuedAt), ts(r.ExpiresAt), ts(r.UsedAt)
	return r
}

func normCode(c tokenmint.AuthCode) tokenmint.AuthCode {
	c.Scopes, c.Resources, c.AMR = list(c.Scopes), list(c.Resources), list(c.AMR)
	c.AuthTime, c.IssuedAt, c.ExpiresAt, c.UsedAt = ts(c.AuthTime), ts(c.IssuedAt), ts(c.ExpiresAt), ts(c.UsedAt)
	return c
}

func normKey(k tokenmint.SigningKey) tokenmint.SigningKey {
	k.PublicJWK, k.PrivateEnc = octets(k.PublicJWK), octets(k.PrivateEnc)
	k.CreatedAt, k.RotatedAt, k.RetireAt = ts(k.CreatedAt), ts(k.RotatedAt), ts(k.RetireAt)
	return k
}

func normKeys(ks []tokenmint.SigningKey) []tokenmint.SigningKey {
	out := make([]tokenmint.SigningKey, 0, len(ks))
	for _, k := range ks {
		out = append(out, normKey(k))
	}
	return out
}

func normSession(s tokenmint.LoginSession) tokenmint.LoginSession {
	s.AuthTime, s.ExpiresAt = ts(s.AuthTime), ts(s.ExpiresAt)
	s.AMR = list(s.AMR)
	return s
}
