package main

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
)

// moduleRoot returns the directory of the main module (go env GOMOD) as
// seen from the working directory.
func moduleRoot(ctx context.Context, gobin string) (string, error) {
	out, err := exec.CommandContext(ctx, gobin, "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == "/dev/null" {
		return "", fmt.Errorf("not inside a Go module: run from the tokenmint checkout or pass --repo")
	}
	return filepath.Dir(mod), nil
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
