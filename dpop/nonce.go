package dpop

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"sync/atomic"
	"time"
)

// DefaultNonceWindow is how often nonces rotate: a nonce is accepted in
// the window it was issued in and the next one, so for between one and
// two windows.
const DefaultNonceWindow = 2 * time.Minute

// nonceBytes is the length of a nonce's MAC (128 bits).
const nonceBytes = 16

// Nonces issues and checks server nonces (RFC 9449 §8, §9) without
// shared state: a nonce is the truncated HMAC-SHA256 of the number of
// the current time window, under a key every instance of a deployment
// derives from its master key, so one minted by any instance is valid on
// all. It is safe for concurrent use.
type Nonces struct {
	key    []byte
	window time.Duration
	cache  atomic.Pointer[nonceWindow]
}

// nonceWindow caches the nonces of one window and the previous one.
type nonceWindow struct {
	n         int64
	cur, prev string
}

// NewNonces returns Nonces keyed by key (at least 32 bytes, secret),
// rotating every window (0: DefaultNonceWindow).
func NewNonces(key []byte, window time.Duration) *Nonces {
	if len(key) < 32 {
		panic("dpop: a nonce key needs at least 32 bytes")
	}
	if window <= 0 {
		window = DefaultNonceWindow
	}
	return &Nonces{key: append([]byte(nil), key...), window: window}
}

// Current is the nonce to hand clients at now (the DPoP-Nonce header).
func (n *Nonces) Current(now time.Time) string { return n.at(now).cur }

// Valid reports whether nonce is the current or the previous window's.
func (n *Nonces) Valid(nonce string, now time.Time) bool {
	w := n.at(now)
	b := []byte(nonce)
	return subtle.ConstantTimeCompare(b, []byte(w.cur))|subtle.ConstantTimeCompare(b, []byte(w.prev)) == 1
}

// IsCurrent reports whether nonce is the current window's, so that a
// caller knows to hand a client the new one after a rotation (§8.2).
func (n *Nonces) IsCurrent(nonce string, now time.Time) bool {
	return subtle.ConstantTimeCompare([]byte(nonce), []byte(n.at(now).cur)) == 1
}

func (n *Nonces) at(now time.Time) *nonceWindow {
	num := now.UnixNano() / int64(n.window)
	if w := n.cache.Load(); w != nil && w.n == num {
		return w
	}
	w := &nonceWindow{n: num, cur: n.mint(num), prev: n.mint(num - 1)}
	n.cache.Store(w)
	return w
}

func (n *Nonces) mint(num int64) string {
	m := hmac.New(sha256.New, n.key)
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(num))
	m.Write(b[:])
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:nonceBytes])
}
