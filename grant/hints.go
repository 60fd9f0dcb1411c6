package grant

import (
	"strings"
	"unicode"

	"github.com/tokenmint/tokenmint/oauth"
)

// ErrUnmetAuthenticationRequirements is the error code of OpenID Connect
// Core Unmet Authentication Requirements 1.0: the sign-in cannot meet
// what the request demands (an essential acr tokenmint cannot state).
const ErrUnmetAuthenticationRequirements = "unmet_authentication_requirements"

// maxLoginHint bounds the login_hint used as a username.
const maxLoginHint = 256

// UILocalesSupported are the languages the pages are written in (OIDC
// Discovery §3 ui_locales_supported).
var UILocalesSupported = []string{"en"}

// checkOIDCHints reads login_hint, ui_locales, claims and acr_values
// (OIDC Core §3.1.2.1, §5.5) into a. Only the claims parameter can be
// invalid; the hints are ignored when unusable.
func checkOIDCHints(req AuthorizeRequest, a *Authorization) error {
	a.LoginHint = loginHint(req.LoginHint)
	a.UILocale = uiLocale(req.UILocales)
	cr, err := ParseClaimsRequest(req.Claims)
	if err != nil {
		return err
	}
	a.Claims = cr
	if a.ClaimsSubject, err = claimsSubject(cr); err != nil {
		return err
	}
	acr, ok := chooseACR(req.ACRValues, cr)
	if !ok {
		return oauth.NewError(ErrUnmetAuthenticationRequirements,
			"the essential acr requested cannot be met: tokenmint signs people in with a password (%s)", ACRPassword)
	}
	a.ACR = acr
	return nil
}

// loginHint returns h when it can prefill the username field: at most
// maxLoginHint bytes, printable. It is a hint only (OIDC Core §3.1.2.1):
// the person may sign in as anyone.
func loginHint(h string) string {
	h = strings.TrimSpace(h)
	if len(h) > maxLoginHint || strings.IndexFunc(h, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		return ""
	}
	return h
}

// uiLocale returns the first of the space-separated BCP 47 tags of
// ui_locales whose language the pages are written in, "" when none is
// (OIDC Core §3.1.2.1: "it is not an error ... if none of the requested
// locales are supported").
func uiLocale(s string) string {
	for _, tag := range strings.Fields(s) {
		if len(tag) > 35 || strings.Trim(tag, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != "" {
			continue
		}
		lang, _, _ := strings.Cut(tag, "-")
		for _, l := range UILocalesSupported {
			if strings.EqualFold(lang, l) {
				return tag
			}
		}
	}
	return ""
}

// claimsSubject is the value the claims parameter's id_token member asks
// sub to have, "" for none. "If the sub (subject) Claim is requested
// with a specific value for the ID Token, the Authorization Server MUST
// only send a positive response if the End-User identified by that sub
// value has an active session with the Authorization Server or has been
// Authenticated as a result of the request" (OIDC Core §5.5.1). A sub
// asked for by values alone is no such request.
func claimsSubject(cr *ClaimsRequest) (string, error) {
	q := idTokenClaim(cr, "sub")
	if q == nil || q.Value == nil {
		return "", nil
	}
	sub, ok := q.Value.(string)
	if !ok || sub == "" {
		return "", oauth.NewError(oauth.InvalidRequest, "the claims parameter's sub value must be a non-empty string")
	}
	return sub, nil
}
