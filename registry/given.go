package registry

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/token"
)

// Credentials an operator chose rather than the registry generated: the
// client secrets, API keys and passwords a declarative file (tokenmint
// apply, serve --seed) names by reference, and the fixed ones of serve
// --dev. These functions let a caller check whether the stored hash
// already matches, so that applying the same file twice writes nothing.

// SetSecret makes secret the client's secret. The secret it replaces
// stops working at once, and so does a previous one still in a rotation's
// grace period. A public client has no secret (ErrInvalid).
func (r *Registry) SetSecret(ctx context.Context, id string, secret token.Secret) (tokenmint.Client, error) {
	return r.setCredential(ctx, id, secret, func(c *tokenmint.Client, sum []byte) error {
		if c.Public {
			return invalidf("client %s is public and cannot have a secret", id)
		}
		c.SecretHash, c.PreviousSecretHash, c.PreviousSecretExpiresAt = sum, nil, time.Time{}
		return nil
	})
}

// SetAPIKey makes key the client's API key, replacing (or adding) it.
func (r *Registry) SetAPIKey(ctx context.Context, id string, key token.Secret) (tokenmint.Client, error) {
	return r.setCredential(ctx, id, key, func(c *tokenmint.Client, sum []byte) error {
		c.APIKeyHash = sum
		return nil
	})
}

func (r *Registry) setCredential(ctx context.Context, id string, secret token.Secret, set func(*tokenmint.Client, []byte) error) (tokenmint.Client, error) {
	if secret == "" {
		return tokenmint.Client{}, invalidf("empty credential for client %s", id)
	}
	h, err := r.secrets()
	if err != nil {
		return tokenmint.Client{}, err
	}
	sum := h.Sum(secret.Reveal())
	now := r.now()
	c, err := r.Store.UpdateClient(ctx, id, func(c *tokenmint.Client) error {
		if err := set(c, sum); err != nil {
			return err
		}
		c.UpdatedAt = now
		return nil
	})
	if err != nil && !errors.Is(err, ErrInvalid) {
		return tokenmint.Client{}, fmt.Errorf("set credential of client %s: %w", id, err)
	}
	if err == nil {
		r.record(ctx, tokenmint.AuditEvent{Type: tokenmint.AuditClientRotated, ClientID: id, Details: map[string]string{"credential": "given"}})
	}
	return c, err
}

// SecretMatches reports whether secret is the client's current secret
// (not a previous one in its grace period), compared in constant time.
func (r *Registry) SecretMatches(c *tokenmint.Client, secret token.Secret) (bool, error) {
	return r.matches(c.SecretHash, secret)
}

// APIKeyMatches reports whether key is the client's API key.
func (r *Registry) APIKeyMatches(c *tokenmint.Client, key token.Secret) (bool, error) {
	return r.matches(c.APIKeyHash, key)
}

func (r *Registry) matches(sum []byte, secret token.Secret) (bool, error) {
	h, err := r.secrets()
	if err != nil {
		return false, err
	}
	return len(sum) > 0 && h.Verify(secret.Reveal(), sum), nil
}

// PasswordMatches reports whether pw is the user's password. It costs
// one argon2id hash.
func (r *Registry) PasswordMatches(u *tokenmint.User, pw string) (bool, error) {
	h, err := r.passwords()
	if err != nil {
		return false, err
	}
	ok, err := h.Verify(pw, u.PasswordHash)
	if err != nil {
		return false, fmt.Errorf("verify the password of user %s: %w", u.Username, err)
	}
	return ok, nil
}

// Record is the client CreateClient would store for spec at now, without
// its credentials: what a declarative file wants a client to be, to
// compare with the one stored. Call it on a spec whose profile was
// applied (ApplyProfile, or clientmeta.Fields.Spec).
func (spec ClientSpec) Record(now time.Time) tokenmint.Client { return spec.client(now) }

// Validate checks spec as CreateUser and UpdateUser do. Errors wrap
// ErrInvalid.
func (spec UserSpec) Validate() error { return spec.validate() }
