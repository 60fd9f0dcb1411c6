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

// Delete serves a client delete request (RFC 7592 §2.3): with the
// client's registration access token as Bearer, it deletes the client,
// every token, code and refresh token family issued to it and its
// registration (so the registration access token stops working), and
// answers 204 No Content.
func (h *Handler) Delete(w http.ResponseWriter, r *http.Request) {
	_, reg, err := h.authorizeClient(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ctx := tokenmint.WithCallerIP(registry.WithActor(r.Context(), tokenmint.ActorClient, reg.ClientID), httpapi.ClientIP(r, h.cfg.TrustedProxies))
	err = h.cfg.Registry.DeleteClient(ctx, reg.ClientID)
	if errors.Is(err, tokenmint.ErrNotFound) {
		err = oauth.NewError(oauth.InvalidToken, "the registration access token is not valid for this client")
	}
	if err != nil {
		h.fail(w, r, fmt.Errorf("delete registered client: %w", err))
		return
	}
	h.changed()
	h.log.InfoContext(r.Context(), "registered client deleted", "client_id", reg.ClientID)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}
