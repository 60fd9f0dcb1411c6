package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
)

func registrationTests() []test {
	return []test{
		{"TokenRoundTrip", testRegTokenRoundTrip},
		{"TokenCreateConflict", testRegTokenConflict},
		{"TokenGetNotFound", testRegTokenNotFound},
		{"RegisterWithoutToken", testRegisterWithoutToken},
		{"RegisterSpendsUses", testRegisterSpendsUses},
		{"RegisterExpiredToken", testRegisterExpiredToken},
		{"RegisterUnknownToken", testRegisterUnknownToken},
		{"RegisterConflictKeepsUse", testRegisterConflictKeepsUse},
		{"RegisterConcurrentOneUse", testRegisterConcurrentOneUse},
		{"RegistrationNotFound", testRegistrationNotFound},
		{"DeleteClientDeletesRegistration", testDeleteClientDeletesRegistration},
		{"DeleteExpiredTokens", testDeleteExpiredRegTokens},
	}
}

func regToken(id string, uses int, expires time.Time) tokenmint.RegistrationToken {
	return tokenmint.RegistrationToken{ID: id, MaxUses: uses, Remaining: uses, CreatedAt: at(-time.Hour), ExpiresAt: expires}
}

func registration(clientID string) tokenmint.ClientRegistration {
	return tokenmint.ClientRegistration{
		ClientID:        clientID,
		AccessTokenHash: []byte{0x00, 0x7f, 0xff, 'r', byte(len(clientID))},
		CreatedAt:       at(-2 * time.Hour),
	}
}

func normRegToken(r tokenmint.RegistrationToken) tokenmint.RegistrationToken {
	r.CreatedAt, r.ExpiresAt = ts(r.CreatedAt), ts(r.ExpiresAt)
	return r
}

func normRegistration(r tokenmint.ClientRegistration) tokenmint.ClientRegistration {
	r.AccessTokenHash = octets(r.AccessTokenHash)
	r.CreatedAt = ts(r.CreatedAt)
	return r
}

// remaining reads how many uses the token has left.
func remaining(t *testing.T, s tokenmint.Store, id string) int {
	t.Helper()
	got, err := s.GetRegistrationToken(t.Context(), id)
	ok(t, err, "get registration token")
	return got.Remaining
}

// wantNoClient fails unless neither the client nor a registration exists.
func wantNoClient(t *testing.T, s tokenmint.Store, id string) {
	t.Helper()
	_, err := s.GetClient(t.Context(), id)
	wantErr(t, err, tokenmint.ErrNotFound, "get client "+id)
	_, err = s.GetClientRegistration(t.Context(), id)
	wantErr(t, err, tokenmint.ErrNotFound, "get registration of "+id)
}

func testRegTokenRoundTrip(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	tok := regToken("rt1", 5, at(24*time.Hour))
	tok.Remaining = 3
	ok(t, s.CreateRegistrationToken(ctx, tok), "create registration token")
	got, err := s.GetRegistrationToken(ctx, "rt1")
	ok(t, err, "get registration token")
	same(t, "registration token", normRegToken(got), normRegToken(tok))
}

func testRegTokenConflict(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.CreateRegistrationToken(ctx, regToken("rt1", 1, at(time.Hour))), "create registration token")
	wantErr(t, s.CreateRegistrationToken(ctx, regToken("rt1", 9, at(time.Hour))), tokenmint.ErrConflict, "create duplicate registration token")
	if n := remaining(t, s, "rt1"); n != 1 {
		t.Fatalf("remaining after conflict = %d, want 1", n)
	}
}

func testRegTokenNotFound(t *testing.T, s tokenmint.Store) {
	_, err := s.GetRegistrationToken(t.Context(), "nope")
	wantErr(t, err, tokenmint.ErrNotFound, "get unknown registration token")
}

func testRegisterWithoutToken(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	before := revision(t, s)
	c, reg := fullClient("dyn"), registration("dyn")
	ok(t, s.RegisterClient(ctx, c, reg, "", at(0)), "register client")
	got, err := s.GetClient(ctx, "dyn")
	ok(t, err, "get client")
	same(t, "client", normClient(got), normClient(c))
	gotReg, err := s.GetClientRegistration(ctx, "dyn")
	ok(t, err, "get registration")
	same(t, "registration", normRegistration(gotReg), normRegistration(reg))
	if after := revision(t, s); after == before {
		t.Fatal("RegisterClient did not bump the revision: caches would not see the new client")
	}
}

func testRegisterSpendsUses(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.CreateRegistrationToken(ctx, regToken("rt", 2, at(time.Hour))), "create registration token")
	for i, want := range []int{1, 0} {
		id := fmt.Sprintf("c%d", i)
		ok(t, s.RegisterClient(ctx, minimalClient(id), registration(id), "rt", at(0)), "register "+id)
		if n := remaining(t, s, "rt"); n != want {
			t.Fatalf("after registration %d remaining = %d, want %d", i+1, n, want)
		}
	}
	wantErr(t, s.RegisterClient(ctx, minimalClient("c2"), registration("c2"), "rt", at(0)), tokenmint.ErrAlreadyUsed, "register with an exhausted token")
	wantNoClient(t, s, "c2")
	if n := remaining(t, s, "rt"); n != 0 {
		t.Fatalf("remaining = %d after a refused registration, want 0", n)
	}
}

func testRegisterExpiredToken(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.CreateRegistrationToken(ctx, regToken("rt", 3, at(time.Hour))), "create registration token")
	wantErr(t, s.RegisterClient(ctx, minimalClient("c1"), registration("c1"), "rt", at(time.Hour)), tokenmint.ErrNotFound, "register at the token's expiry")
	wantNoClient(t, s, "c1")
	if n := remaining(t, s, "rt"); n != 3 {
		t.Fatalf("remaining = %d after a refused registration, want 3", n)
	}
	ok(t, s.RegisterClient(ctx, minimalClient("c1"), registration("c1"), "rt", at(time.Hour-time.Millisecond)), "register just before expiry")
}

func testRegisterUnknownToken(t *testing.T, s tokenmint.Store) {
	err := s.RegisterClient(t.Context(), minimalClient("c1"), registration("c1"), "nope", at(0))
	wantErr(t, err, tokenmint.ErrNotFound, "register with an unknown token")
	wantNoClient(t, s, "c1")
}

func testRegisterConflictKeepsUse(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.CreateClient(ctx, fullClient("taken")), "create client")
	ok(t, s.CreateRegistrationToken(ctx, regToken("rt", 1, at(time.Hour))), "create registration token")
	wantErr(t, s.RegisterClient(ctx, minimalClient("taken"), registration("taken"), "rt", at(0)), tokenmint.ErrConflict, "register a taken ID")
	if n := remaining(t, s, "rt"); n != 1 {
		t.Fatalf("remaining = %d after a conflicting registration, want 1 (the use is not spent)", n)
	}
	_, err := s.GetClientRegistration(ctx, "taken")
	wantErr(t, err, tokenmint.ErrNotFound, "registration of the conflicting client")
	got, err := s.GetClient(ctx, "taken")
	ok(t, err, "get client")
	same(t, "client after conflict", normClient(got), normClient(fullClient("taken")))
}

// testRegisterConcurrentOneUse: N registrations at once with a token of
// one use register exactly one client.
func testRegisterConcurrentOneUse(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.CreateRegistrationToken(ctx, regToken("rt", 1, at(time.Hour))), "create registration token")
	const n = 12
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			id := fmt.Sprintf("c%02d", i)
			errs[i] = s.RegisterClient(ctx, minimalClient(id), registration(id), "rt", at(0))
		})
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case errors.Is(err, tokenmint.ErrAlreadyUsed):
		default:
			t.Errorf("registration %d: %v, want nil or ErrAlreadyUsed", i, err)
		}
	}
	clients, err := s.ListClients(ctx)
	ok(t, err, "list clients")
	if won != 1 || len(clients) != 1 {
		t.Fatalf("%d concurrent registrations with a one-use token: %d succeeded, %d clients stored; want 1 and 1", n, won, len(clients))
	}
	if r := remaining(t, s, "rt"); r != 0 {
		t.Fatalf("remaining = %d, want 0", r)
	}
}

func testRegistrationNotFound(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.CreateClient(ctx, fullClient("operator-made")), "create client")
	_, err := s.GetClientRegistration(ctx, "operator-made")
	wantErr(t, err, tokenmint.ErrNotFound, "registration of a client made by an operator")
	_, err = s.GetClientRegistration(ctx, "nope")
	wantErr(t, err, tokenmint.ErrNotFound, "registration of an unknown client")
}

func testDeleteClientDeletesRegistration(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.RegisterClient(ctx, fullClient("dyn"), registration("dyn"), "", at(0)), "register client")
	ok(t, s.RegisterClient(ctx, fullClient("other"), registration("other"), "", at(0)), "register client")
	ok(t, s.DeleteClient(ctx, "dyn"), "delete client")
	wantNoClient(t, s, "dyn")
	_, err := s.GetClientRegistration(ctx, "other")
	ok(t, err, "registration of another client")
	// A client made again under the same ID is not registered: the old
	// registration access token must not manage it.
	ok(t, s.CreateClient(ctx, fullClient("dyn")), "create client again")
	_, err = s.GetClientRegistration(ctx, "dyn")
	wantErr(t, err, tokenmint.ErrNotFound, "registration of the client made again")
}

func testDeleteExpiredRegTokens(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.CreateRegistrationToken(ctx, regToken("old", 1, at(time.Hour))), "create registration token")
	ok(t, s.CreateRegistrationToken(ctx, regToken("live", 1, at(3*time.Hour))), "create registration token")
	_, err := s.DeleteExpired(ctx, at(2*time.Hour))
	ok(t, err, "delete expired")
	_, err = s.GetRegistrationToken(ctx, "old")
	wantErr(t, err, tokenmint.ErrNotFound, "get expired registration token")
	_, err = s.GetRegistrationToken(ctx, "live")
	ok(t, err, "get live registration token")
}
