package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
)

// Each token request spends its grant (a code, a refresh token) and
// records what it issues in one transaction: all of it is stored or none.

func issuanceTests() []test {
	return []test{
		{"ExchangeStoresAll", testExchangeStoresAll},
		{"ExchangeWithoutRefresh", testExchangeWithoutRefresh},
		{"ExchangeRejectedSpendsCodeOnly", testExchangeRejected},
		{"ExchangeIsAtomic", testExchangeAtomic},
		{"ExchangeReplayWritesNothing", testExchangeReplay},
		{"ExchangeUnknown", testExchangeUnknown},
		{"ExchangeConcurrent", testExchangeConcurrent},
		{"RotateStoresAccess", testRotateStoresAccess},
		{"RotateIsAtomicWithAccess", testRotateAtomicAccess},
		{"RotateReplayStoresNoAccess", testRotateReplayAccess},
		{"RotateConcurrentWithAccess", testRotateConcurrentAccess},
		{"CreateStoresAll", testCreateIssuance},
		{"CreateIsAtomic", testCreateIssuanceAtomic},
		{"CreateNilStoresNothing", testCreateIssuanceNil},
	}
}

// grantFor is what the exchange of code c issues: a family of the code's
// ID, a refresh token and an opaque access token, their IDs prefixed with
// p.
func grantFor(c tokenmint.AuthCode, p string) tokenmint.Issuance {
	f := family(c.FamilyID, c.ClientID, c.Subject, at(24*time.Hour))
	f.Scopes, f.AuthTime, f.CreatedAt = c.Scopes, c.AuthTime, c.UsedAt
	r := refreshToken(p+"rt", f)
	a := opaqueToken(p+"at", c.ClientID, f.ID, at(time.Hour))
	a.Subject = c.Subject
	return tokenmint.Issuance{Family: &f, Refresh: &r, Access: &a}
}

// checkStored checks that every record of is is stored as given.
func checkStored(t *testing.T, s tokenmint.Store, is tokenmint.Issuance) {
	t.Helper()
	ctx := t.Context()
	if is.Family != nil {
		f, err := s.GetFamily(ctx, is.Family.ID)
		ok(t, err, "get family")
		same(t, "family", normFamily(f), normFamily(*is.Family))
	}
	if is.Refresh != nil {
		r, err := s.GetRefreshToken(ctx, is.Refresh.ID)
		ok(t, err, "get refresh token")
		same(t, "refresh token", normRefresh(r), normRefresh(*is.Refresh))
	}
	if is.Access != nil {
		a, err := s.GetAccessToken(ctx, is.Access.ID)
		ok(t, err, "get access token")
		same(t, "access token", normAccess(a), normAccess(*is.Access))
	}
}

// checkAbsent checks that no record of is is stored.
func checkAbsent(t *testing.T, s tokenmint.Store, is tokenmint.Issuance) {
	t.Helper()
	ctx := t.Context()
	if is.Family != nil {
		_, err := s.GetFamily(ctx, is.Family.ID)
		wantErr(t, err, tokenmint.ErrNotFound, "get family that must not be stored")
	}
	if is.Refresh != nil {
		_, err := s.GetRefreshToken(ctx, is.Refresh.ID)
		wantErr(t, err, tokenmint.ErrNotFound, "get refresh token that must not be stored")
	}
	if is.Access != nil {
		_, err := s.GetAccessToken(ctx, is.Access.ID)
		wantErr(t, err, tokenmint.ErrNotFound, "get access token that must not be stored")
	}
}

// checkUnused checks that the code can still be exchanged: it was not
// spent.
func checkUnused(t *testing.T, s tokenmint.Store, c tokenmint.AuthCode) {
	t.Helper()
	got, err := s.ExchangeAuthCode(t.Context(), c.ID, at(time.Hour), nil)
	ok(t, err, "exchange a code that must still be unused")
	want := c
	want.UsedAt = at(time.Hour)
	same(t, "code", normCode(got), normCode(want))
}

func testExchangeStoresAll(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	c := authCode("code1", "c", "f1", at(time.Minute))
	ok(t, s.CreateAuthCode(ctx, c), "create auth code")
	want := c
	want.UsedAt = at(0)
	var is tokenmint.Issuance
	calls := 0
	got, err := s.ExchangeAuthCode(ctx, "code1", at(0), func(used tokenmint.AuthCode) (tokenmint.Issuance, error) {
		calls++
		same(t, "code handed to issue", normCode(used), normCode(want))
		is = grantFor(used, "x/")
		return is, nil
	})
	ok(t, err, "exchange auth code")
	if calls != 1 {
		t.Fatalf("issue called %d times, want once", calls)
	}
	same(t, "exchanged code", normCode(got), normCode(want))
	checkStored(t, s, is)
	// The access token belongs to the family: revoking it takes all.
	ok(t, s.RevokeFamily(ctx, "f1", at(time.Minute)), "revoke family")
	_, err = s.GetAccessToken(ctx, is.Access.ID)
	wantErr(t, err, tokenmint.ErrNotFound, "get access token of a revoked family")
	_, err = s.GetRefreshToken(ctx, is.Refresh.ID)
	wantErr(t, err, tokenmint.ErrNotFound, "get refresh token of a revoked family")
}

// testExchangeWithoutRefresh: a client without the refresh_token grant
// gets a JWT whose record still belongs to the family.
func testExchangeWithoutRefresh(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	c := authCode("code1", "c", "f1", at(time.Minute))
	ok(t, s.CreateAuthCode(ctx, c), "create auth code")
	var is tokenmint.Issuance
	_, err := s.ExchangeAuthCode(ctx, "code1", at(0), func(used tokenmint.AuthCode) (tokenmint.Issuance, error) {
		is = grantFor(used, "x/")
		jwt := jwtToken("x/jti", used.ClientID, used.FamilyID, at(time.Hour))
		is.Refresh, is.Access = nil, &jwt
		return is, nil
	})
	ok(t, err, "exchange auth code")
	checkStored(t, s, is)
	ok(t, s.RevokeFamily(ctx, "f1", at(time.Minute)), "revoke family")
	if !isRevoked(t, s, "x/jti") {
		t.Fatal("the JWT of a revoked family is not revoked")
	}
}

// testExchangeRejected: when issue refuses the code (a failed PKCE
// check), its error comes back as is, the code is spent, and nothing else
// is stored.
func testExchangeRejected(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	c := authCode("code1", "c", "f1", at(time.Minute))
	ok(t, s.CreateAuthCode(ctx, c), "create auth code")
	refused := errors.New("pkce mismatch")
	got, err := s.ExchangeAuthCode(ctx, "code1", at(0), func(used tokenmint.AuthCode) (tokenmint.Issuance, error) {
		return grantFor(used, "x/"), refused
	})
	if err != refused { // "returned as is": the very error, unwrapped
		t.Fatalf("error = %v, want issue's error as is", err)
	}
	want := c
	want.UsedAt = at(0)
	same(t, "code returned with issue's error", normCode(got), normCode(want))
	checkAbsent(t, s, grantFor(want, "x/"))
	got, err = s.ExchangeAuthCode(ctx, "code1", at(time.Second), nil)
	wantErr(t, err, tokenmint.ErrAlreadyUsed, "exchange a refused code again")
	same(t, "refused code", normCode(got), normCode(want))
}

// storeTaken stores a family, a refresh token and an access token of
// another client, whose IDs the atomicity tests try to store again.
func storeTaken(t *testing.T, s tokenmint.Store) tokenmint.Issuance {
	t.Helper()
	ctx := t.Context()
	tf := family("f-taken", "other", "u9", at(2*time.Hour))
	tr := refreshToken("rt-taken", tf)
	ta := opaqueToken("at-taken", "other", "f-taken", at(2*time.Hour))
	ok(t, s.CreateFamily(ctx, tf), "create family")
	ok(t, s.CreateRefreshToken(ctx, tr), "create refresh token")
	ok(t, s.CreateAccessToken(ctx, ta), "create access token")
	return tokenmint.Issuance{Family: &tf, Refresh: &tr, Access: &ta}
}

// takes are the ways of making an issuance conflict: each points one of
// its records at the ID of that record of taken.
var takes = []struct {
	name string
	take func(is, taken *tokenmint.Issuance)
}{
	{"FamilyTaken", func(is, taken *tokenmint.Issuance) { is.Family.ID = taken.Family.ID }},
	{"RefreshTaken", func(is, taken *tokenmint.Issuance) { is.Refresh.ID = taken.Refresh.ID }},
	{"AccessTaken", func(is, taken *tokenmint.Issuance) { is.Access.ID = taken.Access.ID }},
}

// testExchangeAtomic: when any record cannot be stored, none is, and the
// code is not spent.
func testExchangeAtomic(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	taken := storeTaken(t, s)
	for _, tc := range takes {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.name + "/"
			c := authCode(p+"code", "c", p+"fam", at(time.Minute))
			ok(t, s.CreateAuthCode(ctx, c), "create auth code")
			_, err := s.ExchangeAuthCode(ctx, c.ID, at(0), func(used tokenmint.AuthCode) (tokenmint.Issuance, error) {
				is := grantFor(used, p)
				tc.take(&is, &taken)
				return is, nil
			})
			wantErr(t, err, tokenmint.ErrConflict, "exchange storing a taken ID")
			used := c
			used.UsedAt = at(0)
			checkAbsent(t, s, grantFor(used, p))
			checkStored(t, s, taken)
			checkUnused(t, s, c)
		})
	}
}

func testExchangeReplay(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	c := authCode("code1", "c", "f1", at(time.Minute))
	ok(t, s.CreateAuthCode(ctx, c), "create auth code")
	first := grantFor(c, "first/")
	_, err := s.ExchangeAuthCode(ctx, "code1", at(0), func(tokenmint.AuthCode) (tokenmint.Issuance, error) { return first, nil })
	ok(t, err, "exchange auth code")
	second := grantFor(c, "second/")
	f := *second.Family
	f.ID = "f-second"
	second.Family = &f
	got, err := s.ExchangeAuthCode(ctx, "code1", at(time.Second), func(tokenmint.AuthCode) (tokenmint.Issuance, error) {
		t.Error("issue called for a used code")
		return second, nil
	})
	wantErr(t, err, tokenmint.ErrAlreadyUsed, "exchange auth code again")
	want := c
	want.UsedAt = at(0) // the first use, whose family the caller revokes
	same(t, "record returned with ErrAlreadyUsed", normCode(got), normCode(want))
	checkStored(t, s, first)
	checkAbsent(t, s, second)
}

func testExchangeUnknown(t *testing.T, s tokenmint.Store) {
	_, err := s.ExchangeAuthCode(t.Context(), "nope", at(0), func(tokenmint.AuthCode) (tokenmint.Issuance, error) {
		t.Error("issue called for an unknown code")
		return tokenmint.Issuance{}, nil
	})
	wantErr(t, err, tokenmint.ErrNotFound, "exchange unknown auth code")
}

// testExchangeConcurrent: of many simultaneous exchanges of one code
// exactly one stores its records.
func testExchangeConcurrent(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	c := authCode("code1", "c", "f1", at(time.Minute))
	ok(t, s.CreateAuthCode(ctx, c), "create auth code")
	const n = 16
	errs := make([]error, n)
	grants := make([]tokenmint.Issuance, n)
	for i := range grants {
		grants[i] = grantFor(c, fmt.Sprintf("%02d/", i))
		f := *grants[i].Family
		f.ID = fmt.Sprintf("f-%02d", i)
		grants[i].Family = &f
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			_, errs[i] = s.ExchangeAuthCode(ctx, "code1", at(0), func(tokenmint.AuthCode) (tokenmint.Issuance, error) {
				return grants[i], nil
			})
		})
	}
	close(start)
	wg.Wait()
	winner := checkOneWinner(t, errs)
	for i, g := range grants {
		if i == winner {
			checkStored(t, s, g)
		} else {
			checkAbsent(t, s, g)
		}
	}
}

// rotation is a family with an unused refresh token "rt1".
func rotation(t *testing.T, s tokenmint.Store) (tokenmint.Family, tokenmint.RefreshToken) {
	t.Helper()
	ctx := t.Context()
	f := family("f1", "c", "u1", at(time.Hour))
	ok(t, s.CreateFamily(ctx, f), "create family")
	old := refreshToken("rt1", f)
	ok(t, s.CreateRefreshToken(ctx, old), "create refresh token")
	return f, old
}

func testRotateStoresAccess(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	f, old := rotation(t, s)
	next := refreshToken("rt2", f)
	access := jwtToken("jti-2", "c", "f1", at(30*time.Minute))
	got, err := s.RotateRefreshToken(ctx, "rt1", at(time.Minute), next, &access)
	ok(t, err, "rotate refresh token")
	old.UsedAt = at(time.Minute)
	same(t, "returned old token", normRefresh(got), normRefresh(old))
	checkStored(t, s, tokenmint.Issuance{Refresh: &next, Access: &access})
	ok(t, s.RevokeFamily(ctx, "f1", at(2*time.Minute)), "revoke family")
	if !isRevoked(t, s, "jti-2") {
		t.Fatal("the JWT issued by a rotation is not revoked with its family")
	}
}

// testRotateAtomicAccess: when the access token cannot be stored, neither
// is the new refresh token, and the old one stays unused.
func testRotateAtomicAccess(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	f, old := rotation(t, s)
	existing := opaqueToken("at-taken", "other", "", at(time.Hour))
	ok(t, s.CreateAccessToken(ctx, existing), "create access token")
	next := refreshToken("rt2", f)
	clash := opaqueToken("at-taken", "c", "f1", at(30*time.Minute))
	_, err := s.RotateRefreshToken(ctx, "rt1", at(time.Minute), next, &clash)
	wantErr(t, err, tokenmint.ErrConflict, "rotate storing a taken access token ID")
	got, err := s.GetRefreshToken(ctx, "rt1")
	ok(t, err, "get old refresh token")
	same(t, "old token after a failed rotation", normRefresh(got), normRefresh(old))
	checkAbsent(t, s, tokenmint.Issuance{Refresh: &next})
	checkStored(t, s, tokenmint.Issuance{Access: &existing})
	access := opaqueToken("at-2", "c", "f1", at(30*time.Minute))
	_, err = s.RotateRefreshToken(ctx, "rt1", at(2*time.Minute), next, &access)
	ok(t, err, "rotate after a failed rotation")
	checkStored(t, s, tokenmint.Issuance{Refresh: &next, Access: &access})
}

// testRotateReplayAccess: a refused rotation (replay, unknown token)
// stores no access token either.
func testRotateReplayAccess(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	f, _ := rotation(t, s)
	_, err := s.RotateRefreshToken(ctx, "rt1", at(time.Minute), refreshToken("rt2", f), nil)
	ok(t, err, "first rotation")
	replay := opaqueToken("at-replay", "c", "f1", at(30*time.Minute))
	_, err = s.RotateRefreshToken(ctx, "rt1", at(2*time.Minute), refreshToken("rt3", f), &replay)
	wantErr(t, err, tokenmint.ErrAlreadyUsed, "second rotation")
	unknown := opaqueToken("at-unknown", "c", "f1", at(30*time.Minute))
	_, err = s.RotateRefreshToken(ctx, "nope", at(2*time.Minute), refreshToken("rt4", f), &unknown)
	wantErr(t, err, tokenmint.ErrNotFound, "rotate unknown refresh token")
	rt3, rt4 := refreshToken("rt3", f), refreshToken("rt4", f)
	checkAbsent(t, s, tokenmint.Issuance{Refresh: &rt3, Access: &replay})
	checkAbsent(t, s, tokenmint.Issuance{Refresh: &rt4, Access: &unknown})
}

func testRotateConcurrentAccess(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	f, _ := rotation(t, s)
	const n = 16
	errs := make([]error, n)
	grants := make([]tokenmint.Issuance, n)
	for i := range grants {
		r := refreshToken(fmt.Sprintf("next-%02d", i), f)
		a := jwtToken(fmt.Sprintf("jti-%02d", i), "c", "f1", at(30*time.Minute))
		grants[i] = tokenmint.Issuance{Refresh: &r, Access: &a}
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			_, errs[i] = s.RotateRefreshToken(ctx, "rt1", at(time.Minute), *grants[i].Refresh, grants[i].Access)
		})
	}
	close(start)
	wg.Wait()
	winner := checkOneWinner(t, errs)
	for i, g := range grants {
		if i == winner {
			checkStored(t, s, g)
		} else {
			checkAbsent(t, s, g)
		}
	}
}

// newIssuance is what a password grant stores: a new family with a
// refresh token and an opaque access token, their IDs prefixed with p.
func newIssuance(p string) tokenmint.Issuance {
	f := family(p+"fam", "c", "u1", at(24*time.Hour))
	r := refreshToken(p+"rt", f)
	a := opaqueToken(p+"at", "c", f.ID, at(time.Hour))
	a.Subject = f.Subject
	return tokenmint.Issuance{Family: &f, Refresh: &r, Access: &a}
}

func testCreateIssuance(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	is := newIssuance("x/")
	ok(t, s.CreateIssuance(ctx, is), "create issuance")
	checkStored(t, s, is)
	wantErr(t, s.CreateIssuance(ctx, is), tokenmint.ErrConflict, "create the same issuance again")
	checkStored(t, s, is)
	// The tokens belong to the family: revoking it takes them.
	ok(t, s.RevokeFamily(ctx, is.Family.ID, at(time.Minute)), "revoke family")
	checkAbsent(t, s, tokenmint.Issuance{Refresh: is.Refresh, Access: is.Access})
}

// testCreateIssuanceAtomic: when any record cannot be stored, none is; in
// particular no family is left without its tokens.
func testCreateIssuanceAtomic(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	taken := storeTaken(t, s)
	for _, tc := range takes {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.name + "/"
			is := newIssuance(p)
			tc.take(&is, &taken)
			wantErr(t, s.CreateIssuance(ctx, is), tokenmint.ErrConflict, "create issuance storing a taken ID")
			checkAbsent(t, s, newIssuance(p))
			checkStored(t, s, taken)
			ok(t, s.CreateIssuance(ctx, newIssuance(p)), "create issuance after a conflict")
		})
	}
}

// testCreateIssuanceNil: a nil field stores nothing. An empty issuance
// writes no row; one without a refresh token, the family and the access
// token's record alone (all the janitor finds once they expire).
func testCreateIssuanceNil(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.CreateIssuance(ctx, tokenmint.Issuance{}), "create empty issuance")
	is := newIssuance("x/")
	jwt := jwtToken("x/jti", "c", is.Family.ID, at(time.Hour))
	is.Refresh, is.Access = nil, &jwt
	ok(t, s.CreateIssuance(ctx, is), "create issuance without refresh token")
	checkStored(t, s, is)
	n, err := s.DeleteExpired(ctx, at(48*time.Hour))
	ok(t, err, "delete expired")
	if n != 2 {
		t.Fatalf("DeleteExpired removed %d rows, want 2: the family and the access token", n)
	}
}
