package registration

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/httpapi"
	"github.com/tokenmint/tokenmint/oauth"
	"github.com/tokenmint/tokenmint/registry"
)

// Read serves a client read request (RFC 7592 §2.1): with the client's
// registration access token as Bearer, 200 and its current client
// information (§3); its secret, stored only as a hash, is not in it.
func (h *Handler) Read(w http.ResponseWriter, r *http.Request) {
	accessToken, reg, err := h.authorizeClient(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	c, err := h.registeredClient(r, reg.ClientID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, h.response(&c, registry.Credentials{}, accessToken, h.now()))
}

// registeredClient reads the client of a registration. One deleted
// meanwhile answers as an unknown client does (RFC 7592 §2.1).
func (h *Handler) registeredClient(r *http.Request, id string) (tokenmint.Client, error) {
	c, err := h.cfg.Store.GetClient(r.Context(), id)
	if errors.Is(err, tokenmint.ErrNotFound) {
		return c, oauth.NewError(oauth.InvalidToken, "the registration access token is not valid for this client")
	}
	if err != nil {
		return c, fmt.Errorf("read registered client: %w", err)
	}
	return c, nil
}
