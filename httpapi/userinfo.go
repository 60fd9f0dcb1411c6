package httpapi

import (
	"net/http"

	"github.com/tokenmint/tokenmint/oauth"
)

// UserInfo serves OIDC Core §5.3 (GET or POST, the token in the
// Authorization header): a bearer token, or a DPoP-bound token with the
// DPoP scheme and a proof (RFC 9449 §7).
func (a *API) UserInfo(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		WriteJSON(w, http.StatusMethodNotAllowed, ErrorBody{Error: oauth.InvalidRequest, Description: "use GET or POST"})
		return
	}
	p, err := a.ResourceToken(r, PathUserInfo)
	if err != nil {
		a.WriteResourceError(w, r, a.log, p, err)
		return
	}
	claims, err := a.cfg.Engine.UserInfoFor(r.Context(), p)
	if err != nil {
		a.WriteResourceError(w, r, a.log, p, err)
		return
	}
	if p.DPoP {
		a.SetDPoPNonce(w, p.Proof)
	}
	WriteJSON(w, http.StatusOK, claims)
}
