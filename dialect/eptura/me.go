package eptura

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/httpapi"
	"github.com/tokenmint/tokenmint/oauth"
)

// userBody is the User resource of the iOFFICE REST API v2 ("Get current
// logged in user [/users/me]" in iOffice/ioffice.github.io,
// api/endpoints/user.md) restricted to what tokenmint knows of a person:
// id, name, userName, email, and dateCreated/dateUpdated in milliseconds
// since the epoch as iOFFICE writes them. iOFFICE's numeric id becomes
// tokenmint's user ID string. firstName and lastName are left out rather
// than guessed by splitting the display name.
type userBody struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	UserName    string `json:"userName"`
	Email       string `json:"email"`
	DateCreated int64  `json:"dateCreated"`
	DateUpdated int64  `json:"dateUpdated"`
}

// me serves GET /external/api/rest/v2/users/me for the user an access
// token was issued to. A missing, expired, revoked or unknown token, or
// one issued to a client on its own behalf, is a 401 with an RFC 6750 §3
// WWW-Authenticate: Bearer challenge. The call counts as a use of the
// token (sliding expiry).
func (h *handler) me(w http.ResponseWriter, r *http.Request) {
	tok, err := presentedToken(r, hAccessToken)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if tok == "" {
		h.writeError(w, r, &oauth.Error{Code: oauth.InvalidToken, Description: httpapi.MissingBearerDescription})
		return
	}
	cert, err := httpapi.ClientCertificate(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	info, err := h.d.Engine.ValidatePresentation(r.Context(), grant.Presentation{Token: tok, Certificate: cert})
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	h.allowClientOrigin(w, r, info.ClientID)
	u, err := h.user(r, info.Subject, info.ClientID)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, userBody{
		ID: u.ID, Name: displayName(u), UserName: u.Username, Email: u.Email,
		DateCreated: u.CreatedAt.UnixMilli(), DateUpdated: u.UpdatedAt.UnixMilli(),
	})
}

// user loads the person a token belongs to. A client_credentials token's
// subject is the client itself: no one is signed in.
func (h *handler) user(r *http.Request, subject, clientID string) (*tokenmint.User, error) {
	if subject == "" || subject == clientID {
		return nil, oauth.NewError(oauth.InvalidToken, "the access token was not issued to a signed-in user")
	}
	u, err := h.d.Store.GetUser(r.Context(), subject)
	if errors.Is(err, tokenmint.ErrNotFound) {
		return nil, oauth.NewError(oauth.InvalidToken, "the user of this access token no longer exists")
	}
	if err != nil {
		return nil, fmt.Errorf("users/me: get user: %w", err)
	}
	return &u, nil
}

func displayName(u *tokenmint.User) string {
	if u.Name != "" {
		return u.Name
	}
	return u.Username
}
