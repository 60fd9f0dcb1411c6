package registration

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/httpapi"
	"github.com/tokenmint/tokenmint/oauth"
	"github.com/tokenmint/tokenmint/token"
)

// initialAccess is who may register: the record ID of the initial access
// token to spend (none for an access token of this server or open
// registration), and the caller for the logs.
type initialAccess struct {
	tokenID string
	actor   string
}

// authorizeRegistration checks the initial access token the policy asks
// for (RFC 7591 §3: "the authorization server MAY require an initial
// access token"), presented as an RFC 6750 §2.1 bearer token: one minted
// by `tokenmint registration-token create`, or an access token of this
// server with the scope tokenmint:register. A registration token is only
// looked at here; RegisterClient spends its use atomically with the
// client it registers.
func (h *Handler) authorizeRegistration(r *http.Request) (initialAccess, error) {
	if h.cfg.Policy.Mode == ModeOpen {
		return initialAccess{actor: "anonymous"}, nil
	}
	raw, err := httpapi.BearerToken(r)
	if err != nil {
		return initialAccess{}, err
	}
	if strings.HasPrefix(raw, token.PrefixRegistrationToken) {
		return h.checkRegistrationToken(r.Context(), raw)
	}
	info, err := h.cfg.Engine.ValidateBearer(r.Context(), raw)
	if err != nil {
		return initialAccess{}, err
	}
	if !slices.Contains(info.Scopes, ScopeRegister) && !slices.Contains(info.Scopes, scopeAdmin) {
		return initialAccess{}, oauth.NewError(oauth.InsufficientScope, "registering a client needs an initial access token: an access token with the scope %s", ScopeRegister)
	}
	return initialAccess{actor: "client " + info.ClientID}, nil
}

// checkRegistrationToken finds a minted initial access token and checks it
// can still register a client.
func (h *Handler) checkRegistrationToken(ctx context.Context, raw string) (initialAccess, error) {
	id := h.cfg.Tokens.ID(raw)
	rec, err := h.cfg.Store.GetRegistrationToken(ctx, id)
	if errors.Is(err, tokenmint.ErrNotFound) {
		return initialAccess{}, oauth.NewError(oauth.InvalidToken, "the initial access token is unknown or expired")
	}
	if err != nil {
		return initialAccess{}, err
	}
	if err := tokenError(rec, h.now()); err != nil {
		return initialAccess{}, err
	}
	return initialAccess{tokenID: id, actor: "registration token"}, nil
}

// tokenError says why a registration token cannot be used at now, or
// returns nil.
func tokenError(rec tokenmint.RegistrationToken, now time.Time) error {
	switch {
	case !now.Before(rec.ExpiresAt):
		return oauth.NewError(oauth.InvalidToken, "the initial access token is unknown or expired")
	case rec.Remaining <= 0:
		return oauth.NewError(oauth.InvalidToken, "the initial access token has no registration left")
	}
	return nil
}

// spendError turns the store's refusal to spend a registration token into
// the answer of checkRegistrationToken: another registration spent its
// last use, or it expired, in between.
func spendError(err error) error {
	switch {
	case errors.Is(err, tokenmint.ErrAlreadyUsed):
		return oauth.NewError(oauth.InvalidToken, "the initial access token has no registration left")
	case errors.Is(err, tokenmint.ErrNotFound):
		return oauth.NewError(oauth.InvalidToken, "the initial access token is unknown or expired")
	}
	return err
}

// dummyHash is verified against when a client has no registration, so
// that an unknown client costs what a wrong token does.
var dummyHash = make([]byte, 32)

// authorizeClient checks the registration access token of the client
// configuration endpoint (RFC 7592 §2): the bearer token must be the one
// issued to this client. An unknown client, a client made by an
// operator, a wrong token and another client's token all get the same
// 401 invalid_token (RFC 7592 §2.1: "If the client does not exist on
// this server, the server MUST respond with HTTP 401 Unauthorized").
func (h *Handler) authorizeClient(r *http.Request) (string, tokenmint.ClientRegistration, error) {
	raw, err := httpapi.BearerToken(r)
	if err != nil {
		return "", tokenmint.ClientRegistration{}, err
	}
	clientID := r.PathValue("client_id")
	reg, err := h.cfg.Store.GetClientRegistration(r.Context(), clientID)
	if err != nil && !errors.Is(err, tokenmint.ErrNotFound) {
		return "", tokenmint.ClientRegistration{}, err
	}
	sum := reg.AccessTokenHash
	if err != nil {
		sum = dummyHash
	}
	if !h.cfg.Tokens.Verify(raw, sum) || err != nil {
		return "", tokenmint.ClientRegistration{}, oauth.NewError(oauth.InvalidToken, "the registration access token is not valid for this client")
	}
	return raw, reg, nil
}
