package tokenmint

import (
	"context"
	"strings"
	"time"
)

// DeviceAuthorization is one Device Authorization Grant (RFC 8628): what
// a device asked for at the device authorization endpoint (§3.1), the
// user's answer on the verification page (§3.3), and the device's polls
// of the token endpoint (§3.4, §3.5). ID is the keyed hash of the
// device_code, UserCodeID the keyed hash of the normalized user code
// (NormalizeUserCode): neither code is stored.
type DeviceAuthorization struct {
	ID         string
	UserCodeID string
	ClientID   string
	Scopes     []string
	// Resources are the resource indicators (RFC 8707) the device asked
	// for: bound to the grant as an authorization code's are.
	Resources []string
	// FamilyID is the family the tokens will belong to, chosen at the
	// start as for an authorization code.
	FamilyID  string
	IssuedAt  time.Time
	ExpiresAt time.Time
	// Interval is the least time between two polls (§3.2 "interval");
	// each poll sooner than that after the previous one adds
	// DeviceSlowDownStep to it (§3.5 slow_down).
	Interval     time.Duration
	LastPolledAt time.Time // zero before the first poll
	Status       string    // DevicePending, DeviceApproved or DeviceDenied
	// Subject, SessionID and AuthTime are the user who approved, in
	// which browser session ("" for none), signed in when; DecidedAt is
	// when they approved or denied.
	Subject   string
	SessionID string
	AuthTime  time.Time
	DecidedAt time.Time
	// UsedAt is when the approved device code was exchanged for tokens;
	// zero until then. A second exchange is a replay.
	UsedAt time.Time
}

// Status of a DeviceAuthorization.
const (
	DevicePending  = "pending"
	DeviceApproved = "approved"
	DeviceDenied   = "denied"
)

// DeviceSlowDownStep is what a poll that comes too soon adds to the
// interval: "the interval MUST be increased by 5 seconds for this and
// all subsequent requests" (RFC 8628 §3.5).
const DeviceSlowDownStep = 5 * time.Second

// DeviceDecision is the user's answer to a device authorization.
type DeviceDecision struct {
	Approve   bool
	Subject   string // the user who answered
	SessionID string
	AuthTime  time.Time
	At        time.Time
}

// DeviceStore keeps device authorizations (RFC 8628). Every method works
// across instances sharing the database: the state of a device code is
// in the store alone.
type DeviceStore interface {
	// CreateDeviceAuthorization stores d; ErrConflict when its ID or its
	// UserCodeID is taken by a record not yet deleted (the caller draws
	// another user code).
	CreateDeviceAuthorization(ctx context.Context, d DeviceAuthorization) error
	// GetDeviceAuthorizationByUserCode returns the authorization whose
	// user code has that keyed hash (ErrNotFound when none). Expiry is
	// the caller's to check.
	GetDeviceAuthorizationByUserCode(ctx context.Context, userCodeID string) (DeviceAuthorization, error)
	// DecideDeviceAuthorization records the user's answer to the pending
	// authorization of that user code, unless it expired at dec.At, and
	// returns it as decided. ErrNotFound when there is none or it has
	// expired; ErrAlreadyUsed, with the record, when it was decided
	// before: a user code is answered once.
	DecideDeviceAuthorization(ctx context.Context, userCodeID string, dec DeviceDecision) (DeviceAuthorization, error)
	// PollDeviceAuthorization records a poll of the device code with
	// that ID at now and returns the record as it is after the poll, in
	// one atomic step (RFC 8628 §3.5): tooSoon is true when the
	// authorization is pending and the previous poll was less than
	// Interval before now, and then Interval has grown by step. The first
	// poll is never too soon. ErrNotFound for an unknown ID.
	PollDeviceAuthorization(ctx context.Context, id string, now time.Time, step time.Duration) (d DeviceAuthorization, tooSoon bool, err error)
	// ExchangeDeviceCode spends an approved device code at now and
	// stores what issue returns for it, in one transaction, as
	// ExchangeAuthCode does for a code: the record is returned; one
	// spent before gives ErrAlreadyUsed (issue not called), an unknown
	// one or one that is not approved ErrNotFound. An error from issue is
	// returned as is with the code spent; issue may be called more than
	// once and must do no I/O.
	ExchangeDeviceCode(ctx context.Context, id string, now time.Time, issue func(DeviceAuthorization) (Issuance, error)) (DeviceAuthorization, error)
}

// UserCodeAlphabet is the alphabet of user codes: "base-20 ... consonants
// BCDFGHJKLMNPQRSTVWXZ" (RFC 8628 §6.1), no vowels (no words) and no
// digits or letters that look alike.
const UserCodeAlphabet = "BCDFGHJKLMNPQRSTVWXZ"

// UserCodeLength is the number of characters of a user code: 20^8, about
// 2^34.6 codes, which with the guessing limit of the verification page
// leaves an attacker a negligible chance (§5.1).
const UserCodeLength = 8

// MaxUserCodeInput bounds what NormalizeUserCode reads: a typed code with
// separators and spaces is far shorter.
const MaxUserCodeInput = 64

// NormalizeUserCode turns what a person typed into the canonical user
// code (RFC 8628 §6.1: "case-insensitive", punctuation ignored): upper
// case, without dashes or white space. It reports false when the result
// is not UserCodeLength characters of UserCodeAlphabet, so that no store
// lookup is spent on input that cannot be a code.
func NormalizeUserCode(s string) (string, bool) {
	if len(s) > MaxUserCodeInput {
		return "", false
	}
	var b strings.Builder
	b.Grow(UserCodeLength)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '-' || c == ' ' || c == '\t':
			continue
		case c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		}
		if strings.IndexByte(UserCodeAlphabet, c) < 0 || b.Len() == UserCodeLength {
			return "", false
		}
		b.WriteByte(c)
	}
	if b.Len() != UserCodeLength {
		return "", false
	}
	return b.String(), true
}

// FormatUserCode shows a canonical user code as people read it, in two
// groups of four: "WDJB-MJHT" (§6.1).
func FormatUserCode(code string) string {
	if len(code) != UserCodeLength {
		return code
	}
	return code[:4] + "-" + code[4:]
}
