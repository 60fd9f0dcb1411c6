package adminapi

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/httpapi"
	"github.com/tokenmint/tokenmint/oauth"
	"github.com/tokenmint/tokenmint/registry"
)

// Scopes of the admin API. ScopeAdmin allows everything; each route
// needs it or the one narrower scope its line of the route table names.
const (
	ScopeAdmin        = "tokenmint:admin"
	ScopeClientsRead  = "tokenmint:clients:read"
	ScopeClientsWrite = "tokenmint:clients:write"
	ScopeUsersRead    = "tokenmint:users:read"
	ScopeUsersWrite   = "tokenmint:users:write"
	ScopeKeysWrite    = "tokenmint:keys:write"
	ScopeAuditRead    = "tokenmint:audit:read"
)

// Scopes lists every scope of the admin API.
var Scopes = []string{ScopeAdmin, ScopeClientsRead, ScopeClientsWrite, ScopeUsersRead, ScopeUsersWrite, ScopeKeysWrite, ScopeAuditRead}

// implied maps a read scope to the write scope that also allows it: a
// client that may change clients may see them.
var implied = map[string]string{
	ScopeClientsRead: ScopeClientsWrite,
	ScopeUsersRead:   ScopeUsersWrite,
}

// Allows reports whether a token granted scopes may use a route that
// needs the scope need.
func Allows(granted []string, need string) bool {
	return slices.Contains(granted, ScopeAdmin) || slices.Contains(granted, need) ||
		(implied[need] != "" && slices.Contains(granted, implied[need]))
}

// Principal is who an admin request comes from: the admin client, and
// the scopes its token carries that the client is still allowed.
type Principal struct {
	ClientID string
	Subject  string // the token's subject: the client ID for client_credentials
	Scopes   []string
}

type principalKey struct{}

func principalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// Require serves next to requests whose bearer token allows the scope
// need (see Allows), and answers the others 401 or 403 with an RFC 6750
// challenge.
func (a *API) Require(need string, next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := a.authenticate(r)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		if !Allows(p.Scopes, need) {
			pr := problem(http.StatusForbidden, oauth.InsufficientScope, "this request needs the scope "+need+" (or "+ScopeAdmin+")")
			pr.Scope, pr.challenge = need, true
			writeProblem(w, pr)
			return
		}
		// Every registry change this request makes is audited as the
		// admin client's.
		ctx := registry.WithActor(context.WithValue(r.Context(), principalKey{}, p), tokenmint.ActorClient, p.ClientID)
		ctx = tokenmint.WithCallerIP(ctx, httpapi.ClientIP(r, a.cfg.TrustedProxies))
		next(w, r.WithContext(ctx))
	})
}

// authenticate checks the request's bearer token (RFC 6750 §2.1) as the
// engine checks any token presented to tokenmint itself, and that it was
// issued to a confidential client that is still allowed its scopes.
func (a *API) authenticate(r *http.Request) (Principal, error) {
	raw, err := bearer(r)
	if err != nil {
		return Principal{}, err
	}
	info, err := a.cfg.Engine.ValidateBearer(r.Context(), raw)
	if oe, ok := oauth.As(err); ok && oe.Code == oauth.InvalidToken {
		return Principal{}, unauthorized(oe.Description)
	}
	if err != nil {
		return Principal{}, err
	}
	c, err := a.store.GetClient(r.Context(), info.ClientID)
	if errors.Is(err, tokenmint.ErrNotFound) {
		return Principal{}, unauthorized("the client of this access token no longer exists")
	}
	if err != nil {
		return Principal{}, err
	}
	if c.Public {
		return Principal{}, unauthorized("the admin API accepts the tokens of confidential clients only")
	}
	var scopes []string
	for _, s := range info.Scopes {
		if slices.Contains(c.Scopes, s) {
			scopes = append(scopes, s)
		}
	}
	return Principal{ClientID: c.ID, Subject: info.Subject, Scopes: scopes}, nil
}

// bearer extracts the token of an "Authorization: Bearer" header. A
// request with no credentials, or with another scheme, is told how to
// authenticate without an error code (RFC 6750 §3.1); a malformed Bearer
// header is invalid_request.
func bearer(r *http.Request) (string, error) {
	h := r.Header.Get("Authorization")
	scheme, tok, _ := strings.Cut(h, " ")
	if h == "" || !strings.EqualFold(scheme, "Bearer") {
		p := problem(http.StatusUnauthorized, codeUnauthorized, "an access token with an admin scope is required: Authorization: Bearer <token>")
		p.challenge, p.bare = true, true
		return "", p
	}
	if tok = strings.TrimLeft(tok, " "); tok == "" || strings.ContainsAny(tok, " \t") || len(r.Header.Values("Authorization")) > 1 {
		p := problem(http.StatusBadRequest, oauth.InvalidRequest, "the Authorization header must be: Bearer <token>")
		p.challenge = true
		return "", p
	}
	return tok, nil
}

// unauthorized is a 401 invalid_token (RFC 6750 §3.1).
func unauthorized(detail string) *Problem {
	p := problem(http.StatusUnauthorized, oauth.InvalidToken, detail)
	p.challenge = true
	return p
}
