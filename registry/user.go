package registry

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"slices"
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
	// Roles are the user's roles (tokenmint.RoleAdmin); see ValidateRole.
	Roles []string
}

// MaxRoleLen bounds the length of a role name.
const MaxRoleLen = 64

// ValidateRole checks a role name: 1 to MaxRoleLen characters, a lower
// case ASCII letter first, then lower case letters, digits and . _ : -.
// Errors wrap ErrInvalid.
func ValidateRole(role string) error {
	ok := role != "" && len(role) <= MaxRoleLen && role[0] >= 'a' && role[0] <= 'z'
	for i := 0; ok && i < len(role); i++ {
		c := role[i]
		ok = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte("._:-", c) >= 0
	}
	if !ok {
		return invalidf("invalid role %q: 1 to %d characters, a lower case letter first, then lower case letters, digits and . _ : -", role, MaxRoleLen)
	}
	return nil
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
		Roles:        roles(spec.Roles),
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

// UpdateUser applies change to the username, email, name and roles of
// the user with ID userID, validates them as CreateUser does and stores
// them, atomically, and returns the user. A rejected spec yields an error
// wrapping ErrInvalid; a username taken by another user,
// tokenmint.ErrConflict; an unknown user, tokenmint.ErrNotFound.
func (r *Registry) UpdateUser(ctx context.Context, userID string, change func(*UserSpec)) (tokenmint.User, error) {
	now := r.now()
	var fields []string
	u, err := r.Store.UpdateUser(ctx, userID, func(u *tokenmint.User) error {
		before := *u
		spec := UserSpec{Username: u.Username, Email: u.Email, Name: u.Name, Roles: slices.Clone(u.Roles)}
		change(&spec)
		if err := spec.validate(); err != nil {
			return err
		}
		u.Username, u.Email, u.Name, u.Roles = spec.Username, spec.Email, spec.Name, roles(spec.Roles)
		u.UpdatedAt = now
		fields = changedFields(before, *u)
		return nil
	})
	if err != nil && !errors.Is(err, ErrInvalid) {
		return tokenmint.User{}, fmt.Errorf("update user %s: %w", userID, err)
	}
	if err == nil {
		r.record(ctx, tokenmint.AuditEvent{Type: tokenmint.AuditUserChanged, UserID: userID, Details: map[string]string{"fields": strings.Join(fields, ",")}})
	}
	return u, err
}

// RevokeSessions ends the sign-ins of the user with ID userID, as a
// password change does, and keeps the user and their password: their
// browser sessions, codes and refresh token families go, with every
// access token issued from them. An unknown user is tokenmint.ErrNotFound.
func (r *Registry) RevokeSessions(ctx context.Context, userID string) error {
	if _, err := r.Store.GetUser(ctx, userID); err != nil {
		return fmt.Errorf("user %s: %w", userID, err)
	}
	if err := r.revokeUserGrants(ctx, userID, r.now()); err != nil {
		return err
	}
	r.record(ctx, tokenmint.AuditEvent{Type: tokenmint.AuditUserSignedOut, UserID: userID})
	return nil
}

// RevokeClientTokens ends every token and grant of the client with that
// ID, on every instance; the client stays (Store.RevokeClientTokens).
func (r *Registry) RevokeClientTokens(ctx context.Context, clientID string) error {
	if err := r.Store.RevokeClientTokens(ctx, clientID, r.now()); err != nil {
		return err
	}
	r.record(ctx, tokenmint.AuditEvent{Type: tokenmint.AuditClientTokensRevoked, ClientID: clientID})
	return nil
}

// Record records an audit event for a change made outside the registry
// (dynamic registration stores its clients itself), with the actor of
// ctx.
func (r *Registry) Record(ctx context.Context, ev tokenmint.AuditEvent) { r.record(ctx, ev) }

// roles is a copy of rs without duplicates, nil when empty.
func roles(rs []string) []string {
	var out []string
	for _, r := range rs {
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

func (spec UserSpec) validate() error {
	if err := ValidateUsername(spec.Username); err != nil {
		return err
	}
	for _, r := range spec.Roles {
		if err := ValidateRole(r); err != nil {
			return err
		}
	}
	if err := ValidateEmail(spec.Email); err != nil {
		return err
	}
	return ValidateName(spec.Name)
}

// ValidateEmail checks an email address: empty, or one bare address
// (ada@example.com). Errors wrap ErrInvalid.
func ValidateEmail(email string) error {
	if email == "" {
		return nil
	}
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email || a.Name != "" {
		return invalidf("invalid email %q (use a bare address like ada@example.com)", email)
	}
	return nil
}

// ValidateName checks a display name: valid UTF-8 without control
// characters. Errors wrap ErrInvalid.
func ValidateName(name string) error {
	if hasControl(name) || !utf8.ValidString(name) {
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
