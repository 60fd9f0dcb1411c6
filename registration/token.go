package registration

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/token"
)

// MaxTokenUses bounds the registrations one initial access token may
// make.
const MaxTokenUses = 1_000_000

// ErrInvalidToken is wrapped by MintToken's errors about its arguments.
var ErrInvalidToken = errors.New("invalid registration token")

// MintToken creates an initial access token for the registration
// endpoint (RFC 7591 §3) good for maxUses registrations until now+ttl,
// stores its keyed hash (tokens is the hasher of bearer tokens, keyed
// with token.PurposeTokenHash, as the server's) and returns the token,
// which is shown once and cannot be recovered.
func MintToken(ctx context.Context, store tokenmint.RegistrationStore, tokens *token.Hasher, ttl time.Duration, maxUses int, now time.Time) (token.Secret, tokenmint.RegistrationToken, error) {
	if ttl <= 0 {
		return "", tokenmint.RegistrationToken{}, fmt.Errorf("%w: the lifetime must be positive", ErrInvalidToken)
	}
	if maxUses < 1 || maxUses > MaxTokenUses {
		return "", tokenmint.RegistrationToken{}, fmt.Errorf("%w: max uses must be from 1 to %d", ErrInvalidToken, MaxTokenUses)
	}
	secret := token.Secret(token.Generate(token.PrefixRegistrationToken))
	now = now.UTC()
	rec := tokenmint.RegistrationToken{
		ID:        tokens.ID(secret.Reveal()),
		MaxUses:   maxUses,
		Remaining: maxUses,
		CreatedAt: now,
		ExpiresAt: now.Add(ttl),
	}
	if err := store.CreateRegistrationToken(ctx, rec); err != nil {
		return "", tokenmint.RegistrationToken{}, fmt.Errorf("store registration token: %w", err)
	}
	return secret, rec, nil
}
