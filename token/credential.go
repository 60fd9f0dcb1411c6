package token

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"
)

// Prefixes of the opaque credentials tokenmint issues. A prefix tells a
// human (and a secret scanner such as GitHub's) what leaked; it carries no
// security.
const (
	PrefixAccessToken  = "tmat_"
	PrefixRefreshToken = "tmrt_"
	PrefixAuthCode     = "tmac_"
	PrefixClientSecret = "tmcs_"
	PrefixAPIKey       = "tmak_"
	PrefixSession      = "tmss_"
	// Dynamic client registration (RFC 7591, RFC 7592): an initial
	// access token an operator minted, and a client's registration
	// access token.
	PrefixRegistrationToken  = "tmit_"
	PrefixRegistrationAccess = "tmra_"
	// PrefixDeviceCode: the device_code of the Device Authorization
	// Grant (RFC 8628 §3.2).
	PrefixDeviceCode = "tmdc_"
)

const (
	secretBytes = 32 // 256 bits: beyond guessing, so a fast keyed hash suffices
	idBytes     = 16 // 128 bits: unique without coordination
)

// Generate returns prefix followed by 32 bytes from crypto/rand in
// unpadded base64url (43 characters).
func Generate(prefix string) string {
	var raw [secretBytes]byte
	rand.Read(raw[:]) // never fails (crypto/rand, Go 1.24+)
	return prefixed(prefix, raw[:])
}

// GenerateLong returns prefix followed by 48 bytes from crypto/rand in
// unpadded base64url (64 characters): the secret of a client_secret_jwt
// client, which keys an HMAC of up to HS512, whose key RFC 7518 §3.2
// wants at least as long as its 64-byte output.
func GenerateLong(prefix string) string {
	var raw [48]byte
	rand.Read(raw[:])
	return prefix + base64.RawURLEncoding.EncodeToString(raw[:])
}

// GenerateTimed returns a credential for a record looked up by its keyed
// hash (opaque access and refresh tokens, authorization codes): prefix,
// the time at in 11 characters, and 32 bytes from crypto/rand, all
// unpadded base64url (prefix + 54 characters).
//
// The time is there for the database, not for security: Hasher.ID puts it
// in front of the record ID, so that records issued one after another
// have IDs in ascending order and go in at the right-hand edge of the
// primary key's B-tree, where a random ID would dirty a random leaf page
// per insert (BenchmarkSQLiteCreateAccessTokenIDs; BENCHMARKS.md,
// "Time-ordered IDs"). It reveals when the token was
// issued, which its holder knows anyway (a JWT says so in "iat"); the 256
// random bits are what makes it unguessable.
func GenerateTimed(prefix string, at time.Time) string {
	var raw [timedBytes]byte
	binary.BigEndian.PutUint64(raw[:timeBytes], uint64(at.UnixMicro()))
	rand.Read(raw[timeBytes:])
	var enc [timedLen]byte
	base64.RawURLEncoding.Encode(enc[:timeLen], raw[:timeBytes])
	base64.RawURLEncoding.Encode(enc[timeLen:], raw[timeBytes:])
	var b strings.Builder
	b.Grow(len(prefix) + timedLen)
	b.WriteString(prefix)
	b.Write(enc[:])
	return b.String()
}

// The layout of a timed credential after its prefix: the time (8 bytes,
// big-endian unix microseconds) and the random part, each encoded on its
// own so that the time can be read back without decoding the rest.
const (
	timeBytes  = 8
	timedBytes = timeBytes + secretBytes
	timeLen    = (timeBytes*8 + 5) / 6 // 11
	timedLen   = timeLen + base64Len32 // 54
	prefixLen  = 5                     // every Prefix* constant
)

// timedPart returns the time field of a credential made by GenerateTimed
// with one of the Prefix* constants; ok is false for anything else.
func timedPart(secret string) (t [timeBytes]byte, ok bool) {
	if len(secret) != prefixLen+timedLen || secret[prefixLen-1] != '_' {
		return t, false
	}
	n, err := base64.RawURLEncoding.Strict().Decode(t[:], []byte(secret[prefixLen:prefixLen+timeLen]))
	return t, err == nil && n == timeBytes
}

// NewID returns 128 random bits in unpadded base64url (22 characters), for
// user IDs and key IDs ("jti" and family IDs are NewTimedID).
func NewID() string {
	var raw [idBytes]byte
	rand.Read(raw[:])
	return prefixed("", raw[:])
}

// NewTimedID is NewID after the time at, as 16 hex digits of big-endian
// unix microseconds (38 characters), the layout Hasher.ID gives a timed
// credential: IDs made one after another sort in that order, so their
// records go in at the right-hand edge of the database's indexes instead
// of on a random leaf page (see GenerateTimed). For "jti" and refresh
// family IDs, whose issuance time is no secret (a JWT says it in "iat").
func NewTimedID(at time.Time) string {
	var raw [timeBytes + idBytes]byte
	binary.BigEndian.PutUint64(raw[:timeBytes], uint64(at.UnixMicro()))
	rand.Read(raw[timeBytes:])
	var enc [2*timeBytes + (idBytes*8+5)/6]byte
	hex.Encode(enc[:2*timeBytes], raw[:timeBytes])
	base64.RawURLEncoding.Encode(enc[2*timeBytes:], raw[timeBytes:])
	return string(enc[:])
}

// TimedIDTime returns the time a NewTimedID was made at (to the
// microsecond); ok is false for any other string.
func TimedIDTime(id string) (t time.Time, ok bool) {
	if len(id) != 2*timeBytes+(idBytes*8+5)/6 {
		return time.Time{}, false
	}
	var raw [timeBytes]byte
	if _, err := hex.Decode(raw[:], []byte(id[:2*timeBytes])); err != nil {
		return time.Time{}, false
	}
	return time.UnixMicro(int64(binary.BigEndian.Uint64(raw[:]))).UTC(), true
}

func prefixed(prefix string, raw []byte) string {
	var enc [base64Len32]byte
	n := base64.RawURLEncoding.EncodedLen(len(raw))
	base64.RawURLEncoding.Encode(enc[:n], raw)
	var b strings.Builder
	b.Grow(len(prefix) + n)
	b.WriteString(prefix)
	b.Write(enc[:n])
	return b.String()
}

// base64Len32 is the unpadded base64 length of 32 bytes.
const base64Len32 = (secretBytes*8 + 5) / 6

// Secret is a credential handed to a client once (a generated client
// secret, API key or token). Every way of printing, logging or encoding it
// yields "[REDACTED]"; Reveal returns the value for the one response that
// must carry it.
type Secret string

// Reveal returns the secret itself.
func (s Secret) Reveal() string { return string(s) }

func (Secret) String() string                { return redacted }
func (Secret) GoString() string              { return `"` + redacted + `"` }
func (Secret) Format(f fmt.State, verb rune) { writeRedacted(f) }
func (Secret) LogValue() slog.Value          { return slog.StringValue(redacted) }

// MarshalText makes encoding/json, yaml and friends write "[REDACTED]".
func (Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

const redacted = "[REDACTED]"

// writeRedacted is the Format method of every secret-bearing type: whatever
// the verb (%s, %v, %x, %d, %#v), only the placeholder is written.
func writeRedacted(w io.Writer) { io.WriteString(w, redacted) }
