package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
)

func authCodeTests() []test {
	return []test{
		{"ExchangeRoundTrip", testCodeExchange},
		{"ExchangeRoundTripNoPKCE", testCodeExchangeMinimal},
		{"CreateConflict", testCodeConflict},
		{"ExchangeUnknown", testCodeUnknown},
		{"ExchangeTwiceIsReplay", testCodeReplay},
		{"ExchangeConcurrent", testCodeConcurrent},
		{"ExchangeExpiredIsCallersCheck", testCodeExpired},
	}
}

func testCodeExchange(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	c := authCode("code1", "c", "f1", at(time.Minute))
	ok(t, s.CreateAuthCode(ctx, c), "create auth code")
	ok(t, s.CreateAuthCode(ctx, authCode("code2", "c", "f2", at(time.Minute))), "create other auth code")
	got, err := s.ExchangeAuthCode(ctx, "code1", at(0), nil)
	ok(t, err, "exchange auth code")
	want := c
	want.UsedAt = at(0)
	same(t, "exchanged code", normCode(got), normCode(want))
	_, err = s.ExchangeAuthCode(ctx, "code2", at(0), nil)
	ok(t, err, "exchange other auth code")
}

func testCodeExchangeMinimal(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	c := tokenmint.AuthCode{ID: "code1", FamilyID: "f1", ClientID: "c", RedirectURI: "https://a/cb", Subject: "u", ExpiresAt: at(time.Minute)}
	ok(t, s.CreateAuthCode(ctx, c), "create auth code")
	got, err := s.ExchangeAuthCode(ctx, "code1", at(0), nil)
	ok(t, err, "exchange auth code")
	c.UsedAt = at(0)
	same(t, "exchanged code", normCode(got), normCode(c))
}

func testCodeConflict(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	c := authCode("code1", "c", "f1", at(time.Minute))
	ok(t, s.CreateAuthCode(ctx, c), "create auth code")
	wantErr(t, s.CreateAuthCode(ctx, authCode("code1", "d", "f2", at(time.Hour))), tokenmint.ErrConflict, "create duplicate auth code")
	got, err := s.ExchangeAuthCode(ctx, "code1", at(0), nil)
	ok(t, err, "exchange auth code")
	if got.ClientID != "c" || got.FamilyID != "f1" {
		t.Fatalf("a conflicting create changed the code: %s", show(got))
	}
}

func testCodeUnknown(t *testing.T, s tokenmint.Store) {
	_, err := s.ExchangeAuthCode(t.Context(), "nope", at(0), nil)
	wantErr(t, err, tokenmint.ErrNotFound, "exchange unknown auth code")
}

func testCodeReplay(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	c := authCode("code1", "c", "f1", at(time.Minute))
	ok(t, s.CreateAuthCode(ctx, c), "create auth code")
	_, err := s.ExchangeAuthCode(ctx, "code1", at(0), nil)
	ok(t, err, "exchange auth code")
	for range 2 {
		got, err := s.ExchangeAuthCode(ctx, "code1", at(10*time.Second), nil)
		wantErr(t, err, tokenmint.ErrAlreadyUsed, "exchange auth code again")
		want := c
		want.UsedAt = at(0) // the first use, which the caller revokes by
		same(t, "record returned with ErrAlreadyUsed", normCode(got), normCode(want))
	}
}

func testCodeConcurrent(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.CreateAuthCode(ctx, authCode("code1", "c", "f1", at(time.Minute))), "create auth code")
	const n = 16
	errs := make([]error, n)
	used := make([]time.Time, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			var c tokenmint.AuthCode
			c, errs[i] = s.ExchangeAuthCode(ctx, "code1", at(time.Duration(i)*time.Millisecond), nil)
			used[i] = c.UsedAt
		})
	}
	close(start)
	wg.Wait()
	winner := checkOneWinner(t, errs)
	for i, u := range used {
		if !u.Equal(at(time.Duration(winner) * time.Millisecond)) {
			t.Errorf("caller %d saw UsedAt %v, want the winner's %v", i, u, at(time.Duration(winner)*time.Millisecond))
		}
	}
}

func testCodeExpired(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	c := authCode("code1", "c", "f1", at(-time.Minute))
	ok(t, s.CreateAuthCode(ctx, c), "create auth code")
	got, err := s.ExchangeAuthCode(ctx, "code1", at(0), nil)
	ok(t, err, "exchange expired auth code")
	if !got.ExpiresAt.Equal(at(-time.Minute)) {
		t.Fatalf("ExpiresAt = %v, want %v", got.ExpiresAt, at(-time.Minute))
	}
}
