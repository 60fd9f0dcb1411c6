package token

import (
	"bytes"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// testKeyBytes is 0x00, 0x01, ..., 0x1f.
func testKeyBytes() []byte {
	b := make([]byte, 32)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

func TestParseMasterKey(t *testing.T) {
	raw := testKeyBytes()
	want := base64.RawURLEncoding.EncodeToString(raw)
	// A key whose encodings differ between the std and URL alphabets.
	special := bytes.Repeat([]byte{0xfb, 0xff, 0xbf}, 11)[:32]
	tests := []struct {
		name    string
		in      string
		want    string // Encode() of the result; "" when an error is expected
		wantErr string
	}{
		{name: "hex lower", in: hex.EncodeToString(raw), want: want},
		{name: "hex upper", in: strings.ToUpper(hex.EncodeToString(raw)), want: want},
		{name: "base64 std padded", in: base64.StdEncoding.EncodeToString(raw), want: want},
		{name: "base64 std raw", in: base64.RawStdEncoding.EncodeToString(raw), want: want},
		{name: "base64url raw", in: want, want: want},
		{name: "base64url padded", in: base64.URLEncoding.EncodeToString(raw), want: want},
		{name: "std alphabet +/", in: base64.StdEncoding.EncodeToString(special), want: base64.RawURLEncoding.EncodeToString(special)},
		{name: "url alphabet -_", in: base64.RawURLEncoding.EncodeToString(special), want: base64.RawURLEncoding.EncodeToString(special)},
		{name: "surrounding whitespace", in: "  " + want + "\n", want: want},
		{name: "empty", in: "", wantErr: "empty"},
		{name: "only whitespace", in: " \n\t", wantErr: "empty"},
		{name: "16 bytes", in: base64.StdEncoding.EncodeToString(raw[:16]), wantErr: "decodes to 16 bytes, want 32"},
		{name: "33 bytes", in: base64.StdEncoding.EncodeToString(append(raw, 1)), wantErr: "decodes to 33 bytes"},
		{name: "hex 31 bytes", in: hex.EncodeToString(raw[:31]), wantErr: "decodes to"},
		{name: "garbage", in: "not a key!!", wantErr: "neither base64 nor hex"},
		{name: "mixed alphabets", in: "+" + base64.RawURLEncoding.EncodeToString(special)[1:42] + "_", wantErr: "neither base64 nor hex"},
		{name: "all zeros", in: hex.EncodeToString(make([]byte, 32)), wantErr: "all bytes are zero"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseMasterKey(tt.in)
			if tt.wantErr != "" {
				if !errors.Is(err, ErrInvalidMasterKey) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseMasterKey(%q) error = %v, want ErrInvalidMasterKey containing %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseMasterKey(%q): %v", tt.in, err)
			}
			if got := m.Encode(); got != tt.want {
				t.Errorf("Encode() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestGenerateMasterKey(t *testing.T) {
	a, b := GenerateMasterKey(), GenerateMasterKey()
	if a.Encode() == b.Encode() {
		t.Fatal("two generated keys are equal")
	}
	back, err := ParseMasterKey(a.Encode())
	if err != nil {
		t.Fatalf("ParseMasterKey(Encode()): %v", err)
	}
	if back != a {
		t.Error("Encode/Parse round trip changed the key")
	}
	if n := len(a.Encode()); n != 43 {
		t.Errorf("len(Encode()) = %d, want 43", n)
	}
}

func TestMasterKeyRedacted(t *testing.T) {
	m := GenerateMasterKey()
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("x", "key", m, "wrapped", struct{ K MasterKey }{m})
	outputs := map[string]string{
		"%v":  fmt.Sprintf("%v", m),
		"%+v": fmt.Sprintf("%+v", m),
		"%#v": fmt.Sprintf("%#v", m),
		"%s":  fmt.Sprintf("%s", m),
		"%x":  fmt.Sprintf("%x", m),
		"%X":  fmt.Sprintf("%X", m),
		"%d":  fmt.Sprintf("%d", m),
		"%q":  fmt.Sprintf("%q", m),
		"ptr": fmt.Sprintf("%v", &m),
		"in struct": fmt.Sprintf("%+v", struct {
			Key MasterKey
		}{m}),
		"String":   m.String(),
		"GoString": m.GoString(),
		"slog":     logged.String(),
	}
	leaks := []string{m.Encode(), hex.EncodeToString(m.b[:]), strings.ToUpper(hex.EncodeToString(m.b[:])), fmt.Sprint(m.b[:4])}
	for name, out := range outputs {
		if !strings.Contains(out, redacted) {
			t.Errorf("%s: %q does not say %s", name, out, redacted)
		}
		for _, leak := range leaks {
			if strings.Contains(out, leak) {
				t.Errorf("%s: output %q leaks the key", name, out)
			}
		}
	}
}

func TestDerive(t *testing.T) {
	m, err := ParseMasterKey(hex.EncodeToString(testKeyBytes()))
	if err != nil {
		t.Fatal(err)
	}
	purposes := []string{PurposeSecretHash, PurposeTokenHash, PurposeKeyEncryption, PurposeCookie}
	seen := map[string]string{}
	for _, p := range purposes {
		t.Run(p, func(t *testing.T) {
			got := m.Derive(p)
			if len(got) != 32 {
				t.Fatalf("len = %d, want 32", len(got))
			}
			// Cross-check against the standard library's independent HKDF.
			want, err := hkdf.Key(sha256.New, m.b[:], nil, p, 32)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("Derive(%q) = %x, want %x", p, got, want)
			}
			if !bytes.Equal(m.Derive(p), got) {
				t.Error("Derive is not deterministic")
			}
			if other, dup := seen[string(got)]; dup {
				t.Errorf("purposes %q and %q derive the same key", p, other)
			}
			seen[string(got)] = p
		})
	}
	if bytes.Equal(GenerateMasterKey().Derive(PurposeCookie), m.Derive(PurposeCookie)) {
		t.Error("different master keys derive the same subkey")
	}
}

func TestDeriveZeroKeyPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Derive on the zero MasterKey did not panic")
		}
	}()
	var m MasterKey
	m.Derive(PurposeCookie)
}

func writeFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // WriteFile is subject to umask
		t.Fatal(err)
	}
}

func TestLoadOrCreateMasterKeyFile(t *testing.T) {
	valid := GenerateMasterKey()
	tests := []struct {
		name        string
		setup       func(t *testing.T, path string)
		wantCreated bool
		wantKey     *MasterKey
		wantErr     string
		wantErrIs   error
	}{
		{name: "missing file is created", setup: func(*testing.T, string) {}, wantCreated: true},
		{name: "existing 0600 file", setup: func(t *testing.T, p string) { writeFile(t, p, valid.Encode()+"\n", 0o600) }, wantKey: &valid},
		{name: "existing 0400 hex file", setup: func(t *testing.T, p string) { writeFile(t, p, hex.EncodeToString(valid.b[:]), 0o400) }, wantKey: &valid},
		{name: "world readable", setup: func(t *testing.T, p string) { writeFile(t, p, valid.Encode(), 0o644) }, wantErr: "chmod 600"},
		{name: "group readable", setup: func(t *testing.T, p string) { writeFile(t, p, valid.Encode(), 0o640) }, wantErr: "chmod 600"},
		{name: "group writable", setup: func(t *testing.T, p string) { writeFile(t, p, valid.Encode(), 0o620) }, wantErr: "chmod 600"},
		{name: "bad content", setup: func(t *testing.T, p string) { writeFile(t, p, "hello", 0o600) }, wantErrIs: ErrInvalidMasterKey},
		{name: "empty file", setup: func(t *testing.T, p string) { writeFile(t, p, "", 0o600) }, wantErrIs: ErrInvalidMasterKey},
		{name: "oversized file", setup: func(t *testing.T, p string) { writeFile(t, p, strings.Repeat("a", 5000), 0o600) }, wantErrIs: ErrInvalidMasterKey},
		{name: "directory", setup: func(t *testing.T, p string) { os.Mkdir(p, 0o700) }, wantErr: "not a regular file"},
		{name: "missing parent directory", setup: func(t *testing.T, p string) { os.Remove(filepath.Dir(p)) }, wantErrIs: os.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "sub", "master.key")
			if err := os.Mkdir(filepath.Dir(path), 0o700); err != nil {
				t.Fatal(err)
			}
			tt.setup(t, path)
			m, created, err := LoadOrCreateMasterKeyFile(path)
			switch {
			case tt.wantErr != "" || tt.wantErrIs != nil:
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || (tt.wantErrIs != nil && !errors.Is(err, tt.wantErrIs)) {
					t.Fatalf("error = %v, want one containing %q / matching %v", err, tt.wantErr, tt.wantErrIs)
				}
				return
			case err != nil:
				t.Fatalf("LoadOrCreateMasterKeyFile: %v", err)
			}
			if created != tt.wantCreated {
				t.Errorf("created = %v, want %v", created, tt.wantCreated)
			}
			if tt.wantKey != nil && m != *tt.wantKey {
				t.Error("loaded a different key than the file holds")
			}
			if m.isZero() {
				t.Fatal("returned the zero key")
			}
			checkKeyFile(t, path, m)
		})
	}
}

// checkKeyFile asserts path is mode 0600 and loads back as m, with no
// temporary file left next to it.
func checkKeyFile(t *testing.T, path string, m MasterKey) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		t.Errorf("key file mode = %04o, want no group/other bits", perm)
	}
	again, created, err := LoadOrCreateMasterKeyFile(path)
	if err != nil || created || again != m {
		t.Errorf("reload: created=%v err=%v same=%v", created, err, again == m)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the key file", len(entries))
	}
}

func TestLoadOrCreateMasterKeyFileConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.key")
	const n = 8
	keys := make([]MasterKey, n)
	created := make([]bool, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { keys[i], created[i], errs[i] = LoadOrCreateMasterKeyFile(path) })
	}
	wg.Wait()
	creators := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
		if keys[i] != keys[0] {
			t.Errorf("caller %d got a different key", i)
		}
		if created[i] {
			creators++
		}
	}
	if creators != 1 {
		t.Errorf("%d callers report creating the file, want 1", creators)
	}
	checkKeyFile(t, path, keys[0])
}
