package manifest

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/tokenmint/tokenmint/token"
)

// Ref is a credential given by reference: the value of an environment
// variable or the content of a file, read when the manifest is applied.
// The zero Ref is "none given".
type Ref struct {
	Env  string // an environment variable's name
	File string // a file's path, relative to the manifest's folder
	// value is a credential given in memory (Literal): serve --dev and
	// tests; never read from a file.
	value token.Secret
}

// Literal is a Ref to a value held in memory, for programs that build a
// manifest in code.
func Literal(v token.Secret) Ref { return Ref{value: v} }

// IsZero reports whether no reference was given.
func (r Ref) IsZero() bool { return r.Env == "" && r.File == "" && r.value == "" }

// String names the reference, never its value: "env BILLING_SECRET",
// "file secrets/billing", "a value in memory".
func (r Ref) String() string {
	switch {
	case r.Env != "":
		return "env " + r.Env
	case r.File != "":
		return "file " + r.File
	case r.value != "":
		return "a value in memory"
	}
	return "none"
}

// maxRefFile bounds a credential file: a secret or password is short.
const maxRefFile = 4096

// resolve reads the referenced value. File paths are relative to dir;
// one trailing line ending is dropped, so that `echo s > file` works.
func (r Ref) resolve(dir string, env func(string) string) (token.Secret, error) {
	switch {
	case r.value != "":
		return r.value, nil
	case r.Env != "":
		v := ""
		if env != nil {
			v = env(r.Env)
		}
		if v == "" {
			return "", fmt.Errorf("environment variable %s is unset or empty", r.Env)
		}
		return token.Secret(v), nil
	case r.File != "":
		return readRefFile(r.File, dir)
	}
	return "", errors.New("no reference")
}

func readRefFile(path, dir string) (token.Secret, error) {
	if !filepath.IsAbs(path) && dir != "" {
		path = filepath.Join(dir, path)
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("file %s does not exist", path)
	}
	if err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxRefFile+1))
	if err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	if len(b) > maxRefFile {
		return "", fmt.Errorf("file %s is larger than %d bytes: it should hold one secret", path, maxRefFile)
	}
	s := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	if s == "" {
		return "", fmt.Errorf("file %s is empty", path)
	}
	return token.Secret(s), nil
}
