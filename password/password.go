package password

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"runtime"

	"golang.org/x/crypto/argon2"
)

// MaxLength is the longest password, in bytes, that Hash accepts and
// Verify considers. argon2 itself would take any length; the limit stops a
// client from making the server hash megabytes per request.
const MaxLength = 1024

// Limits on parameters read back from a stored hash. They stop a corrupted
// or planted hash from making one verification allocate gigabytes or spin
// for minutes.
const (
	maxMemory     = 1 << 20 // KiB: 1 GiB
	maxIterations = 64
	maxSaltLen    = 64
	maxKeyLen     = 128
)

var (
	// ErrTooLong is returned by Hash for a password over MaxLength bytes.
	ErrTooLong = fmt.Errorf("password longer than %d bytes", MaxLength)
	// ErrMalformed is returned by Verify for a string that is not an
	// argon2id PHC hash this package can check.
	ErrMalformed = errors.New("malformed password hash")
)

// Params are the argon2id cost parameters (RFC 9106 §3.1).
type Params struct {
	Memory      uint32 // KiB
	Iterations  uint32 // passes over memory, "t"
	Parallelism uint8  // lanes, "p"
	SaltLen     uint32 // bytes of random salt
	KeyLen      uint32 // bytes of derived tag
}

// DefaultParams follow the second recommended option of RFC 9106 §4
// (64 MiB of memory, t=3, a 128-bit salt and a 256-bit tag) with two lanes
// instead of four, which suits the small servers tokenmint targets and
// costs about as much wall time on two cores. Treat it as read-only.
var DefaultParams = Params{Memory: 64 * 1024, Iterations: 3, Parallelism: 2, SaltLen: 16, KeyLen: 32}

// Validate reports whether the parameters can be used to hash.
func (p Params) Validate() error {
	switch {
	case p.Parallelism < 1:
		return errors.New("argon2 parallelism must be at least 1")
	case p.Iterations < 1 || p.Iterations > maxIterations:
		return fmt.Errorf("argon2 iterations must be between 1 and %d", maxIterations)
	case p.Memory < 8*uint32(p.Parallelism) || p.Memory > maxMemory:
		return fmt.Errorf("argon2 memory must be between 8×parallelism and %d KiB", maxMemory)
	case p.SaltLen < 8 || p.SaltLen > maxSaltLen:
		return fmt.Errorf("argon2 salt length must be between 8 and %d bytes", maxSaltLen)
	case p.KeyLen < 16 || p.KeyLen > maxKeyLen:
		return fmt.Errorf("argon2 key length must be between 16 and %d bytes", maxKeyLen)
	}
	return nil
}

// withDefaults fills zero fields from DefaultParams.
func (p Params) withDefaults() Params {
	d := DefaultParams
	if p.Memory == 0 {
		p.Memory = d.Memory
	}
	if p.Iterations == 0 {
		p.Iterations = d.Iterations
	}
	if p.Parallelism == 0 {
		p.Parallelism = d.Parallelism
	}
	if p.SaltLen == 0 {
		p.SaltLen = d.SaltLen
	}
	if p.KeyLen == 0 {
		p.KeyLen = d.KeyLen
	}
	return p
}

// Hasher hashes and verifies passwords with fixed parameters. It is safe
// for concurrent use.
type Hasher struct {
	params Params
	rand   io.Reader
	// slots bounds concurrent derivations (see the package comment).
	slots chan struct{}

	// dummy is a well-formed hash under params whose tag is random bytes:
	// verifying against it costs exactly one derivation and never matches.
	dummy string
}

// NewHasher returns a Hasher for p; zero fields take the values of
// DefaultParams. It panics when the result fails Params.Validate: callers
// validate configuration (package config does) before constructing one.
func NewHasher(p Params) *Hasher {
	p = p.withDefaults()
	if err := p.Validate(); err != nil {
		panic("password: " + err.Error())
	}
	salt, key := make([]byte, p.SaltLen), make([]byte, p.KeyLen)
	rand.Read(salt) // never fails (crypto/rand, Go 1.24+)
	rand.Read(key)
	return &Hasher{
		params: p,
		rand:   rand.Reader,
		slots:  make(chan struct{}, runtime.GOMAXPROCS(0)),
		dummy:  encode(p, salt, key),
	}
}

// Params returns the parameters new hashes are made with.
func (h *Hasher) Params() Params { return h.params }

// Hash returns the PHC string of pw under a fresh random salt.
func (h *Hasher) Hash(pw string) (string, error) {
	if len(pw) > MaxLength {
		return "", ErrTooLong
	}
	salt := make([]byte, h.params.SaltLen)
	if _, err := io.ReadFull(h.rand, salt); err != nil {
		return "", fmt.Errorf("read salt: %w", err)
	}
	key := h.derive(pw, salt, h.params)
	return encode(h.params, salt, key), nil
}

// Verify reports whether pw matches the PHC hash phc, comparing in
// constant time. The parameters come from phc itself, so hashes made
// with older settings stay valid. A malformed phc is an error wrapping
// ErrMalformed; a password over MaxLength bytes simply does not match,
// since Hash never accepts one.
func (h *Hasher) Verify(pw, phc string) (bool, error) {
	p, salt, want, err := decode(phc)
	if err != nil {
		return false, err
	}
	if len(pw) > MaxLength {
		return false, nil
	}
	got := h.derive(pw, salt, p)
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// VerifyDummy spends the cost of one Verify under the Hasher's parameters
// and discards the result. Call it when the user is unknown, so that a
// failed login takes as long whether or not the username exists.
func (h *Hasher) VerifyDummy(pw string) {
	if len(pw) > MaxLength {
		pw = pw[:MaxLength]
	}
	_, _ = h.Verify(pw, h.dummy)
}

// NeedsRehash reports whether phc was made with parameters other than the
// Hasher's (or cannot be parsed), so the caller should store a fresh hash
// of the password it has just verified.
func (h *Hasher) NeedsRehash(phc string) bool {
	p, salt, key, err := decode(phc)
	if err != nil {
		return true
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	return p != h.params
}

// derive runs argon2id, waiting for a free slot first.
func (h *Hasher) derive(pw string, salt []byte, p Params) []byte {
	h.slots <- struct{}{}
	defer func() { <-h.slots }()
	return argon2.IDKey([]byte(pw), salt, p.Iterations, p.Memory, p.Parallelism, p.KeyLen)
}
