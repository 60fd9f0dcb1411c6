package main

import (
	"archive/tar"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func tarOf(t *testing.T, entries map[string]string) *bytes.Buffer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for name, body := range entries {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(body))
	}
	tw.Close()
	return &buf
}

func TestUntar(t *testing.T) {
	tests := []struct {
		name    string
		entries map[string]string
		wantErr bool
	}{
		{"nested file", map[string]string{"a/b/c.go": "package c"}, false},
		{"escaping path", map[string]string{"../evil": "x"}, true},
		{"absolute-looking path stays inside", map[string]string{"/etc/x": "x"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			err := untar(tarOf(t, tt.entries), dir)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			for name, body := range tt.entries {
				got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
				if err != nil || string(got) != body {
					t.Errorf("%s: %q, %v", name, got, err)
				}
			}
		})
	}
}

func TestExportRef(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	ctx := context.Background()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	repo, err := serverRoot(wd)
	if err != nil {
		t.Fatal(err)
	}
	if err := exec.Command("git", "-C", repo, "rev-parse", "HEAD").Run(); err != nil {
		t.Skip("not a git checkout")
	}
	dir := t.TempDir()
	commit, err := exportRef(ctx, repo, "HEAD", dir)
	if err != nil {
		t.Fatal(err)
	}
	if commit == "" {
		t.Error("no commit")
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		t.Errorf("exported tree has no go.mod: %v", err)
	}
	if _, err := exportRef(ctx, repo, "no-such-ref-xyz", t.TempDir()); err == nil {
		t.Error("want an error for an unknown ref")
	}
}

// TestServerRoot: from the bench module, or any directory below the
// checkout, the server's root is the nearest directory whose go.mod is
// the server's, not the nearest go.mod.
func TestServerRoot(t *testing.T) {
	root := t.TempDir()
	write := func(rel, body string) {
		t.Helper()
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("repo/go.mod", "// the server\nmodule github.com/tokenmint/tokenmint\n\ngo 1.26\n")
	write("repo/bench/go.mod", "module github.com/tokenmint/tokenmint/bench\n")
	write("repo/bench/internal/load/x.go", "package load\n")
	write("other/go.mod", "module \"example.com/other\"\n")
	tests := []struct {
		from, want string // relative to root; want "" for an error
	}{
		{"repo", "repo"},
		{"repo/bench", "repo"},
		{"repo/bench/internal/load", "repo"},
		{"other", ""},
	}
	for _, tt := range tests {
		got, err := serverRoot(filepath.Join(root, filepath.FromSlash(tt.from)))
		switch {
		case tt.want == "" && err == nil:
			t.Errorf("from %s: %s, want an error", tt.from, got)
		case tt.want != "" && (err != nil || got != filepath.Join(root, tt.want)):
			t.Errorf("from %s: %q, %v; want %s", tt.from, got, err, tt.want)
		}
	}
}
