package sqlstore

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"github.com/tokenmint/tokenmint"
)

const userCols = `id, username, email, name, password_hash, created_at, updated_at, disabled_at, roles`

const selectUser = `SELECT ` + userCols + ` FROM users`

func userArgs(u *tokenmint.User) ([]any, error) {
	var e encoder
	roles := u.Roles
	if roles == nil {
		roles = []string{} // the column's default: no roles
	}
	args := []any{u.ID, u.Username, u.Email, u.Name, u.PasswordHash, micros(u.CreatedAt), micros(u.UpdatedAt), micros(u.DisabledAt), e.json(roles)}
	return args, e.err
}

func scanUser(r row) (tokenmint.User, error) {
	var u tokenmint.User
	err := r.Scan(&u.ID, &u.Username, &u.Email, &u.Name, &u.PasswordHash,
		timeCol{&u.CreatedAt}, timeCol{&u.UpdatedAt}, timeCol{&u.DisabledAt}, jsonCol{&u.Roles})
	if len(u.Roles) == 0 {
		u.Roles = nil
	}
	return u, err
}

// CreateUser stores a new user; ErrConflict when the ID or the username
// is taken.
func (db *DB) CreateUser(ctx context.Context, u tokenmint.User) error {
	args, err := userArgs(&u)
	if err == nil {
		_, err = db.w.ExecContext(ctx, db.q(`INSERT INTO users (`+userCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`), args...)
	}
	return db.wrap("create user", err)
}

// GetUser returns the user with that ID.
func (db *DB) GetUser(ctx context.Context, id string) (tokenmint.User, error) {
	u, err := scanUser(db.r.QueryRowContext(ctx, db.q(selectUser+` WHERE id = ?`), id))
	return u, db.wrap("get user", err)
}

// GetUserByUsername returns the user with exactly that username.
func (db *DB) GetUserByUsername(ctx context.Context, username string) (tokenmint.User, error) {
	u, err := scanUser(db.r.QueryRowContext(ctx, db.q(selectUser+` WHERE username = ?`), username))
	return u, db.wrap("get user by username", err)
}

// ListUsers returns every user ordered by username (bytewise).
func (db *DB) ListUsers(ctx context.Context) ([]tokenmint.User, error) {
	us, err := queryAll(ctx, db.r, selectUser, scanUser)
	if err != nil {
		return nil, db.wrap("list users", err)
	}
	slices.SortFunc(us, func(a, b tokenmint.User) int { return strings.Compare(a.Username, b.Username) })
	return us, nil
}

// UpdateUser loads the user (locking its row), applies update and stores
// the result in one transaction. An error from update is returned as is
// and nothing is written; a username taken by another user is ErrConflict.
func (db *DB) UpdateUser(ctx context.Context, id string, update func(*tokenmint.User) error) (tokenmint.User, error) {
	var u tokenmint.User
	var updateErr error
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		u, err = scanUser(tx.QueryRowContext(ctx, db.q(selectUser+` WHERE id = ?`+db.flavor.forUpdate), id))
		if err != nil {
			return err
		}
		if updateErr = update(&u); updateErr != nil {
			return updateErr
		}
		if u.ID != id {
			return errIDChanged
		}
		const q = `UPDATE users SET username = ?, email = ?, name = ?, password_hash = ?,
			created_at = ?, updated_at = ?, disabled_at = ?, roles = ? WHERE id = ?`
		args, err := userArgs(&u)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, db.q(q), append(args[1:], id)...)
		return err
	})
	if updateErr != nil {
		return tokenmint.User{}, updateErr
	}
	if err != nil {
		return tokenmint.User{}, db.wrap("update user", err)
	}
	return u, nil
}

// DeleteUser removes the user and, in the same transaction, everything
// RevokeUserGrants ends: their login sessions and authorization codes
// (which would mint tokens for nobody) go, their families are revoked.
func (db *DB) DeleteUser(ctx context.Context, id string) error {
	now := db.now()
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := mustAffect(tx.ExecContext(ctx, db.q(`DELETE FROM users WHERE id = ?`), id)); err != nil {
			return err
		}
		return db.revokeUserGrants(ctx, tx, id, now)
	})
	return db.wrap("delete user", err)
}

// RevokeUserGrants deletes the user's login sessions and authorization
// codes (used ones too: their families are revoked with the rest) and
// revokes every family issued to them (see RevokeFamily), in one
// transaction; the user stays. An unknown user is not an error: there is
// nothing to end.
func (db *DB) RevokeUserGrants(ctx context.Context, userID string, now time.Time) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error { return db.revokeUserGrants(ctx, tx, userID, now) })
	return db.wrap("revoke user grants", err)
}

// revokeUserGrants is RevokeUserGrants inside tx. The codes go first: a
// concurrent exchange of one either finds it gone or commits its family
// before the families are revoked here (the code's row lock orders them).
func (db *DB) revokeUserGrants(ctx context.Context, tx *sql.Tx, userID string, now time.Time) error {
	// The sessions' back-channel logouts are queued before the sessions go.
	if err := db.queueLogouts(ctx, tx, `s.user_id = ?`, userID, now); err != nil {
		return err
	}
	for _, s := range []string{
		`DELETE FROM auth_codes WHERE subject = ?`,
		`DELETE FROM login_sessions WHERE user_id = ?`,
		`DELETE FROM device_authorizations WHERE subject = ?`,
	} {
		if _, err := tx.ExecContext(ctx, db.q(s), userID); err != nil {
			return err
		}
	}
	return db.revokeSubjectFamilies(ctx, tx, userID, now)
}
