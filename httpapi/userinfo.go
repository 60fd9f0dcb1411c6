package httpapi

import (
	"net/http"

	"github.com/tokenmint/tokenmint/oauth"
)

// UserInfo serves OIDC Core §5.3 (GET or POST, bearer in the header).
func (a *API) UserInfo(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		WriteJSON(w, http.StatusMethodNotAllowed, ErrorBody{Error: oauth.InvalidRequest, Description: "use GET or POST"})
		return
	}
	tok, err := BearerToken(r)
	if err != nil {
		WriteError(w, r, a.log, err)
		return
	}
	cert, err := ClientCertificate(r)
	if err != nil {
		WriteError(w, r, a.log, err)
		return
	}
	claims, err := a.cfg.Engine.UserInfo(r.Context(), tok, cert)
	if err != nil {
		WriteError(w, r, a.log, err)
		return
	}
	WriteJSON(w, http.StatusOK, claims)
}
