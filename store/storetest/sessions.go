package storetest

import (
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
)

func loginSessionTests() []test {
	return []test{
		{"RoundTrip", testSessionRoundTrip},
		{"CreateConflict", testSessionConflict},
		{"GetNotFound", testSessionNotFound},
		{"Delete", testSessionDelete},
	}
}

func testSessionRoundTrip(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ls := loginSession("s1", "u1", at(8*time.Hour))
	ok(t, s.CreateLoginSession(ctx, ls), "create login session")
	got, err := s.GetLoginSession(ctx, "s1")
	ok(t, err, "get login session")
	same(t, "login session", normSession(got), normSession(ls))
}

func testSessionConflict(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ls := loginSession("s1", "u1", at(8*time.Hour))
	ok(t, s.CreateLoginSession(ctx, ls), "create login session")
	wantErr(t, s.CreateLoginSession(ctx, loginSession("s1", "u2", at(time.Hour))), tokenmint.ErrConflict, "create duplicate session")
	got, err := s.GetLoginSession(ctx, "s1")
	ok(t, err, "get login session")
	same(t, "session after conflict", normSession(got), normSession(ls))
}

func testSessionNotFound(t *testing.T, s tokenmint.Store) {
	_, err := s.GetLoginSession(t.Context(), "nope")
	wantErr(t, err, tokenmint.ErrNotFound, "get unknown session")
}

func testSessionDelete(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.CreateLoginSession(ctx, loginSession("s1", "u1", at(time.Hour))), "create login session")
	ok(t, s.CreateLoginSession(ctx, loginSession("s2", "u1", at(time.Hour))), "create login session")
	ok(t, s.DeleteLoginSession(ctx, "s1"), "delete login session")
	_, err := s.GetLoginSession(ctx, "s1")
	wantErr(t, err, tokenmint.ErrNotFound, "get deleted session")
	_, err = s.GetLoginSession(ctx, "s2")
	ok(t, err, "get other session")
}
