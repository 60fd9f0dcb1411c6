package main

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// serverModule is the module path of the server the benchmark builds.
const serverModule = "github.com/tokenmint/tokenmint"

// serverRoot returns the root of the tokenmint checkout dir is in: the
// nearest directory at or above dir whose go.mod declares serverModule.
// The benchmark is its own module in bench/, so the module the go command
// sees from the working directory is not the server's.
func serverRoot(dir string) (string, error) {
	for {
		if data, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && modulePath(data) == serverModule {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no %s module at or above the working directory: run from the tokenmint checkout or pass --repo", serverModule)
		}
		dir = parent
	}
}

// modulePath returns the path of a go.mod's module directive, "" if it
// has none.
func modulePath(gomod []byte) string {
	for line := range strings.Lines(string(gomod)) {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "module" {
			return strings.Trim(f[1], `"`)
		}
	}
	return ""
}

// buildServer compiles ./cmd/tokenmint of repo into dir and returns the
// binary's path.
func buildServer(ctx context.Context, gobin, repo, dir string) (string, error) {
	bin := filepath.Join(dir, "tokenmint")
	cmd := exec.CommandContext(ctx, gobin, "build", "-o", bin, "./cmd/tokenmint")
	cmd.Dir = repo
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build ./cmd/tokenmint: %w\n%s", err, stderr.Bytes())
	}
	return bin, nil
}

// exportRef extracts the tree of git ref in repo into dir (git archive),
// so that the measured server is a commit rather than a work tree other
// people are editing. It returns the short commit hash.
func exportRef(ctx context.Context, repo, ref, dir string) (string, error) {
	out, err := exec.CommandContext(ctx, "git", "-C", repo, "rev-parse", "--short", "--verify", ref+"^{commit}").Output()
	if err != nil {
		return "", fmt.Errorf("git rev-parse %s: %w", ref, err)
	}
	commit := strings.TrimSpace(string(out))
	cmd := exec.CommandContext(ctx, "git", "-C", repo, "archive", "--format=tar", commit)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", err
	}
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("git archive: %w", err)
	}
	xerr := untar(stdout, dir)
	io.Copy(io.Discard, stdout)
	if err := cmd.Wait(); err != nil {
		return "", fmt.Errorf("git archive: %w: %s", err, stderr.Bytes())
	}
	if xerr != nil {
		return "", xerr
	}
	return commit, nil
}

// untar extracts regular files and directories of a tar stream under
// dir, refusing paths that would leave it.
func untar(r io.Reader, dir string) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read archive: %w", err)
		}
		target := filepath.Join(dir, filepath.FromSlash(h.Name))
		if !strings.HasPrefix(target, filepath.Clean(dir)+string(filepath.Separator)) {
			return fmt.Errorf("archive entry %q leaves the directory", h.Name)
		}
		if err := extract(tr, h, target); err != nil {
			return err
		}
	}
}

func extract(tr *tar.Reader, h *tar.Header, target string) error {
	switch h.Typeflag {
	case tar.TypeDir:
		return os.MkdirAll(target, 0o755)
	case tar.TypeReg:
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		f, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, os.FileMode(h.Mode)&0o755|0o600)
		if err != nil {
			return err
		}
		if _, err := io.Copy(f, tr); err != nil {
			f.Close()
			return fmt.Errorf("extract %s: %w", h.Name, err)
		}
		return f.Close()
	}
	return nil // symlinks and the global header: the module needs neither
}
