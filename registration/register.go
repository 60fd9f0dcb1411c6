package registration

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/httpapi"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/token"
)

// Register serves the client registration endpoint (RFC 7591 §3): it
// checks the initial access token the policy asks for, decodes the
// client's metadata, holds it to the policy, creates the client with its
// credentials and answers 201 with its client information (§3.2.1):
// client_id, client_secret unless token_endpoint_auth_method is none,
// client_id_issued_at, client_secret_expires_at (0: the secret does not
// expire), the registered metadata, and the registration_access_token
// and registration_client_uri of its configuration endpoint (RFC 7592
// §3). Secrets are generated from crypto/rand and stored only as keyed
// hashes; the answer is the only place they appear.
func (h *Handler) Register(w http.ResponseWriter, r *http.Request) {
	access, err := h.authorizeRegistration(r)
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
	resp, err := h.register(r, req, access)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.log.InfoContext(r.Context(), "client registered", "client_id", resp.ClientID, "by", access.actor,
		"grant_types", resp.GrantTypes, "auth_method", resp.TokenEndpointAuthMethod)
	httpapi.WriteJSON(w, http.StatusCreated, resp)
}

// register creates and stores the client, spending a use of the initial
// access token in the same transaction.
func (h *Handler) register(r *http.Request, req *request, access initialAccess) (response, error) {
	spec, err := h.spec(req, newClientID())
	if err != nil {
		return response{}, err
	}
	c, creds, err := h.cfg.Registry.NewClient(spec)
	if err != nil {
		return response{}, metaError(err)
	}
	// OIDC Registration §5: a pairwise client's sector_identifier_uri is
	// fetched and must list its redirect URIs.
	if err := h.cfg.Registry.Check(r.Context(), c); err != nil {
		return response{}, metaError(err)
	}
	accessToken := token.Generate(token.PrefixRegistrationAccess)
	now := h.now()
	reg := tokenmint.ClientRegistration{ClientID: c.ID, AccessTokenHash: h.cfg.Tokens.Sum(accessToken), CreatedAt: now}
	err = h.cfg.Store.RegisterClient(r.Context(), c, reg, access.tokenID, now)
	switch {
	case errors.Is(err, tokenmint.ErrAlreadyUsed), errors.Is(err, tokenmint.ErrNotFound):
		return response{}, spendError(err)
	case err != nil:
		return response{}, fmt.Errorf("register client: %w", err)
	}
	// The registering party is the client itself (RFC 7591 §3): no one
	// else acts for it.
	ctx := tokenmint.WithCallerIP(registry.WithActor(r.Context(), tokenmint.ActorClient, c.ID), httpapi.ClientIP(r, h.cfg.TrustedProxies))
	h.cfg.Registry.Record(ctx, tokenmint.AuditEvent{Type: tokenmint.AuditClientRegistered, ClientID: c.ID,
		Details: map[string]string{"grant_types": strings.Join(c.GrantTypes, " "), "auth_method": c.AuthMethod}})
	return h.response(&c, creds, accessToken, now), nil
}

// newClientID returns a random client ID that does not start with '-',
// as the registry's own.
func newClientID() string {
	for {
		if id := token.NewID(); id[0] != '-' {
			return id
		}
	}
}
