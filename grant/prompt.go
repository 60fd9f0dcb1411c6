package grant

import (
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/oauth"
	"github.com/tokenmint/tokenmint/token"
)

// Prompt is the set of values of an authorization request's prompt
// parameter (OIDC Core §3.1.2.1). The zero value is no prompt.
type Prompt uint8

// The prompt values of OIDC Core §3.1.2.1.
const (
	// PromptNone: no page may be shown; without a session that answers
	// the request the error goes back to the client (login_required,
	// consent_required).
	PromptNone Prompt = 1 << iota
	// PromptLogin: the user signs in again, whatever their session.
	PromptLogin
	// PromptConsent: the consent page is shown, whatever was remembered.
	PromptConsent
	// PromptSelectAccount is satisfied by the browser's session: a
	// browser holds at most one tokenmint session, so its account is the
	// only one there is to select. Without a session the user picks the
	// account by signing in. A client that wants the user free to switch
	// accounts sends prompt=login.
	PromptSelectAccount
)

// promptNames pairs each value with its name on the wire.
var promptNames = [...]struct {
	name string
	p    Prompt
}{{"none", PromptNone}, {"login", PromptLogin}, {"consent", PromptConsent}, {"select_account", PromptSelectAccount}}

// PromptValues lists the prompt values tokenmint supports, for the
// discovery document's prompt_values_supported.
func PromptValues() []string {
	out := make([]string, 0, len(promptNames))
	for _, v := range promptNames {
		out = append(out, v.name)
	}
	return out
}

// Has reports whether the set contains v.
func (p Prompt) Has(v Prompt) bool { return p&v != 0 }

// parsePrompt reads prompt, "a space delimited, case sensitive list of
// ASCII string values" (OIDC Core §3.1.2.1). "If this parameter contains
// none with any other value, an error is returned." The section defines
// four values and says nothing of others: an unknown one is refused
// rather than ignored, so that a client never believes a request was
// honoured that was not.
func parsePrompt(s string) (Prompt, error) {
	var p Prompt
	for _, name := range strings.Split(s, " ") {
		if name == "" {
			continue
		}
		v, ok := promptValue(name)
		if !ok {
			return 0, oauth.NewError(oauth.InvalidRequest, "prompt must be a space-separated list of none, login, consent and select_account")
		}
		p |= v
	}
	if p.Has(PromptNone) && p != PromptNone {
		return 0, oauth.NewError(oauth.InvalidRequest, "prompt=none cannot be combined with other values (OIDC Core §3.1.2.1)")
	}
	return p, nil
}

// promptValue looks a value up by its name, case-sensitively.
func promptValue(name string) (Prompt, bool) {
	for _, v := range promptNames {
		if v.name == name {
			return v.p, true
		}
	}
	return 0, false
}

// maxMaxAge is the largest max_age a time.Duration holds; a larger value
// asks for nothing more.
const maxMaxAge = math.MaxInt64 / int64(time.Second)

// parseMaxAge reads max_age (OIDC Core §3.1.2.1): the seconds since the
// user's last active sign-in that the client accepts, a non-negative
// integer (the OpenID PAPE max_auth_age it corresponds to). ok is false
// when the request has none.
func parseMaxAge(s string) (d time.Duration, ok bool, err error) {
	if s == "" {
		return 0, false, nil
	}
	if strings.Trim(s, "0123456789") != "" {
		return 0, false, oauth.NewError(oauth.InvalidRequest, "max_age must be a non-negative integer number of seconds")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false, oauth.NewError(oauth.InvalidRequest, "max_age must be a non-negative integer number of seconds")
	}
	if err != nil || n > maxMaxAge {
		n = maxMaxAge
	}
	return time.Duration(n) * time.Second, true, nil
}

// MaxAgeExceeded reports whether a sign-in at authTime is too old for the
// request's max_age, so that the user must sign in again: "If the elapsed
// time is greater than this value, the OP MUST attempt to actively
// re-authenticate the End-User", and max_age=0 is prompt=login (OIDC Core
// §3.1.2.1, errata set 2).
func (a *Authorization) MaxAgeExceeded(authTime, now time.Time) bool {
	if !a.HasMaxAge {
		return false
	}
	return a.MaxAge == 0 || now.Sub(authTime) > a.MaxAge
}

// checkSignInParams reads the parameters of OIDC Core §3.1.2.1 that
// decide whether the browser's session answers the request: prompt,
// max_age and id_token_hint. They are read for every request, openid or
// not: each is a plain instruction about signing in.
func (e *Engine) checkSignInParams(c *tokenmint.Client, req AuthorizeRequest, a *Authorization) error {
	var err error
	if a.Prompt, err = parsePrompt(req.Prompt); err != nil {
		return err
	}
	if a.MaxAge, a.HasMaxAge, err = parseMaxAge(req.MaxAge); err != nil {
		return err
	}
	if a.HintSubject, err = e.hintSubject(c, req.IDTokenHint); err != nil {
		return err
	}
	return checkOIDCHints(req, a)
}

// hintSubject verifies an id_token_hint, an "ID Token previously issued
// by the Authorization Server being passed as a hint about the End-User's
// current or past authenticated session with the Client" (OIDC Core
// §3.1.2.1), and returns its subject. It must carry this server's
// signature (typ JWT: ID tokens, never access tokens), its issuer and the
// client among its audiences. Its expiry is not checked: a hint about a
// past session is typically an ID token that has expired, and it grants
// nothing, it only names the user the client expects.
func (e *Engine) hintSubject(c *tokenmint.Client, hint string) (string, error) {
	if hint == "" {
		return "", nil
	}
	claims, err := e.cfg.Keys.Verify(hint, token.TypeJWT)
	if err != nil || claims.Issuer != e.cfg.Issuer || claims.Subject == "" {
		return "", oauth.NewError(oauth.InvalidRequest, "id_token_hint is not an ID token issued by this server")
	}
	if !slices.Contains(claims.Audience, c.ID) {
		return "", oauth.NewError(oauth.InvalidRequest, "id_token_hint was not issued to this client")
	}
	return claims.Subject, nil
}
