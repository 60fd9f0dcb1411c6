package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
)

func clientTests() []test {
	return []test{
		{"RoundTripFull", testClientRoundTrip(fullClient("full"))},
		{"RoundTripMinimal", testClientRoundTrip(minimalClient("minimal"))},
		{"RoundTripEmptyNotNil", testClientRoundTrip(emptyListsClient())},
		{"RoundTripOffsetZone", testClientRoundTrip(offsetZoneClient())},
		{"CreateConflict", testClientCreateConflict},
		{"GetNotFound", testClientGetNotFound},
		{"ListOrderedByID", testClientList},
		{"ListEmpty", testClientListEmpty},
		{"Update", testClientUpdate},
		{"UpdateAbort", testClientUpdateAbort},
		{"UpdateNotFound", testClientUpdateNotFound},
		{"UpdateConcurrent", testClientUpdateConcurrent},
		{"Delete", testClientDelete},
		{"DeleteNotFound", testClientDeleteNotFound},
		{"DeleteCascades", testClientDeleteCascades},
		{"RevokeTokens", testClientRevokeTokens},
		{"RevokeTokensNotFound", testClientRevokeTokensNotFound},
	}
}

// emptyListsClient has empty, non-nil DefaultScopes and Audience: "grant
// nothing by default" and "no audience" differ from nil's defaults.
func emptyListsClient() tokenmint.Client {
	c := fullClient("empty-lists")
	c.DefaultScopes, c.Audience = []string{}, []string{}
	c.Claims = map[string]string{}
	return c
}

// offsetZoneClient has times outside UTC, which must come back Equal.
func offsetZoneClient() tokenmint.Client {
	c := fullClient("zoned")
	zone := time.FixedZone("UTC+05:30", 5*3600+1800)
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.In(zone), c.UpdatedAt.In(zone)
	return c
}

func testClientRoundTrip(c tokenmint.Client) func(*testing.T, tokenmint.Store) {
	return func(t *testing.T, s tokenmint.Store) {
		ctx := t.Context()
		ok(t, s.CreateClient(ctx, c), "create client")
		got, err := s.GetClient(ctx, c.ID)
		ok(t, err, "get client")
		same(t, "client", normClient(got), normClient(c))
		if !got.CreatedAt.Equal(c.CreatedAt) || !got.UpdatedAt.Equal(c.UpdatedAt) {
			t.Fatalf("times: got %v/%v, want %v/%v", got.CreatedAt, got.UpdatedAt, c.CreatedAt, c.UpdatedAt)
		}
		list, err := s.ListClients(ctx)
		ok(t, err, "list clients")
		same(t, "listed clients", normClients(list), normClients([]tokenmint.Client{c}))
	}
}

func testClientCreateConflict(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	c := fullClient("dup")
	ok(t, s.CreateClient(ctx, c), "create client")
	other := minimalClient("dup")
	wantErr(t, s.CreateClient(ctx, other), tokenmint.ErrConflict, "create duplicate client")
	got, err := s.GetClient(ctx, "dup")
	ok(t, err, "get client")
	same(t, "client after conflict", normClient(got), normClient(c))
}

func testClientGetNotFound(t *testing.T, s tokenmint.Store) {
	_, err := s.GetClient(t.Context(), "nope")
	wantErr(t, err, tokenmint.ErrNotFound, "get unknown client")
}

func testClientList(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ids := []string{"m", "B", "a", "z", "a-1", "A"}
	for _, id := range ids {
		ok(t, s.CreateClient(ctx, minimalClient(id)), "create client "+id)
	}
	got, err := s.ListClients(ctx)
	ok(t, err, "list clients")
	var gotIDs []string
	for _, c := range got {
		gotIDs = append(gotIDs, c.ID)
	}
	want := slices.Clone(ids)
	slices.Sort(want) // bytewise, as Go compares strings
	same(t, "client order", gotIDs, want)
}

func testClientListEmpty(t *testing.T, s tokenmint.Store) {
	got, err := s.ListClients(t.Context())
	ok(t, err, "list clients")
	if len(got) != 0 {
		t.Fatalf("empty store lists %d clients", len(got))
	}
}

func testClientUpdate(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.CreateClient(ctx, fullClient("c1")), "create client")
	ok(t, s.CreateClient(ctx, fullClient("c2")), "create client")
	want := fullClient("c1")
	want.Name, want.SecretHash, want.DefaultScopes = "renamed", []byte("new-hash"), nil
	want.Claims = map[string]string{"k": "v"}
	want.AccessTTL, want.UpdatedAt = 5*time.Minute, at(time.Hour)
	got, err := s.UpdateClient(ctx, "c1", func(c *tokenmint.Client) error {
		same(t, "client given to update", normClient(*c), normClient(fullClient("c1")))
		c.Name, c.SecretHash, c.DefaultScopes = want.Name, want.SecretHash, nil
		c.Claims, c.AccessTTL, c.UpdatedAt = want.Claims, want.AccessTTL, want.UpdatedAt
		return nil
	})
	ok(t, err, "update client")
	same(t, "returned client", normClient(got), normClient(want))
	stored, err := s.GetClient(ctx, "c1")
	ok(t, err, "get client")
	same(t, "stored client", normClient(stored), normClient(want))
	other, err := s.GetClient(ctx, "c2")
	ok(t, err, "get other client")
	same(t, "other client", normClient(other), normClient(fullClient("c2")))
}

func testClientUpdateAbort(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.CreateClient(ctx, fullClient("c1")), "create client")
	abort := errors.New("closure says no")
	_, err := s.UpdateClient(ctx, "c1", func(c *tokenmint.Client) error {
		c.Name = "must not be stored"
		return fmt.Errorf("policy: %w", abort)
	})
	wantErr(t, err, abort, "aborted update")
	got, err := s.GetClient(ctx, "c1")
	ok(t, err, "get client")
	same(t, "client after aborted update", normClient(got), normClient(fullClient("c1")))
}

func testClientUpdateNotFound(t *testing.T, s tokenmint.Store) {
	called := false
	_, err := s.UpdateClient(t.Context(), "nope", func(*tokenmint.Client) error {
		called = true
		return nil
	})
	wantErr(t, err, tokenmint.ErrNotFound, "update unknown client")
	if called {
		t.Fatal("update closure called for an unknown client")
	}
}

// testClientUpdateConcurrent checks read-modify-write atomicity: every
// concurrent append survives.
func testClientUpdateConcurrent(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	c := minimalClient("c1")
	c.Scopes = nil
	ok(t, s.CreateClient(ctx, c), "create client")
	const n = 12
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			_, err := s.UpdateClient(ctx, "c1", func(c *tokenmint.Client) error {
				c.Scopes = append(c.Scopes, fmt.Sprintf("s%02d", i))
				return nil
			})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		ok(t, err, "concurrent update")
	}
	got, err := s.GetClient(ctx, "c1")
	ok(t, err, "get client")
	scopes := slices.Sorted(slices.Values(got.Scopes))
	if len(scopes) != n || len(slices.Compact(slices.Clone(scopes))) != n {
		t.Fatalf("after %d concurrent appends scopes = %v: an update was lost", n, scopes)
	}
}

func testClientDelete(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.CreateClient(ctx, fullClient("c1")), "create client")
	ok(t, s.CreateClient(ctx, fullClient("c2")), "create client")
	ok(t, s.DeleteClient(ctx, "c1"), "delete client")
	_, err := s.GetClient(ctx, "c1")
	wantErr(t, err, tokenmint.ErrNotFound, "get deleted client")
	list, err := s.ListClients(ctx)
	ok(t, err, "list clients")
	if len(list) != 1 || list[0].ID != "c2" {
		t.Fatalf("after delete, list = %s, want only c2", show(list))
	}
	ok(t, s.CreateClient(ctx, minimalClient("c1")), "re-create deleted client")
}

func testClientDeleteNotFound(t *testing.T, s tokenmint.Store) {
	wantErr(t, s.DeleteClient(t.Context(), "nope"), tokenmint.ErrNotFound, "delete unknown client")
}

// issued is everything issued to one client, for cascade tests.
type issued struct {
	family  tokenmint.Family
	refresh tokenmint.RefreshToken
	opaque  tokenmint.AccessToken
	jwt     tokenmint.AccessToken
	code    tokenmint.AuthCode
}

func issue(t *testing.T, s tokenmint.Store, clientID, subject string) issued {
	t.Helper()
	ctx := t.Context()
	exp := at(24 * time.Hour)
	p := clientID + "/" + subject + "/"
	is := issued{family: family(p+"fam", clientID, subject, exp)}
	is.refresh = refreshToken(p+"rt", is.family)
	is.opaque = opaqueToken(p+"at", clientID, is.family.ID, exp)
	is.opaque.Subject = subject
	is.jwt = jwtToken(p+"jti", clientID, is.family.ID, exp)
	is.jwt.Subject = subject
	is.code = authCode(p+"code", clientID, p+"fam2", exp)
	is.code.Subject = subject
	ok(t, s.CreateFamily(ctx, is.family), "create family")
	ok(t, s.CreateRefreshToken(ctx, is.refresh), "create refresh token")
	ok(t, s.CreateAccessToken(ctx, is.opaque), "create opaque token")
	ok(t, s.CreateAccessToken(ctx, is.jwt), "create jwt record")
	ok(t, s.CreateAuthCode(ctx, is.code), "create auth code")
	return is
}

// checkGone checks that no token of is can be found or refreshed, and
// that its JWT is revoked.
func checkGone(t *testing.T, s tokenmint.Store, is issued) {
	t.Helper()
	ctx := t.Context()
	_, err := s.GetRefreshToken(ctx, is.refresh.ID)
	wantErr(t, err, tokenmint.ErrNotFound, "get refresh token")
	_, err = s.GetAccessToken(ctx, is.opaque.ID)
	wantErr(t, err, tokenmint.ErrNotFound, "get opaque token")
	_, err = s.RotateRefreshToken(ctx, is.refresh.ID, at(0), refreshToken("never", is.family), nil)
	wantErr(t, err, tokenmint.ErrNotFound, "rotate refresh token")
	if !isRevoked(t, s, is.jwt.ID) {
		t.Fatal("a JWT of the removed authorization is not revoked")
	}
}

// checkIntact checks that everything of is is still there and unused.
func checkIntact(t *testing.T, s tokenmint.Store, is issued) {
	t.Helper()
	ctx := t.Context()
	f, err := s.GetFamily(ctx, is.family.ID)
	ok(t, err, "get family")
	same(t, "family", normFamily(f), normFamily(is.family))
	r, err := s.GetRefreshToken(ctx, is.refresh.ID)
	ok(t, err, "get refresh token")
	same(t, "refresh token", normRefresh(r), normRefresh(is.refresh))
	a, err := s.GetAccessToken(ctx, is.opaque.ID)
	ok(t, err, "get opaque token")
	same(t, "opaque token", normAccess(a), normAccess(is.opaque))
	a, err = s.GetAccessToken(ctx, is.jwt.ID)
	ok(t, err, "get jwt record")
	same(t, "jwt record", normAccess(a), normAccess(is.jwt))
	if isRevoked(t, s, is.jwt.ID) {
		t.Fatal("a JWT of an untouched authorization is revoked")
	}
	c, err := s.ExchangeAuthCode(ctx, is.code.ID, at(time.Second), nil)
	ok(t, err, "exchange auth code")
	want := is.code
	want.UsedAt = at(time.Second)
	same(t, "auth code", normCode(c), normCode(want))
}

func testClientDeleteCascades(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.CreateClient(ctx, fullClient("gone")), "create client")
	ok(t, s.CreateClient(ctx, fullClient("kept")), "create client")
	gone := issue(t, s, "gone", "alice")
	kept := issue(t, s, "kept", "alice")
	ok(t, s.DeleteClient(ctx, "gone"), "delete client")
	_, err := s.GetFamily(ctx, gone.family.ID)
	wantErr(t, err, tokenmint.ErrNotFound, "get family of deleted client")
	_, err = s.GetAccessToken(ctx, gone.jwt.ID)
	wantErr(t, err, tokenmint.ErrNotFound, "get jwt record of deleted client")
	_, err = s.ExchangeAuthCode(ctx, gone.code.ID, at(0), nil)
	wantErr(t, err, tokenmint.ErrNotFound, "exchange auth code of deleted client")
	checkGone(t, s, gone)
	checkIntact(t, s, kept)
}

// testClientRevokeTokens: RevokeClientTokens ends every token of the
// client, its family-less opaque tokens too, keeps the client with the
// instant recorded, moves the revision and leaves other clients alone.
func testClientRevokeTokens(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.CreateClient(ctx, fullClient("revoked")), "create client")
	ok(t, s.CreateClient(ctx, fullClient("kept")), "create client")
	gone := issue(t, s, "revoked", "alice")
	kept := issue(t, s, "kept", "alice")
	cc := opaqueToken("revoked/cc", "revoked", "", at(time.Hour))
	ok(t, s.CreateAccessToken(ctx, cc), "create client_credentials token")
	rev0, err := s.Revision(ctx)
	ok(t, err, "revision")
	ok(t, s.RevokeClientTokens(ctx, "revoked", at(time.Minute)), "revoke client tokens")
	checkGone(t, s, gone)
	if !isRevoked(t, s, cc.ID) {
		t.Fatal("a client_credentials opaque token is not in the revocation feed")
	}
	_, err = s.GetAccessToken(ctx, cc.ID)
	wantErr(t, err, tokenmint.ErrNotFound, "get client_credentials token")
	f, err := s.GetFamily(ctx, gone.family.ID)
	ok(t, err, "get revoked family")
	if !f.RevokedAt.Equal(at(time.Minute)) {
		t.Fatalf("family revoked at %v, want %v", f.RevokedAt, at(time.Minute))
	}
	_, err = s.ExchangeAuthCode(ctx, gone.code.ID, at(time.Minute), nil)
	wantErr(t, err, tokenmint.ErrNotFound, "exchange a code of the client")
	c, err := s.GetClient(ctx, "revoked")
	ok(t, err, "the client stays")
	want := fullClient("revoked")
	want.TokensRevokedAt = at(time.Minute)
	same(t, "client", normClient(c), normClient(want))
	if rev, err := s.Revision(ctx); err != nil || rev == rev0 {
		t.Fatalf("revision %d after revoking, was %d (%v)", rev, rev0, err)
	}
	checkIntact(t, s, kept)
	ok(t, s.RevokeClientTokens(ctx, "revoked", at(2*time.Minute)), "revoke again")
	c, err = s.GetClient(ctx, "revoked")
	ok(t, err, "get client")
	if !c.TokensRevokedAt.Equal(at(2 * time.Minute)) {
		t.Fatalf("TokensRevokedAt = %v after a second revocation, want %v", c.TokensRevokedAt, at(2*time.Minute))
	}
}

func testClientRevokeTokensNotFound(t *testing.T, s tokenmint.Store) {
	wantErr(t, s.RevokeClientTokens(t.Context(), "nope", at(0)), tokenmint.ErrNotFound, "revoke tokens of an unknown client")
}
