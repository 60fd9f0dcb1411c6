package password

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// The PHC string format
// (https://github.com/P-H-C/phc-string-format/blob/master/phc-sf-spec.md):
// "$argon2id$v=19$m=<KiB>,t=<iterations>,p=<lanes>$<salt>$<hash>", salt
// and hash in standard base64 without padding.

var b64 = base64.RawStdEncoding

func encode(p Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Iterations, p.Parallelism,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// decode parses an argon2id PHC string and checks its parameters are
// within the package's limits.
func decode(phc string) (p Params, salt, key []byte, err error) {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, fmt.Errorf("%w: not an argon2id PHC string", ErrMalformed)
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, fmt.Errorf("%w: unsupported argon2 version %q", ErrMalformed, parts[2])
	}
	if p, err = decodeParams(parts[3]); err != nil {
		return p, nil, nil, err
	}
	if salt, err = b64.Strict().DecodeString(parts[4]); err != nil {
		return p, nil, nil, fmt.Errorf("%w: salt: %w", ErrMalformed, err)
	}
	if key, err = b64.Strict().DecodeString(parts[5]); err != nil {
		return p, nil, nil, fmt.Errorf("%w: hash: %w", ErrMalformed, err)
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	if err := p.Validate(); err != nil {
		return p, nil, nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return p, salt, key, nil
}

// decodeParams parses "m=65536,t=3,p=2", in that order as Hash writes it.
func decodeParams(s string) (Params, error) {
	var p Params
	fields := strings.Split(s, ",")
	if len(fields) != 3 {
		return p, fmt.Errorf("%w: parameters %q", ErrMalformed, s)
	}
	m, errM := paramValue(fields[0], "m=", 32)
	t, errT := paramValue(fields[1], "t=", 32)
	l, errP := paramValue(fields[2], "p=", 8)
	if errM != nil || errT != nil || errP != nil {
		return p, fmt.Errorf("%w: parameters %q", ErrMalformed, s)
	}
	return Params{Memory: uint32(m), Iterations: uint32(t), Parallelism: uint8(l)}, nil
}

func paramValue(field, prefix string, bits int) (uint64, error) {
	v, ok := strings.CutPrefix(field, prefix)
	if !ok || v == "" || (len(v) > 1 && v[0] == '0') {
		return 0, ErrMalformed
	}
	return strconv.ParseUint(v, 10, bits)
}
