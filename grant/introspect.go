package grant

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/oauth"
	"github.com/tokenmint/tokenmint/token"
)

// IntrospectRequest is an RFC 7662 §2.1 request.
type IntrospectRequest struct {
	Client        Credentials
	Token         string
	TokenTypeHint string // "access_token" or "refresh_token"; only a hint
}

// Introspection is the RFC 7662 §2.2 answer. When Active is false every
// other field is empty and adapters must write only {"active": false}.
type Introspection struct {
	Active    bool
	Scopes    []string
	ClientID  string
	Subject   string
	Audience  []string
	Issuer    string
	ExpiresAt time.Time
	IssuedAt  time.Time
	NotBefore time.Time
	JTI       string
	TokenType string // "Bearer", "DPoP" (RFC 9449 §6.2), or "refresh_token" for refresh tokens
	// Confirmation is the key a sender-constrained token is bound to, its
	// "cnf" (RFC 9449 §6.2, RFC 8705 §3.2); zero for a bearer token.
	Confirmation tokenmint.Confirmation
	// Extra holds the client's custom claims (issue: "plus the client's
	// custom claims").
	Extra map[string]any
	// user is the user ID behind Subject when known without a lookup: a
	// pairwise client's tokens show another sub (ClientSubject).
	user string
	// recordID is an opaque token's record ID; familyID its family's.
	recordID, familyID string
}

var inactive = &Introspection{}

// errPublicIntrospection carries a Basic challenge whatever the request
// sent: a 401 names how to authenticate (RFC 9110 §11.6.1), and that is
// with a confidential client's credentials.
var errPublicIntrospection = &oauth.Error{Code: oauth.InvalidClient, Basic: true,
	Description: "introspection needs a confidential client's credentials; a public client cannot authenticate (RFC 7662 §2.1)"}

// tokenTypeRefresh is Introspection.TokenType for a refresh token.
const tokenTypeRefresh = "refresh_token"

// Introspect answers RFC 7662 for an authenticated client. A client sees
// the tokens issued to it, and tokens whose audience names it (it is
// their resource server): by its client ID, or by a resource indicator it
// is registered with (tokenmint.Client.Resources, RFC 8707); anything
// else is reported inactive, so that a client cannot learn about other
// clients' tokens (§4).
//
// A public client is refused: its client_id is public knowledge, not a
// credential (RFC 6749 §2.1), and §2.1 requires the endpoint to "require
// some form of authorization to access this endpoint".
func (e *Engine) Introspect(ctx context.Context, req IntrospectRequest) (*Introspection, error) {
	info, _, err := e.IntrospectAs(ctx, req)
	return info, err
}

// IntrospectAs is Introspect that also returns the client that asked,
// authenticated: the audience of a JWT introspection response (RFC 9701
// §5, SignIntrospection).
func (e *Engine) IntrospectAs(ctx context.Context, req IntrospectRequest) (*Introspection, *tokenmint.Client, error) {
	caller, err := e.AuthenticateClient(ctx, req.Client)
	if err != nil {
		return nil, nil, err
	}
	if caller.Public {
		return nil, nil, errPublicIntrospection
	}
	var info *Introspection
	if strings.HasPrefix(req.Token, token.PrefixRefreshToken) {
		info, err = e.inspectRefresh(ctx, req.Token)
	} else {
		info, err = e.inspectAccess(ctx, req.Token)
	}
	if err != nil || !info.Active {
		return inactive, caller, err
	}
	if !mayInspect(caller, info) {
		return inactive, caller, nil
	}
	return info, caller, nil
}

// mayInspect reports whether caller may learn about the token of info:
// one issued to it, or one meant for it, by client ID or resource.
func mayInspect(caller *tokenmint.Client, info *Introspection) bool {
	if info.ClientID == caller.ID || slices.Contains(info.Audience, caller.ID) {
		return true
	}
	return slices.ContainsFunc(info.Audience, caller.AllowsResource)
}

// inspectAccess reports on an access token of either format; a use of an
// opaque token with an idle lifetime slides its expiry.
func (e *Engine) inspectAccess(ctx context.Context, raw string) (*Introspection, error) {
	if strings.HasPrefix(raw, token.PrefixAccessToken) {
		return e.inspectOpaque(ctx, raw)
	}
	if strings.Count(raw, ".") == 2 {
		return e.inspectJWT(ctx, raw)
	}
	return inactive, nil
}

func (e *Engine) inspectOpaque(ctx context.Context, raw string) (*Introspection, error) {
	rec, err := e.cfg.Store.GetAccessToken(ctx, e.cfg.Tokens.ID(raw))
	if errors.Is(err, tokenmint.ErrNotFound) {
		return inactive, nil
	}
	if err != nil {
		return nil, storeError("introspect", err)
	}
	now := e.now()
	if !rec.ActiveAt(now) {
		return inactive, nil
	}
	c, live, err := e.liveClient(ctx, rec.ClientID)
	if !live || err != nil || c.IssuedBeforeRevocation(rec.IssuedAt) {
		return inactive, err
	}
	if rec.TouchDue(now) {
		if err := e.cfg.Store.TouchAccessToken(ctx, rec.ID, now); err != nil {
			return nil, storeError("record token use", err)
		}
		rec.LastUsedAt = now
	}
	info := &Introspection{
		Active:    true,
		Scopes:    rec.Scopes,
		ClientID:  rec.ClientID,
		Subject:   e.tokenSubject(&c, rec.FamilyID, rec.Subject),
		Audience:  rec.Audience,
		Issuer:    e.cfg.Issuer,
		ExpiresAt: rec.EffectiveExpiry(),
		IssuedAt:  rec.IssuedAt,
		NotBefore: rec.IssuedAt,
		TokenType: tokenType(rec.Confirmation),
		Extra:     customClaims(&c),
		user:      rec.Subject,
		recordID:  rec.ID,
		familyID:  rec.FamilyID,

		Confirmation: rec.Confirmation,
	}
	if act := decodeAct(rec.Act); act != nil {
		info.Extra = withClaim(info.Extra, "act", act)
	}
	return info, nil
}

func (e *Engine) inspectJWT(ctx context.Context, raw string) (*Introspection, error) {
	c, err := e.cfg.Keys.Verify(raw, "at+jwt")
	if err != nil {
		return inactive, nil // not ours, tampered, or signed by a retired key
	}
	now := e.now()
	if c.Issuer != e.cfg.Issuer || !now.Before(c.ExpiresAt) || (!c.NotBefore.IsZero() && now.Before(c.NotBefore)) {
		return inactive, nil
	}
	revoked, err := e.cfg.Store.IsRevoked(ctx, c.ID)
	if err != nil {
		return nil, storeError("check jwt revocation", err)
	}
	if revoked {
		return inactive, nil
	}
	client, live, err := e.liveClient(ctx, c.ClientID)
	if !live || err != nil || client.IssuedBeforeRevocation(jwtIssuedAt(c)) {
		return inactive, err
	}
	user := c.Subject
	if client.SubjectType == tokenmint.SubjectPairwise {
		user = "" // the record names the user (localUser)
	}
	var cnf tokenmint.Confirmation
	if c.Confirmation != nil {
		cnf = tokenmint.Confirmation{JKT: c.Confirmation.JKT, X5TS256: c.Confirmation.X5TS256}
	}
	return &Introspection{
		Active:    true,
		Scopes:    strings.Fields(c.Scope),
		ClientID:  c.ClientID,
		Subject:   c.Subject,
		Audience:  c.Audience,
		Issuer:    c.Issuer,
		ExpiresAt: c.ExpiresAt,
		IssuedAt:  c.IssuedAt,
		NotBefore: c.NotBefore,
		JTI:       c.ID,
		TokenType: tokenType(cnf),
		Extra:     c.Extra,
		user:      user,

		Confirmation: cnf,
	}, nil
}

// withClaim returns m with k set to v, copying m (a client's claims may
// be shared).
func withClaim(m map[string]any, k string, v any) map[string]any {
	out := make(map[string]any, len(m)+1)
	for mk, mv := range m {
		out[mk] = mv
	}
	out[k] = v
	return out
}

// jwtIssuedAt is when a JWT was issued, to the microsecond when its jti
// is one of tokenmint's time-ordered IDs (token.NewTimedID), else its
// "iat", in whole seconds.
func jwtIssuedAt(c *token.Claims) time.Time {
	if t, ok := token.TimedIDTime(c.ID); ok {
		return t
	}
	return c.IssuedAt
}

// liveClient returns the client a token was issued to; live is false when
// it no longer exists. The caller also ends tokens issued before the
// client's TokensRevokedAt (the admin API's revoke-tokens), which ends
// client_credentials JWTs the same way. Deleting a client ends every token issued to it,
// including its client_credentials JWTs, which have no record to delete
// or revoke: they are inactive because their client is gone. The client
// source is a cache the store's revision poll invalidates, so a client
// deleted anywhere is seen gone everywhere within two polls.
func (e *Engine) liveClient(ctx context.Context, id string) (c tokenmint.Client, live bool, err error) {
	c, err = e.clients.GetClient(ctx, id)
	switch {
	case errors.Is(err, tokenmint.ErrNotFound):
		return c, false, nil
	case err != nil:
		return c, false, storeError("introspect: get client", err)
	}
	return c, true, nil
}

// inspectRefresh reports on a refresh token (RFC 7662 §2.1 allows it).
func (e *Engine) inspectRefresh(ctx context.Context, raw string) (*Introspection, error) {
	rt, err := e.cfg.Store.GetRefreshToken(ctx, e.cfg.Tokens.ID(raw))
	if errors.Is(err, tokenmint.ErrNotFound) {
		return inactive, nil
	}
	if err != nil {
		return nil, storeError("introspect refresh token", err)
	}
	now := e.now()
	if !rt.UsedAt.IsZero() || !now.Before(rt.ExpiresAt) {
		return inactive, nil
	}
	c, live, err := e.liveClient(ctx, rt.ClientID)
	if !live || err != nil {
		return inactive, err
	}
	return &Introspection{
		Active:    true,
		Scopes:    rt.Scopes,
		ClientID:  rt.ClientID,
		Subject:   e.tokenSubject(&c, rt.FamilyID, rt.Subject),
		user:      rt.Subject,
		Issuer:    e.cfg.Issuer,
		ExpiresAt: rt.ExpiresAt,
		IssuedAt:  rt.IssuedAt,
		TokenType: tokenTypeRefresh,
	}, nil
}
