package registry

import (
	"context"
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/password"
	"github.com/tokenmint/tokenmint/token"
)

// Limits on user fields.
const (
	MaxUsernameLen    = 256 // bytes
	MinPasswordLength = 8   // characters
)

// UserSpec describes a user to create.
type UserSpec struct {
	Username string // unique, compared exactly
	Email    string // optional
	Name     string // optional display name
}

// CreateUser validates spec and the password, hashes the password with
// argon2id and stores the user under a generated ID. A rejected spec or
// password yields an error wrapping ErrInvalid; a username already taken,
// tokenmint.ErrConflict.
func (r *Registry) CreateUser(ctx context.Context, spec UserSpec, pw string) (tokenmint.User, error) {
	if err := spec.validate(); err != nil {
		return tokenmint.User{}, err
	}
	hash, err := r.hashPassword(pw)
	if err != nil {
		return tokenmint.User{}, err
	}
	now := r.now()
	u := tokenmint.User{
		ID:           token.NewID(),
		Username:     spec.Username,
		Email:        spec.Email,
		Name:         spec.Name,
		PasswordHash: hash,
		CreatedAt:    now,
		UpdatedAt:    now,
	}
	if err := r.Store.CreateUser(ctx, u); err != nil {
		return tokenmint.User{}, fmt.Errorf("create user %q: %w", spec.Username, err)
	}
	r.record(ctx, tokenmint.AuditEvent{Type: tokenmint.AuditUserCreated, UserID: u.ID, Details: map[string]string{"username": u.Username}})
	return u, nil
}

// SetPassword replaces the password of the user with ID userID and then
// ends everything the old one gave access to (RFC 6819 §5.2.2.3): the
// user's browser sessions, codes and refresh token families, with every
// access token issued from them, on every instance sharing the store (see
// tokenmint.Store.RevokeUserGrants). The password is stored first, so
// that no sign-in with the old one can start after the revocation.
func (r *Registry) SetPassword(ctx context.Context, userID, pw string) error {
	hash, err := r.hashPassword(pw)
	if err != nil {
		return err
	}
	now := r.now()
	_, err = r.Store.UpdateUser(ctx, userID, func(u *tokenmint.User) error {
		u.PasswordHash, u.UpdatedAt = hash, now
		return nil
	})
	if err != nil {
		return fmt.Errorf("set password of user %s: %w", userID, err)
	}
	r.record(ctx, tokenmint.AuditEvent{Type: tokenmint.AuditUserChanged, UserID: userID, Details: map[string]string{"fields": "password"}})
	return r.revokeUserGrants(ctx, userID, now)
}

// SetDisabled disables (disabled true) or enables the user with ID
// userID and returns the record. A disabled user cannot sign in, and
// disabling ends their sessions and grants as SetPassword does; enabling
// lets them sign in again and restores nothing that was ended. Disabling
// a disabled user keeps the first DisabledAt (and ends anything again).
func (r *Registry) SetDisabled(ctx context.Context, userID string, disabled bool) (tokenmint.User, error) {
	now := r.now()
	u, err := r.Store.UpdateUser(ctx, userID, func(u *tokenmint.User) error {
		switch {
		case !disabled:
			u.DisabledAt = time.Time{}
		case !u.Disabled():
			u.DisabledAt = now
		}
		u.UpdatedAt = now
		return nil
	})
	if err != nil {
		return tokenmint.User{}, fmt.Errorf("update user %s: %w", userID, err)
	}
	r.record(ctx, tokenmint.AuditEvent{Type: tokenmint.AuditUserChanged, UserID: userID,
		Details: map[string]string{"fields": "disabled", "disabled": strconv.FormatBool(disabled)}})
	if disabled {
		return u, r.revokeUserGrants(ctx, userID, now)
	}
	return u, nil
}

func (r *Registry) revokeUserGrants(ctx context.Context, userID string, now time.Time) error {
	if err := r.Store.RevokeUserGrants(ctx, userID, now); err != nil {
		return fmt.Errorf("end the sessions and tokens of user %s: %w", userID, err)
	}
	return nil
}

func (r *Registry) hashPassword(pw string) (string, error) {
	if err := ValidatePassword(pw); err != nil {
		return "", err
	}
	h, err := r.passwords()
	if err != nil {
		return "", err
	}
	hash, err := h.Hash(pw)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return hash, nil
}

// ValidatePassword checks a new password: at least MinPasswordLength
// characters and at most password.MaxLength bytes. Errors wrap ErrInvalid.
func ValidatePassword(pw string) error {
	switch {
	case !utf8.ValidString(pw):
		return invalidf("password is not valid UTF-8")
	case utf8.RuneCountInString(pw) < MinPasswordLength:
		return invalidf("password is shorter than %d characters", MinPasswordLength)
	case len(pw) > password.MaxLength:
		return invalidf("password is longer than %d bytes", password.MaxLength)
	}
	return nil
}

func (spec UserSpec) validate() error {
	if err := ValidateUsername(spec.Username); err != nil {
		return err
	}
	if spec.Email != "" {
		if a, err := mail.ParseAddress(spec.Email); err != nil || a.Address != spec.Email || a.Name != "" {
			return invalidf("invalid email %q (use a bare address like ada@example.com)", spec.Email)
		}
	}
	if hasControl(spec.Name) || !utf8.ValidString(spec.Name) {
		return invalidf("name contains control characters or invalid UTF-8")
	}
	return nil
}

// ValidateUsername checks a username: non-empty, valid UTF-8, at most
// MaxUsernameLen bytes, no control characters and no surrounding blanks.
// Errors wrap ErrInvalid.
func ValidateUsername(name string) error {
	switch {
	case name == "":
		return invalidf("username is empty")
	case len(name) > MaxUsernameLen:
		return invalidf("username is longer than %d bytes", MaxUsernameLen)
	case !utf8.ValidString(name):
		return invalidf("username is not valid UTF-8")
	case hasControl(name):
		return invalidf("username %q contains control characters", name)
	case strings.TrimSpace(name) != name:
		return invalidf("username %q has leading or trailing spaces", name)
	}
	return nil
}

func hasControl(s string) bool { return strings.IndexFunc(s, unicode.IsControl) >= 0 }
