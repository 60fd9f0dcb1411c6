package token

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"golang.org/x/crypto/hkdf"
)

// MasterKeySize is the length of a master key and of every derived subkey.
const MasterKeySize = 32

// Purposes of the subkeys the server derives from its master key. Changing
// one invalidates everything protected by the old subkey, hence the
// version suffix.
const (
	PurposeSecretHash    = "tokenmint client secret hash v1"
	PurposeTokenHash     = "tokenmint token hash v1"
	PurposeKeyEncryption = "tokenmint signing key encryption v1"
	PurposeCookie        = "tokenmint cookie v1"
	// PurposeDPoPNonce keys the DPoP nonces every instance mints and
	// accepts alike (package dpop, RFC 9449 §8).
	PurposeDPoPNonce = "tokenmint dpop nonce v1"
)

// ErrInvalidMasterKey is wrapped by every error about a malformed master key.
var ErrInvalidMasterKey = errors.New("invalid master key")

// MasterKey is the 32-byte root secret of a deployment. Its value can only
// leave the process through Encode: String, GoString, Format and LogValue
// all print "[REDACTED]".
//
// The zero MasterKey is not a key; Derive panics on it.
type MasterKey struct {
	b [MasterKeySize]byte
}

// ParseMasterKey decodes a master key written as base64 (standard or URL
// alphabet, padded or not) or as hex; either must decode to exactly 32
// bytes. Surrounding whitespace, such as a key file's final newline, is
// ignored.
func ParseMasterKey(s string) (MasterKey, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return MasterKey{}, fmt.Errorf("%w: empty", ErrInvalidMasterKey)
	}
	raw, err := decodeKeyText(s)
	if err != nil {
		return MasterKey{}, err
	}
	if len(raw) != MasterKeySize {
		return MasterKey{}, fmt.Errorf("%w: decodes to %d bytes, want %d (generate one with `openssl rand -base64 32`)",
			ErrInvalidMasterKey, len(raw), MasterKeySize)
	}
	var m MasterKey
	copy(m.b[:], raw)
	clear(raw)
	if m.isZero() {
		return MasterKey{}, fmt.Errorf("%w: all bytes are zero", ErrInvalidMasterKey)
	}
	return m, nil
}

// decodeKeyText tries hex first (64 hex digits are also valid base64, of
// 48 bytes), then base64 in either alphabet with optional padding.
func decodeKeyText(s string) ([]byte, error) {
	if len(s) == 2*MasterKeySize {
		if raw, err := hex.DecodeString(s); err == nil {
			return raw, nil
		}
	}
	unpadded := strings.TrimRight(s, "=")
	for _, enc := range []*base64.Encoding{base64.RawURLEncoding, base64.RawStdEncoding} {
		if raw, err := enc.DecodeString(unpadded); err == nil {
			return raw, nil
		}
	}
	return nil, fmt.Errorf("%w: neither base64 nor hex", ErrInvalidMasterKey)
}

// GenerateMasterKey returns a new random master key.
func GenerateMasterKey() MasterKey {
	var m MasterKey
	rand.Read(m.b[:]) // never fails (crypto/rand, Go 1.24+)
	return m
}

// Encode returns the key as unpadded base64url, the form written to a key
// file and accepted by ParseMasterKey.
func (m MasterKey) Encode() string { return base64.RawURLEncoding.EncodeToString(m.b[:]) }

// Derive returns the 32-byte subkey for purpose: HKDF-SHA256 (RFC 5869)
// with the master key as input keying material, no salt, and purpose as
// info. Distinct purposes give independent keys.
func (m MasterKey) Derive(purpose string) []byte {
	if m.isZero() {
		panic("token: Derive called on the zero MasterKey")
	}
	out := make([]byte, MasterKeySize)
	r := hkdf.New(sha256.New, m.b[:], nil, []byte(purpose))
	if _, err := io.ReadFull(r, out); err != nil {
		// HKDF-SHA256 can expand to 255*32 bytes; 32 cannot fail.
		panic("token: hkdf: " + err.Error())
	}
	return out
}

func (m MasterKey) isZero() bool { return m.b == [MasterKeySize]byte{} }

func (MasterKey) String() string                { return redacted }
func (MasterKey) GoString() string              { return "token.MasterKey{" + redacted + "}" }
func (MasterKey) Format(f fmt.State, verb rune) { writeRedacted(f) }
func (MasterKey) LogValue() slog.Value          { return slog.StringValue(redacted) }

// LoadOrCreateMasterKeyFile reads the master key from path, or, when the
// file does not exist, generates a key and writes it there (mode 0600,
// created exclusively so that of two processes starting together one
// writes the key and the other reads it). created reports the latter. A file readable or writable by
// group or others is refused: the key protects every credential.
func LoadOrCreateMasterKeyFile(path string) (m MasterKey, created bool, err error) {
	m, err = readMasterKeyFile(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return m, false, err
	}
	m = GenerateMasterKey()
	err = writeMasterKeyFile(path, m)
	if errors.Is(err, fs.ErrExist) { // lost a race with another process
		m, err = readMasterKeyFile(path)
		return m, false, err
	}
	if err != nil {
		return MasterKey{}, false, err
	}
	return m, true, nil
}

// ReadMasterKeyFile reads the master key from path, which must exist and
// be private to its owner (as LoadOrCreateMasterKeyFile requires).
func ReadMasterKeyFile(path string) (MasterKey, error) { return readMasterKeyFile(path) }

// maxKeyFileSize bounds what is read from a key file: a key in any
// accepted encoding plus whitespace is well under it.
const maxKeyFileSize = 1024

func readMasterKeyFile(path string) (MasterKey, error) {
	f, err := os.Open(path)
	if err != nil {
		return MasterKey{}, fmt.Errorf("open master key file: %w", err)
	}
	defer f.Close()
	if err := checkKeyFileMode(f, path); err != nil {
		return MasterKey{}, err
	}
	buf, err := io.ReadAll(io.LimitReader(f, maxKeyFileSize+1))
	if err != nil {
		return MasterKey{}, fmt.Errorf("read master key file: %w", err)
	}
	defer clear(buf)
	if len(buf) > maxKeyFileSize {
		return MasterKey{}, fmt.Errorf("master key file %s: %w: file larger than %d bytes", path, ErrInvalidMasterKey, maxKeyFileSize)
	}
	m, err := ParseMasterKey(string(buf))
	if err != nil {
		return MasterKey{}, fmt.Errorf("master key file %s: %w", path, err)
	}
	return m, nil
}

// checkKeyFileMode refuses a key file any other user may read or write.
// Windows has no such mode bits; ACLs there are the operator's business.
func checkKeyFileMode(f *os.File, path string) error {
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("stat master key file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("master key file %s is not a regular file", path)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("master key file %s has mode %04o and is accessible to group or others; run `chmod 600 %s`",
			path, fi.Mode().Perm(), path)
	}
	return nil
}

// writeMasterKeyFile creates path holding m, failing with fs.ErrExist if
// it exists. The key is written and synced in a private temporary file
// first (mode 0600, O_EXCL) and then hard-linked into place, so a
// concurrent reader never sees a half-written key. Where hard links are
// not supported the file is created at path directly with O_EXCL.
func writeMasterKeyFile(path string, m MasterKey) error {
	dir, base := filepath.Dir(path), filepath.Base(path)
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("create master key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := writeKeyTo(tmp, m); err != nil {
		return fmt.Errorf("write master key file: %w", err)
	}
	err = os.Link(tmp.Name(), path)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, fs.ErrExist):
		return fmt.Errorf("create master key file: %w", err)
	}
	return writeMasterKeyFileDirect(path, m)
}

func writeMasterKeyFileDirect(path string, m MasterKey) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("create master key file: %w", err)
	}
	if err := writeKeyTo(f, m); err != nil {
		os.Remove(path) // never leave a truncated key behind
		return fmt.Errorf("write master key file: %w", err)
	}
	return nil
}

// writeKeyTo writes the encoded key and a newline, syncs and closes f.
func writeKeyTo(f *os.File, m MasterKey) error {
	_, err := f.WriteString(m.Encode() + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
