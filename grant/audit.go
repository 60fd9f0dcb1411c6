package grant

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/oauth"
)

// Auditor is told of every security-relevant event the engine sees: tokens
// issued, refused and revoked, refresh token reuse, code replay, sign-ins
// (package audit's Recorder; the admin API lists them). Record is called
// on the request path: it must return at once and do no I/O there. The
// events carry identifiers only, never a token, secret, code or password.
type Auditor interface {
	Record(ctx context.Context, ev tokenmint.AuditEvent)
}

// record hands ev to the Auditor, if any.
func (e *Engine) record(ctx context.Context, ev tokenmint.AuditEvent) {
	if e.cfg.Audit != nil {
		e.cfg.Audit.Record(ctx, ev)
	}
}

// auditIssued records a token response: the grant, the client, the user
// of a user grant, the format, and the jti of a JWT or the family a
// token belongs to (never the token).
func (e *Engine) auditIssued(ctx context.Context, req *TokenRequest, resp *TokenResponse) {
	if e.cfg.Audit == nil {
		return
	}
	d := make(map[string]string, 6)
	d["grant"], d["format"], d["scope"] = req.GrantType, resp.Format, oauth.JoinScope(resp.Scopes)
	setIf(d, "jti", resp.jti)
	setIf(d, "family", resp.family)
	setIf(d, "dialect", req.Dialect)
	for k, v := range resp.audit { // verified identifiers: bounded, not cut to truncate's 64
		if len(v) > maxAuditDetail {
			v = v[:maxAuditDetail] + "…"
		}
		setIf(d, k, v)
	}
	e.record(ctx, tokenmint.AuditEvent{
		Type: tokenmint.AuditTokenIssued, ActorType: tokenmint.ActorClient, Actor: resp.ClientID,
		ClientID: resp.ClientID, UserID: resp.userID, IP: req.ClientIP, Details: d,
	})
}

// maxAuditDetail bounds a detail of a federated token's audit event (an
// external issuer and subject).
const maxAuditDetail = 512

// auditRefused records a refused token request: the OAuth error code as
// the check that refused it and its description as the reason. The
// client is named when it exists (an unknown client_id could be a secret
// pasted into the wrong field); it is the actor only once authenticated.
func (e *Engine) auditRefused(ctx context.Context, req *TokenRequest, err error) {
	if e.cfg.Audit == nil || req.audited {
		return
	}
	d := make(map[string]string, 5)
	d["check"] = oauth.ServerError
	if oe, ok := oauth.As(err); ok {
		d["check"], d["reason"] = oe.Code, oe.Description
	} else if errors.Is(err, tokenmint.ErrUnavailable) {
		d["check"] = oauth.TemporarilyUnavailable
	}
	setIf(d, "grant", truncate(req.GrantType))
	setIf(d, "dialect", req.Dialect)
	ev := tokenmint.AuditEvent{Type: tokenmint.AuditTokenRefused, ActorType: tokenmint.ActorClient,
		ClientID: req.knownClient, IP: req.ClientIP, Details: d}
	if req.authenticated {
		ev.Actor = req.knownClient
	}
	e.record(ctx, ev)
}

// tokenTypeAccess names an access token in audit details, as
// tokenTypeRefresh names a refresh token.
const tokenTypeAccess = "access_token"

// revocation is who asked for a token to be revoked, for the audit event.
type revocation struct {
	caller *tokenmint.Client // the authenticated client, or the token's own for a bearer revocation
	ip     string
	bearer bool // on the strength of holding the token (RevokeBearer)
}

// auditRevoked records a revocation; d says what was revoked (token_type,
// format, jti or family). userID is the person the token was issued to,
// if any.
func (e *Engine) auditRevoked(ctx context.Context, r revocation, userID string, d map[string]string) {
	ev := tokenmint.AuditEvent{Type: tokenmint.AuditTokenRevoked, ActorType: tokenmint.ActorClient,
		ClientID: r.caller.ID, UserID: userID, IP: r.ip, Details: d}
	d["via"] = "client"
	if r.bearer {
		d["via"] = "bearer"
	} else {
		ev.Actor = r.caller.ID
	}
	e.record(ctx, ev)
}

// auditFamilyRevoked records a refresh token reused (AuditRefreshReuse) or
// a code replayed (AuditCodeReplay): both revoke the family of tokens
// issued from the grant. The actor is the client that presented it;
// clientID the one it was issued to.
func (e *Engine) auditFamilyRevoked(ctx context.Context, req *TokenRequest, typ, clientID, userID, familyID string) {
	req.audited = true
	e.record(ctx, tokenmint.AuditEvent{Type: typ, ActorType: tokenmint.ActorClient, Actor: req.knownClient,
		ClientID: clientID, UserID: userID, IP: req.ClientIP,
		Details: map[string]string{"family": familyID, "revoked": "family", "grant": req.GrantType}})
}

// auditSignIn records a sign-in's outcome. userID is set for a success,
// and for a failure whose username exists; reason says why one failed.
func (e *Engine) auditSignIn(ctx context.Context, in SignIn, typ, userID, reason string, retryAfter time.Duration) {
	if e.cfg.Audit == nil {
		return
	}
	ev := tokenmint.AuditEvent{Type: typ, ActorType: tokenmint.ActorUser, ClientID: in.ClientID,
		UserID: userID, IP: in.IP}
	switch typ {
	case tokenmint.AuditSignInSucceeded:
		ev.Actor = userID
	case tokenmint.AuditSignInFailed:
		ev.Details = map[string]string{"reason": reason}
	case tokenmint.AuditSignInThrottled:
		ev.Details = map[string]string{"retry_after": strconv.Itoa(int(retryAfter.Round(time.Second) / time.Second))}
	}
	e.record(ctx, ev)
}

// setIf sets d[k] to a non-empty v.
func setIf(d map[string]string, k, v string) {
	if v != "" {
		d[k] = v
	}
}
