package eptura

import (
	"net/http"
	"strings"

	"github.com/tokenmint/tokenmint/httpapi"
	"github.com/tokenmint/tokenmint/oauth"
)

// errorBody is an RFC 6749 §5.2 error with the description repeated as
// errorDescription, the member iOFFICE's AngularJS client reads
// ("reason = dat.error + ': ' + dat.errorDescription").
type errorBody struct {
	Error            string `json:"error"`
	Description      string `json:"error_description,omitempty"`
	DescriptionCamel string `json:"errorDescription,omitempty"`
}

// writeError answers err through the shared classification (internal
// causes logged, never shown) and challenge headers.
func (h *handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	oe := httpapi.AsOAuthError(r, h.d.Log(), err)
	httpapi.SetChallenge(w, oe)
	httpapi.WriteJSON(w, oe.HTTPStatus(), errorBody{Error: oe.Code, Description: oe.Description, DescriptionCamel: oe.Description})
}

// header returns one request header, refusing it when repeated: two
// values would leave it ambiguous which one the engine checked.
func header(r *http.Request, name string) (string, error) {
	v := r.Header.Values(name)
	switch len(v) {
	case 0:
		return "", nil
	case 1:
		return v[0], nil // net/http has already trimmed the whitespace around it
	}
	return "", oauth.NewError(oauth.InvalidRequest, "header %s is repeated", strings.ToLower(name))
}

// headers reads the named headers into a map, failing on a repeated one
// or, for those listed in required, a missing one (all missing ones are
// named at once).
func headers(r *http.Request, names []string, required ...string) (map[string]string, error) {
	m := make(map[string]string, len(names))
	for _, n := range names {
		v, err := header(r, n)
		if err != nil {
			return nil, err
		}
		m[n] = v
	}
	var missing []string
	for _, n := range required {
		if m[n] == "" {
			missing = append(missing, strings.ToLower(n))
		}
	}
	if len(missing) > 0 {
		return nil, oauth.NewError(oauth.InvalidRequest, "missing header %s", strings.Join(missing, ", "))
	}
	return m, nil
}
