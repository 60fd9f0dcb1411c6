package registration

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/httpapi"
	"github.com/tokenmint/tokenmint/oauth"
	"github.com/tokenmint/tokenmint/registry"
)

// Update serves a client update request (RFC 7592 §2.2): with the
// client's registration access token as Bearer, the body replaces the
// client's metadata, members left out taking their defaults ("Omitted
// fields MUST be treated as null or empty values by the server"), under
// the same policy as a registration. The body must carry the client's
// client_id; a client_secret, when sent, must be the client's. A client
// cannot move between none and a secret method: it would need a secret
// it has not got, or keep one it must not use. 200 with the client
// information (§3).
func (h *Handler) Update(w http.ResponseWriter, r *http.Request) {
	accessToken, reg, err := h.authorizeClient(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	body, err := readJSON(w, r, h.cfg.MaxBodyBytes)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	req, err := decodeRequest(body)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	c, err := h.update(r, req, reg.ClientID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.changed()
	h.log.InfoContext(r.Context(), "registered client updated", "client_id", c.ID)
	httpapi.WriteJSON(w, http.StatusOK, h.response(&c, registry.Credentials{}, accessToken, h.now()))
}

func (h *Handler) update(r *http.Request, req *request, id string) (tokenmint.Client, error) {
	if req.clientID == nil || *req.clientID != id {
		return tokenmint.Client{}, metadataError("client_id must be given and must be this client's (RFC 7592 §2.2)")
	}
	spec, err := h.spec(req, id)
	if err != nil {
		return tokenmint.Client{}, err
	}
	now := h.now()
	ctx := tokenmint.WithCallerIP(registry.WithActor(r.Context(), tokenmint.ActorClient, id), httpapi.ClientIP(r, h.cfg.TrustedProxies))
	c, err := h.cfg.Registry.UpdateClient(ctx, id, func(c *tokenmint.Client) error {
		if req.clientSecret != nil && !h.secretMatches(c, *req.clientSecret, now) {
			return metadataError("client_secret is not this client's secret (RFC 7592 §2.2)")
		}
		if spec.Public != c.Public {
			return metadataError("token_endpoint_auth_method cannot change between none and a secret method: register another client")
		}
		if err := c.ChangeAuthMethod(spec.AuthMethod); err != nil {
			return metadataError("%s", err.Error())
		}
		c.JWKS, c.JWKSURI, c.AuthSigningAlg = spec.JWKS, spec.JWKSURI, spec.AuthSigningAlg
		spec.CopySettings(c)
		c.Name, c.GrantTypes = spec.Name, spec.GrantTypes
		c.Scopes, c.DefaultScopes, c.RedirectURIs = spec.Scopes, nil, spec.RedirectURIs
		c.RequireConsent = true
		return nil
	})
	if errors.Is(err, tokenmint.ErrNotFound) {
		return c, oauth.NewError(oauth.InvalidToken, "the registration access token is not valid for this client")
	}
	if _, ok := oauth.As(err); ok || errors.Is(err, registry.ErrInvalid) {
		return c, metaError(err)
	}
	if err != nil {
		return c, fmt.Errorf("update registered client: %w", err)
	}
	return c, nil
}

// secretMatches reports, in constant time, whether secret is the
// client's current secret, or its previous one within a rotation's grace
// period.
func (h *Handler) secretMatches(c *tokenmint.Client, secret string, now time.Time) bool {
	secrets := h.cfg.Registry.Secrets
	if secrets.Verify(secret, c.SecretHash) {
		return true
	}
	return c.PreviousSecretLive(now) && secrets.Verify(secret, c.PreviousSecretHash)
}
