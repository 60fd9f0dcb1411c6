package tokenmint

import (
	"context"
	"errors"
	"time"
)

// Audit event types: every security-relevant event tokenmint records.
const (
	AuditTokenIssued         = "token.issued"  // Details: grant, format, jti
	AuditTokenRefused        = "token.refused" // Details: check (the error code), grant
	AuditTokenRevoked        = "token.revoked" // Details: format, jti or family
	AuditRefreshReuse        = "token.refresh_reuse"
	AuditCodeReplay          = "token.code_replay"
	AuditSignInSucceeded     = "signin.succeeded"
	AuditSignInFailed        = "signin.failed"
	AuditSignInThrottled     = "signin.throttled"
	AuditClientCreated       = "client.created"
	AuditClientChanged       = "client.changed" // Details: fields
	AuditClientDeleted       = "client.deleted"
	AuditClientTokensRevoked = "client.tokens_revoked" // every token of the client ended (the client stays)
	AuditClientRotated       = "client.rotated"        // Details: credential (secret, api_key)
	AuditUserCreated         = "user.created"
	AuditUserChanged         = "user.changed" // Details: fields (password, disabled, ...)
	AuditUserDeleted         = "user.deleted"
	AuditUserSignedOut       = "user.sessions_revoked" // every session and grant ended (the user stays)
	AuditKeyRotated          = "key.rotated"           // Details: alg, kid
	AuditClientRegistered    = "client.registered"     // RFC 7591 dynamic registration
	// The Device Authorization Grant (RFC 8628): a device asked for a
	// user code; the user approved or denied it on the verification page.
	AuditDeviceAuthorized = "device.authorization_created" // Details: scope
	AuditDeviceApproved   = "device.approved"              // Details: scope
	AuditDeviceDenied     = "device.denied"
	// A back-channel logout token (OIDC Back-Channel Logout 1.0) the
	// client's backchannel_logout_uri did not take; Details: error,
	// attempts, and final ("true" when no retry follows).
	AuditBackchannelLogoutFailed = "logout.backchannel_failed"
)

// Kinds of actor: who caused an event.
const (
	ActorClient   = "client"   // an OAuth client (Actor is its ID)
	ActorUser     = "user"     // a person (Actor is the user ID)
	ActorOperator = "operator" // the CLI against the database
	ActorSystem   = "system"   // the server itself (the janitor, a rotation)
)

// AuditEvent is one security-relevant event. It never holds a token, a
// secret, a code or a password: only identifiers (client and user IDs, a
// JWT's jti) and the facts an operator needs.
type AuditEvent struct {
	ID        string // time-ordered (token.NewTimedID), unique
	Time      time.Time
	Type      string // one of the Audit* constants
	ActorType string // one of the Actor* constants
	Actor     string // the ID of who did it ("" for the system or an unknown caller)
	ClientID  string // the client concerned, when there is one
	UserID    string // the user concerned, when there is one
	IP        string // the caller's address, when there was a caller
	RequestID string // the HTTP request's ID, when there was one
	Details   map[string]string
}

// AuditFilter selects audit events; zero fields select everything.
type AuditFilter struct {
	Since     time.Time // events at or after
	Until     time.Time // events before (zero: no bound)
	Type      string
	ClientID  string
	UserID    string
	Limit     int    // at most this many (0: DefaultAuditLimit; capped at MaxAuditLimit)
	PageToken string // the next token of the previous page ("" for the first)
}

// Page sizes of ListAuditEvents.
const (
	DefaultAuditLimit = 100
	MaxAuditLimit     = 1000
)

// ErrBadPageToken is returned by ListAuditEvents for a page token it did
// not issue (the admin API answers 400).
var ErrBadPageToken = errors.New("invalid page token")

// AuditStore keeps audit events.
type AuditStore interface {
	// AppendAuditEvents stores events, all or none: an ID already stored
	// or given twice is ErrConflict, and nothing is stored. Every event
	// needs an ID and a time.
	AppendAuditEvents(ctx context.Context, events ...AuditEvent) error
	// ListAuditEvents returns the events f selects, oldest first (by Time,
	// then ID), and the page token of the next page ("" when there is
	// none). Paging is by position, not offset: events appended between
	// two pages never make the next page repeat or skip one the first
	// page's query could see; those appended with a time before the
	// page's last event are not shown by later pages. A page token that
	// did not come from ListAuditEvents gives ErrBadPageToken.
	ListAuditEvents(ctx context.Context, f AuditFilter) ([]AuditEvent, string, error)
	// DeleteAuditEventsBefore removes events older than t (retention) and
	// returns how many went.
	DeleteAuditEventsBefore(ctx context.Context, t time.Time) (int64, error)
}

// requestIDKey is the context key of WithRequestID.
type requestIDKey struct{}

// WithRequestID returns ctx carrying the ID of the HTTP request being
// served, which audit events recorded under ctx take as RequestID.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

type callerIPKey struct{}

// WithCallerIP returns ctx carrying the address of the caller that asked
// for the changes made with it, for their audit events.
func WithCallerIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, callerIPKey{}, ip)
}

// CallerIPFrom returns the address WithCallerIP put in ctx, or "".
func CallerIPFrom(ctx context.Context) string {
	ip, _ := ctx.Value(callerIPKey{}).(string)
	return ip
}

// RequestIDFrom returns the request ID WithRequestID put in ctx, else
// the ID of the RequestInfo WithRequestInfo put there, or "".
func RequestIDFrom(ctx context.Context) string {
	if id, ok := ctx.Value(requestIDKey{}).(string); ok {
		return id
	}
	if info := RequestInfoFrom(ctx); info != nil {
		return info.ID
	}
	return ""
}
