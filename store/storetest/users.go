package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
)

func userTests() []test {
	return []test{
		{"RoundTrip", testUserRoundTrip},
		{"RoundTripZeroTimes", testUserRoundTripZero},
		{"CreateConflictID", testUserConflictID},
		{"CreateConflictUsername", testUserConflictUsername},
		{"GetNotFound", testUserGetNotFound},
		{"UsernameComparedExactly", testUserUsernameExact},
		{"ListOrderedByUsername", testUserList},
		{"Update", testUserUpdate},
		{"UpdateAbort", testUserUpdateAbort},
		{"UpdateNotFound", testUserUpdateNotFound},
		{"UpdateUsernameConflict", testUserUpdateUsernameConflict},
		{"Delete", testUserDelete},
		{"DeleteNotFound", testUserDeleteNotFound},
		{"DeleteRevokesFamiliesAndSessions", testUserDeleteCascades},
		{"DisableAndEnable", testUserDisable},
		{"RevokeUserGrants", testRevokeUserGrants},
		{"RevokeUserGrantsUnknownUser", testRevokeUserGrantsUnknown},
	}
}

func testUserRoundTrip(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	u := fullUser("u1", "alice")
	ok(t, s.CreateUser(ctx, u), "create user")
	got, err := s.GetUser(ctx, "u1")
	ok(t, err, "get user")
	same(t, "user by id", normUser(got), normUser(u))
	got, err = s.GetUserByUsername(ctx, "alice")
	ok(t, err, "get user by username")
	same(t, "user by username", normUser(got), normUser(u))
}

func testUserRoundTripZero(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	u := tokenmint.User{ID: "u1", Username: "bob"}
	ok(t, s.CreateUser(ctx, u), "create user")
	got, err := s.GetUser(ctx, "u1")
	ok(t, err, "get user")
	same(t, "user", normUser(got), normUser(u))
	if !got.CreatedAt.IsZero() || !got.UpdatedAt.IsZero() || !got.DisabledAt.IsZero() || got.Disabled() {
		t.Fatalf("zero times came back as %v, %v, %v", got.CreatedAt, got.UpdatedAt, got.DisabledAt)
	}
}

func testUserConflictID(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.CreateUser(ctx, fullUser("u1", "alice")), "create user")
	wantErr(t, s.CreateUser(ctx, fullUser("u1", "bob")), tokenmint.ErrConflict, "create user with taken id")
	_, err := s.GetUserByUsername(ctx, "bob")
	wantErr(t, err, tokenmint.ErrNotFound, "get user of failed create")
}

func testUserConflictUsername(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.CreateUser(ctx, fullUser("u1", "alice")), "create user")
	wantErr(t, s.CreateUser(ctx, fullUser("u2", "alice")), tokenmint.ErrConflict, "create user with taken username")
	_, err := s.GetUser(ctx, "u2")
	wantErr(t, err, tokenmint.ErrNotFound, "get user of failed create")
}

func testUserGetNotFound(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	_, err := s.GetUser(ctx, "nope")
	wantErr(t, err, tokenmint.ErrNotFound, "get unknown user")
	_, err = s.GetUserByUsername(ctx, "nope")
	wantErr(t, err, tokenmint.ErrNotFound, "get unknown username")
}

func testUserUsernameExact(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.CreateUser(ctx, fullUser("u1", "alice")), "create user")
	ok(t, s.CreateUser(ctx, fullUser("u2", "Alice")), "create user differing in case")
	for _, name := range []string{"ALICE", "alice ", " alice", "alic"} {
		_, err := s.GetUserByUsername(ctx, name)
		wantErr(t, err, tokenmint.ErrNotFound, "get username "+name)
	}
	got, err := s.GetUserByUsername(ctx, "Alice")
	ok(t, err, "get user by username")
	if got.ID != "u2" {
		t.Fatalf("username Alice found user %q, want u2", got.ID)
	}
}

func testUserList(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	users := []tokenmint.User{fullUser("1", "carol"), fullUser("2", "Bob"), fullUser("3", "alice"), fullUser("4", "bob")}
	for _, u := range users {
		ok(t, s.CreateUser(ctx, u), "create user")
	}
	got, err := s.ListUsers(ctx)
	ok(t, err, "list users")
	var names []string
	for _, u := range got {
		names = append(names, u.Username)
	}
	same(t, "user order", names, []string{"Bob", "alice", "bob", "carol"}) // bytewise
	same(t, "first user", normUser(got[0]), normUser(users[1]))
}

func testUserUpdate(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.CreateUser(ctx, fullUser("u1", "alice")), "create user")
	want := fullUser("u1", "alicia")
	want.PasswordHash, want.UpdatedAt = "$argon2id$new", at(time.Minute)
	got, err := s.UpdateUser(ctx, "u1", func(u *tokenmint.User) error {
		same(t, "user given to update", normUser(*u), normUser(fullUser("u1", "alice")))
		*u = want
		return nil
	})
	ok(t, err, "update user")
	same(t, "returned user", normUser(got), normUser(want))
	got, err = s.GetUserByUsername(ctx, "alicia")
	ok(t, err, "get renamed user")
	same(t, "stored user", normUser(got), normUser(want))
	_, err = s.GetUserByUsername(ctx, "alice")
	wantErr(t, err, tokenmint.ErrNotFound, "get old username")
}

func testUserUpdateAbort(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.CreateUser(ctx, fullUser("u1", "alice")), "create user")
	abort := errors.New("no")
	_, err := s.UpdateUser(ctx, "u1", func(u *tokenmint.User) error {
		u.Email = "changed@example.org"
		return abort
	})
	wantErr(t, err, abort, "aborted update")
	got, err := s.GetUser(ctx, "u1")
	ok(t, err, "get user")
	same(t, "user after aborted update", normUser(got), normUser(fullUser("u1", "alice")))
}

func testUserUpdateNotFound(t *testing.T, s tokenmint.Store) {
	_, err := s.UpdateUser(t.Context(), "nope", func(*tokenmint.User) error {
		t.Error("update closure called for an unknown user")
		return nil
	})
	wantErr(t, err, tokenmint.ErrNotFound, "update unknown user")
}

func testUserUpdateUsernameConflict(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.CreateUser(ctx, fullUser("u1", "alice")), "create user")
	ok(t, s.CreateUser(ctx, fullUser("u2", "bob")), "create user")
	_, err := s.UpdateUser(ctx, "u2", func(u *tokenmint.User) error {
		u.Username = "alice"
		return nil
	})
	wantErr(t, err, tokenmint.ErrConflict, "rename to taken username")
	got, err := s.GetUser(ctx, "u2")
	ok(t, err, "get user")
	same(t, "user after failed rename", normUser(got), normUser(fullUser("u2", "bob")))
}

func testUserDelete(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.CreateUser(ctx, fullUser("u1", "alice")), "create user")
	ok(t, s.CreateUser(ctx, fullUser("u2", "bob")), "create user")
	ok(t, s.DeleteUser(ctx, "u1"), "delete user")
	_, err := s.GetUser(ctx, "u1")
	wantErr(t, err, tokenmint.ErrNotFound, "get deleted user")
	_, err = s.GetUserByUsername(ctx, "alice")
	wantErr(t, err, tokenmint.ErrNotFound, "get deleted username")
	list, err := s.ListUsers(ctx)
	ok(t, err, "list users")
	if len(list) != 1 || list[0].ID != "u2" {
		t.Fatalf("after delete, users = %s, want only u2", show(list))
	}
	ok(t, s.CreateUser(ctx, fullUser("u3", "alice")), "reuse a deleted username")
}

func testUserDeleteNotFound(t *testing.T, s tokenmint.Store) {
	wantErr(t, s.DeleteUser(t.Context(), "nope"), tokenmint.ErrNotFound, "delete unknown user")
}

func testUserDeleteCascades(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.CreateClient(ctx, fullClient("c")), "create client")
	ok(t, s.CreateUser(ctx, fullUser("u1", "alice")), "create user")
	ok(t, s.CreateUser(ctx, fullUser("u2", "bob")), "create user")
	gone := issue(t, s, "c", "u1")
	kept := issue(t, s, "c", "u2")
	exp := at(8 * time.Hour)
	ok(t, s.CreateLoginSession(ctx, loginSession("s1", "u1", exp)), "create session")
	ok(t, s.CreateLoginSession(ctx, loginSession("s2", "u2", exp)), "create session")

	ok(t, s.DeleteUser(ctx, "u1"), "delete user")
	_, err := s.GetLoginSession(ctx, "s1")
	wantErr(t, err, tokenmint.ErrNotFound, "get session of deleted user")
	f, err := s.GetFamily(ctx, gone.family.ID)
	if err == nil && f.RevokedAt.IsZero() {
		t.Fatal("a family of the deleted user is still live")
	}
	if err != nil && !errors.Is(err, tokenmint.ErrNotFound) {
		t.Fatalf("get family of deleted user: %v", err)
	}
	_, err = s.GetRefreshToken(ctx, gone.refresh.ID)
	wantErr(t, err, tokenmint.ErrNotFound, "get refresh token of deleted user")
	_, err = s.GetAccessToken(ctx, gone.opaque.ID)
	wantErr(t, err, tokenmint.ErrNotFound, "get opaque token of deleted user")
	if !isRevoked(t, s, gone.jwt.ID) {
		t.Fatal("a JWT of the deleted user is not revoked")
	}
	sess, err := s.GetLoginSession(ctx, "s2")
	ok(t, err, "get other user's session")
	same(t, "other session", normSession(sess), normSession(loginSession("s2", "u2", exp)))
	checkIntact(t, s, kept)
}

// testUserDisable: DisabledAt is stored by UpdateUser, and clearing it
// enables the user again.
func testUserDisable(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	u := fullUser("u1", "alice")
	u.DisabledAt = time.Time{}
	ok(t, s.CreateUser(ctx, u), "create user")
	for _, when := range []time.Time{at(time.Minute), {}} {
		want := u
		want.DisabledAt = when
		_, err := s.UpdateUser(ctx, "u1", func(u *tokenmint.User) error {
			u.DisabledAt = when
			return nil
		})
		ok(t, err, "update user")
		got, err := s.GetUserByUsername(ctx, "alice")
		ok(t, err, "get user")
		same(t, "user", normUser(got), normUser(want))
		if got.Disabled() != !when.IsZero() {
			t.Fatalf("Disabled() = %v with DisabledAt %v", got.Disabled(), got.DisabledAt)
		}
	}
}

// testRevokeUserGrants: the user's sessions and codes go, their families
// are revoked at now with every token of them; the user record and other
// users' grants stay.
func testRevokeUserGrants(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.CreateClient(ctx, fullClient("c")), "create client")
	ok(t, s.CreateClient(ctx, fullClient("d")), "create client")
	alice, bob := fullUser("u1", "alice"), fullUser("u2", "bob")
	ok(t, s.CreateUser(ctx, alice), "create user")
	ok(t, s.CreateUser(ctx, bob), "create user")
	gone := []issued{issue(t, s, "c", "u1"), issue(t, s, "d", "u1")}
	kept := issue(t, s, "c", "u2")
	exp := at(8 * time.Hour)
	ok(t, s.CreateLoginSession(ctx, loginSession("s1", "u1", exp)), "create session")
	ok(t, s.CreateLoginSession(ctx, loginSession("s1b", "u1", exp)), "create session")
	ok(t, s.CreateLoginSession(ctx, loginSession("s2", "u2", exp)), "create session")

	ok(t, s.RevokeUserGrants(ctx, "u1", at(time.Minute)), "revoke user grants")
	for _, id := range []string{"s1", "s1b"} {
		_, err := s.GetLoginSession(ctx, id)
		wantErr(t, err, tokenmint.ErrNotFound, "get session "+id+" of the user")
	}
	for _, is := range gone {
		f, err := s.GetFamily(ctx, is.family.ID)
		ok(t, err, "get revoked family")
		if !f.RevokedAt.Equal(at(time.Minute)) {
			t.Fatalf("family %s revoked at %v, want %v", f.ID, f.RevokedAt, at(time.Minute))
		}
		checkGone(t, s, is)
		_, err = s.ExchangeAuthCode(ctx, is.code.ID, at(time.Minute), nil)
		wantErr(t, err, tokenmint.ErrNotFound, "exchange a code of the user")
	}
	got, err := s.GetUser(ctx, "u1")
	ok(t, err, "get user")
	same(t, "user", normUser(got), normUser(alice))
	_, err = s.GetLoginSession(ctx, "s2")
	ok(t, err, "get other user's session")
	checkIntact(t, s, kept)

	ok(t, s.RevokeUserGrants(ctx, "u1", at(time.Hour)), "revoke user grants again")
	f, err := s.GetFamily(ctx, gone[0].family.ID)
	ok(t, err, "get revoked family")
	if !f.RevokedAt.Equal(at(time.Minute)) {
		t.Fatalf("a second revocation moved revoked_at to %v", f.RevokedAt)
	}
}

func testRevokeUserGrantsUnknown(t *testing.T, s tokenmint.Store) {
	ok(t, s.RevokeUserGrants(t.Context(), "nobody", at(0)), "revoke grants of an unknown user")
}
