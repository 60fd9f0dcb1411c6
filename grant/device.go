package grant

import (
	"context"
	"crypto/rand"
	"errors"
	"net/url"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/oauth"
	"github.com/tokenmint/tokenmint/token"
)

// The Device Authorization Grant (RFC 8628): a device without a browser
// (a CLI, a TV) asks for a device code and a user code (§3.1, §3.2), the
// person enters the user code on the verification page, signed in, and
// approves (§3.3, package login), while the device polls the token
// endpoint with the device code (§3.4, §3.5).

// Defaults of the device authorization grant.
const (
	// DefaultDeviceCodeTTL is how long a device code and its user code
	// live: time enough to find a browser and sign in.
	DefaultDeviceCodeTTL = 10 * time.Minute
	// DefaultDeviceInterval is the least time between polls, "5 seconds"
	// when the response names none (§3.2), which it always does here.
	DefaultDeviceInterval = 5 * time.Second
	// maxDeviceCode bounds the device_code hashed; a real one is 48
	// characters.
	maxDeviceCode = 256
)

// DeviceAuthorizationRequest is a device authorization request (RFC 8628
// §3.1) after decoding.
type DeviceAuthorizationRequest struct {
	Client    Credentials
	Scope     string
	Resources []string // RFC 8707 §2, as given
	ClientIP  string
}

// DeviceAuthorizationResponse is the answer of §3.2, in units of the
// core.
type DeviceAuthorizationResponse struct {
	DeviceCode              string
	UserCode                string // as people read it: XXXX-XXXX
	VerificationURI         string
	VerificationURIComplete string
	ExpiresIn               time.Duration
	Interval                time.Duration
}

// DeviceAuthorization serves the device authorization endpoint (§3.1):
// the client authenticates as at the token endpoint (a public client by
// its client_id, §3.1 and §5.6), must be allowed the device_code grant,
// and asks for scopes and resources as at the authorization endpoint.
// Only keyed hashes of the device code and the user code are stored.
func (e *Engine) DeviceAuthorization(ctx context.Context, req DeviceAuthorizationRequest) (*DeviceAuthorizationResponse, error) {
	c, err := e.AuthenticateClient(ctx, req.Client)
	if err != nil {
		return nil, err
	}
	if err := e.admit(ctx, c.ID); err != nil {
		return nil, err
	}
	d, err := e.checkDeviceRequest(c, req)
	if err != nil {
		return nil, err
	}
	resp, err := e.createDevice(ctx, d)
	if err != nil {
		return nil, err
	}
	e.record(ctx, tokenmint.AuditEvent{Type: tokenmint.AuditDeviceAuthorized, ActorType: tokenmint.ActorClient,
		Actor: c.ID, ClientID: c.ID, IP: req.ClientIP, Details: map[string]string{"scope": oauth.JoinScope(d.Scopes)}})
	return resp, nil
}

// checkDeviceRequest checks the client may use the grant and the scopes
// and resources it asks for, and returns the record to store, codes not
// yet drawn.
func (e *Engine) checkDeviceRequest(c *tokenmint.Client, req DeviceAuthorizationRequest) (tokenmint.DeviceAuthorization, error) {
	var d tokenmint.DeviceAuthorization
	if !c.HasGrant(tokenmint.GrantDeviceCode) {
		return d, oauth.NewError(oauth.UnauthorizedClient, "the client is not allowed the %s grant", tokenmint.GrantDeviceCode)
	}
	if !oauth.ValidScope(req.Scope) {
		return d, oauth.NewError(oauth.InvalidScope, "scope contains characters RFC 6749 §3.3 does not allow")
	}
	scopes, ok := c.GrantedScopes(oauth.ParseScope(req.Scope))
	if !ok {
		return d, oauth.NewError(oauth.InvalidScope, "a requested scope is not allowed for this client")
	}
	resources, err := ParseResources(req.Resources)
	if err == nil {
		err = allowResources(c, resources)
	}
	if err != nil {
		return d, err
	}
	now := e.now()
	return tokenmint.DeviceAuthorization{
		ClientID: c.ID, Scopes: scopes, Resources: resources, FamilyID: token.NewTimedID(now),
		IssuedAt: now, ExpiresAt: now.Add(e.cfg.DeviceCodeTTL), Interval: e.cfg.DeviceInterval,
		Status: tokenmint.DevicePending,
	}, nil
}

// createDevice draws the codes and stores d, drawing again when the user
// code is taken (about one chance in 2^34 per live authorization).
func (e *Engine) createDevice(ctx context.Context, d tokenmint.DeviceAuthorization) (*DeviceAuthorizationResponse, error) {
	for attempt := 0; ; attempt++ {
		deviceCode := token.Generate(token.PrefixDeviceCode)
		userCode := NewUserCode()
		d.ID, d.UserCodeID = e.cfg.Tokens.ID(deviceCode), e.userCodeID(userCode)
		err := e.cfg.Store.CreateDeviceAuthorization(ctx, d)
		if errors.Is(err, tokenmint.ErrConflict) && attempt < 3 {
			continue
		}
		if err != nil {
			return nil, storeError("store device authorization", err)
		}
		shown := tokenmint.FormatUserCode(userCode)
		return &DeviceAuthorizationResponse{
			DeviceCode:              deviceCode,
			UserCode:                shown,
			VerificationURI:         e.cfg.DeviceVerificationURI,
			VerificationURIComplete: e.cfg.DeviceVerificationURI + "?user_code=" + url.QueryEscape(shown),
			ExpiresIn:               d.ExpiresAt.Sub(d.IssuedAt),
			Interval:                d.Interval,
		}, nil
	}
}

// NewUserCode draws a user code: UserCodeLength characters of
// UserCodeAlphabet from crypto/rand, each uniform (bytes of 240 and more,
// which would favour the first letters, are drawn again).
func NewUserCode() string {
	const n = len(tokenmint.UserCodeAlphabet)
	const limit = 256 - 256%n
	out := make([]byte, 0, tokenmint.UserCodeLength)
	var buf [16]byte
	for len(out) < tokenmint.UserCodeLength {
		rand.Read(buf[:]) // never fails (crypto/rand, Go 1.24)
		for _, b := range buf {
			if int(b) < limit && len(out) < tokenmint.UserCodeLength {
				out = append(out, tokenmint.UserCodeAlphabet[int(b)%n])
			}
		}
	}
	return string(out)
}

// userCodeID is the keyed hash a canonical user code is stored under,
// apart from every other credential's by its label.
func (e *Engine) userCodeID(code string) string { return e.cfg.Tokens.ID("user_code " + code) }

// deviceCode serves grant_type device_code (§3.4, §3.5). Every poll is
// recorded in the store (PollDeviceAuthorization), so that slow_down
// holds across instances; an approved code is spent with the tokens'
// records in one transaction, and a spent code presented again revokes
// what it produced, as a replayed authorization code does.
func (e *Engine) deviceCode(ctx context.Context, c *tokenmint.Client, req *TokenRequest) (*TokenResponse, error) {
	if req.DeviceCode == "" {
		return nil, oauth.NewError(oauth.InvalidRequest, "missing device_code")
	}
	if len(req.DeviceCode) > maxDeviceCode {
		return nil, invalidGrant("the device code is invalid or expired")
	}
	id := e.cfg.Tokens.ID(req.DeviceCode)
	now := e.now()
	d, tooSoon, err := e.cfg.Store.PollDeviceAuthorization(ctx, id, now, tokenmint.DeviceSlowDownStep)
	switch {
	case errors.Is(err, tokenmint.ErrNotFound):
		return nil, invalidGrant("the device code is invalid or expired")
	case err != nil:
		return nil, storeError("poll device authorization", err)
	case d.ClientID != c.ID:
		return nil, invalidGrant("the device code was issued to another client")
	case !d.UsedAt.IsZero():
		return nil, e.deviceReplay(ctx, req, &d)
	case !now.Before(d.ExpiresAt):
		return nil, &oauth.Error{Code: oauth.ExpiredToken, Description: "the device code has expired; start again"}
	}
	if err := devicePending(req, &d, tooSoon); err != nil {
		return nil, err
	}
	sess, err := e.approvingSession(ctx, &d)
	if err != nil {
		return nil, err
	}
	return e.exchangeDevice(ctx, c, req, id, sess)
}

// approvingSession is the login session in which the user approved d at
// the verification page, for the acr and amr of the sign-in there; a
// zero session when it has ended since (the sign-in was a password all
// the same: sessionAMR).
func (e *Engine) approvingSession(ctx context.Context, d *tokenmint.DeviceAuthorization) (tokenmint.LoginSession, error) {
	if d.SessionID == "" {
		return tokenmint.LoginSession{}, nil
	}
	sess, err := e.cfg.Store.GetLoginSession(ctx, d.SessionID)
	switch {
	case errors.Is(err, tokenmint.ErrNotFound):
		return tokenmint.LoginSession{}, nil
	case err != nil:
		return tokenmint.LoginSession{}, storeError("get the approving login session", err)
	}
	return sess, nil
}

// devicePending answers a device code the user has not approved: denied,
// or still pending (slow_down when polled too soon). Pending polls are
// not audited as refusals: a device makes one every few seconds.
func devicePending(req *TokenRequest, d *tokenmint.DeviceAuthorization, tooSoon bool) error {
	switch {
	case d.Status == tokenmint.DeviceDenied:
		return &oauth.Error{Code: oauth.AccessDenied, Description: "the user denied the request", Status: 400} // §3.5: a §5.2 error, 400
	case d.Status == tokenmint.DeviceApproved:
		return nil
	case tooSoon:
		req.audited = true
		return oauth.NewError(oauth.SlowDown, "polling too fast: wait at least %d seconds between requests", int(d.Interval/time.Second))
	}
	req.audited = true
	return oauth.NewError(oauth.AuthorizationPending, "the user has not answered yet")
}

// exchangeDevice spends the approved device code and issues tokens as
// for an authorization code: refresh token when the client has that
// grant, ID token when openid was granted, with the acr and amr of the
// user's sign-in in sess, the session they approved in.
func (e *Engine) exchangeDevice(ctx context.Context, c *tokenmint.Client, req *TokenRequest, id string, sess tokenmint.LoginSession) (*TokenResponse, error) {
	var u userIssue
	var rejected error
	d, err := e.cfg.Store.ExchangeDeviceCode(ctx, id, e.now(), func(d tokenmint.DeviceAuthorization) (tokenmint.Issuance, error) {
		audience, err := narrowResources(c, d.Resources, req.Resources)
		if err != nil {
			rejected = err
			return tokenmint.Issuance{}, err
		}
		f := e.family(c, d.FamilyID, d.Subject, d.Scopes, d.Resources, d.AuthTime)
		f.SessionID = d.SessionID
		f.ACR, f.AMR = signInAuthn(sess)
		f.Confirmation = familyConfirmation(c, req.cnf())
		u = e.newUserIssue(c, f, d.Scopes, audience, "", req.cnf())
		return u.issuance(), nil
	})
	switch {
	case rejected != nil && errors.Is(err, rejected):
		return nil, rejected
	case errors.Is(err, tokenmint.ErrNotFound):
		return nil, invalidGrant("the device code is invalid or expired")
	case errors.Is(err, tokenmint.ErrAlreadyUsed):
		return nil, e.deviceReplay(ctx, req, &d)
	case err != nil:
		return nil, storeError("exchange device code", err)
	}
	return e.userResponse(ctx, c, &u, req.shape)
}

// deviceReplay answers a device code presented after it was exchanged:
// two parties hold it, so what it produced is revoked (as for a code,
// RFC 6749 §4.1.2).
func (e *Engine) deviceReplay(ctx context.Context, req *TokenRequest, d *tokenmint.DeviceAuthorization) error {
	if err := e.cfg.Store.RevokeFamily(ctx, d.FamilyID, e.now()); err != nil {
		return storeError("revoke tokens of a replayed device code", err)
	}
	e.log.WarnContext(ctx, "device code replayed: its tokens are revoked", "client_id", d.ClientID, "family_id", d.FamilyID)
	e.auditFamilyRevoked(ctx, req, tokenmint.AuditCodeReplay, d.ClientID, d.Subject, d.FamilyID)
	return invalidGrant("the device code was already used")
}

// ErrUserCode is returned by DeviceRequest and DecideDevice for a user
// code that is unknown, expired or already answered: the verification
// page says the same for each, and counts it as a failed guess.
var ErrUserCode = errors.New("unknown, expired or already used user code")

// ErrUserCodeMalformed is returned for input that cannot be a user code
// (tokenmint.NormalizeUserCode); nothing is looked up for it.
var ErrUserCodeMalformed = errors.New("not a user code")

// DeviceRequest is a pending device authorization as the verification
// page shows it (§3.3): the client and what it asks for.
type DeviceRequest struct {
	Client    *tokenmint.Client
	Scopes    []string
	Resources []string
	UserCode  string // canonical form, as typed codes are compared
	ExpiresAt time.Time
}

// DeviceRequest looks up the pending authorization of a user code as a
// person typed it.
func (e *Engine) DeviceRequest(ctx context.Context, input string) (*DeviceRequest, error) {
	code, ok := tokenmint.NormalizeUserCode(input)
	if !ok {
		return nil, ErrUserCodeMalformed
	}
	d, err := e.cfg.Store.GetDeviceAuthorizationByUserCode(ctx, e.userCodeID(code))
	switch {
	case errors.Is(err, tokenmint.ErrNotFound):
		return nil, ErrUserCode
	case err != nil:
		return nil, storeError("get device authorization", err)
	case d.Status != tokenmint.DevicePending || !e.now().Before(d.ExpiresAt):
		return nil, ErrUserCode
	}
	c, err := e.clients.GetClient(ctx, d.ClientID)
	switch {
	case errors.Is(err, tokenmint.ErrNotFound):
		return nil, ErrUserCode
	case err != nil:
		return nil, storeError("get client", err)
	}
	return &DeviceRequest{Client: &c, Scopes: d.Scopes, Resources: d.Resources, UserCode: code, ExpiresAt: d.ExpiresAt}, nil
}

// DecideDevice records the answer of the user of browser session sess to
// the authorization of a user code: approved, it is theirs (their
// session and family, so that signing out everywhere, a password change
// or disabling them ends it). A user disabled since signing in cannot
// approve. Audited as device.approved or device.denied.
func (e *Engine) DecideDevice(ctx context.Context, input string, sess tokenmint.LoginSession, approve bool, ip string) (*DeviceRequest, error) {
	code, ok := tokenmint.NormalizeUserCode(input)
	if !ok {
		return nil, ErrUserCodeMalformed
	}
	if approve {
		if err := e.checkUserEnabled(ctx, sess.UserID); err != nil {
			return nil, err
		}
	}
	d, err := e.cfg.Store.DecideDeviceAuthorization(ctx, e.userCodeID(code), tokenmint.DeviceDecision{
		Approve: approve, Subject: sess.UserID, SessionID: sess.ID, AuthTime: sess.AuthTime, At: e.now()})
	switch {
	case errors.Is(err, tokenmint.ErrNotFound), errors.Is(err, tokenmint.ErrAlreadyUsed):
		return nil, ErrUserCode
	case err != nil:
		return nil, storeError("decide device authorization", err)
	}
	typ := tokenmint.AuditDeviceDenied
	if approve {
		typ = tokenmint.AuditDeviceApproved
	}
	e.record(ctx, tokenmint.AuditEvent{Type: typ, ActorType: tokenmint.ActorUser, Actor: sess.UserID,
		ClientID: d.ClientID, UserID: sess.UserID, IP: ip, Details: map[string]string{"scope": oauth.JoinScope(d.Scopes)}})
	return &DeviceRequest{Scopes: d.Scopes, Resources: d.Resources, UserCode: code, ExpiresAt: d.ExpiresAt}, nil
}
