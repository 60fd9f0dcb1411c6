package rs

import (
	"encoding/json"
	"net/http"
	"strings"
)

// Error codes of RFC 6750 §3.1 and RFC 9449 §12.2.
const (
	CodeInvalidRequest    = "invalid_request"
	CodeInvalidToken      = "invalid_token"
	CodeInsufficientScope = "insufficient_scope"
	CodeInvalidDPoPProof  = "invalid_dpop_proof"
	CodeUseDPoPNonce      = "use_dpop_nonce"
	// CodeUnavailable is the body's error when the authorization server
	// (its JWK Set or introspection) cannot be reached: a 503 that is no
	// verdict on the token.
	CodeUnavailable = "temporarily_unavailable"
)

// Error is a refused request: what the middleware answers. Description
// is safe to show the client; Cause, the internal error behind a 503, is
// only logged.
type Error struct {
	Status      int
	Code        string // "" for a request that carried no token (§3.1)
	Description string
	// Scope is the scope the route needs, for insufficient_scope.
	Scope string
	// DPoP: the challenge is the DPoP scheme's (RFC 9449 §7.1): the
	// request used it, or presented a DPoP-bound token as a bearer token.
	DPoP  bool
	Cause error
}

func (e *Error) Error() string {
	s := "rs: " + e.Code + ": " + e.Description
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Cause }

func invalidToken(desc string) *Error {
	return &Error{Status: http.StatusUnauthorized, Code: CodeInvalidToken, Description: desc}
}

func invalidRequest(desc string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: CodeInvalidRequest, Description: desc}
}

func unavailable(desc string, cause error) *Error {
	return &Error{Status: http.StatusServiceUnavailable, Code: CodeUnavailable, Description: desc, Cause: cause}
}

// errNoToken: the request carried no Authorization header.
var errNoToken = &Error{Status: http.StatusUnauthorized, Description: "the request carries no access token"}

// challenges returns the WWW-Authenticate values of e (RFC 6750 §3, RFC
// 9449 §7.1): none for a 503 or a 400 other than a DPoP one; both
// schemes when the request carried no token, so the client learns it may
// use either.
func (e *Error) challenges(realm string, algs string) []string {
	if e.Status == http.StatusServiceUnavailable {
		return nil
	}
	bearer := `Bearer realm="` + quoteSafe(realm) + `"`
	dpopC := `DPoP realm="` + quoteSafe(realm) + `", algs="` + algs + `"`
	if e.Code == "" {
		return []string{bearer, dpopC}
	}
	params := `, error="` + e.Code + `", error_description="` + quoteSafe(e.Description) + `"`
	if e.Scope != "" {
		params += `, scope="` + quoteSafe(e.Scope) + `"`
	}
	if e.DPoP {
		return []string{`DPoP realm="` + quoteSafe(realm) + `"` + params + `, algs="` + algs + `"`}
	}
	return []string{bearer + params}
}

// quoteSafe makes s a valid quoted-string body: no quote, backslash or
// control character.
func quoteSafe(s string) string {
	if !strings.ContainsFunc(s, unsafeQuoted) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if unsafeQuoted(r) {
			return '\''
		}
		return r
	}, s)
}

func unsafeQuoted(r rune) bool { return r == '"' || r == '\\' || r < 0x20 || r > 0x7e }

// errorBody is the JSON body of a refusal (the shape of RFC 6749 §5.2).
type errorBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

// write answers the refusal: status, challenges, a JSON body, no-store.
func (e *Error) write(w http.ResponseWriter, realm, algs string) {
	h := w.Header()
	for _, c := range e.challenges(realm, algs) {
		h.Add("WWW-Authenticate", c)
	}
	h.Set("Cache-Control", "no-store")
	if e.Code == "" {
		w.WriteHeader(e.Status)
		return
	}
	h.Set("Content-Type", "application/json")
	w.WriteHeader(e.Status)
	json.NewEncoder(w).Encode(errorBody{Error: e.Code, Description: e.Description})
}
