package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestDatabaseInMissingDirectory: a SQLite path whose directory does not
// exist fails every command that would create the file with one line
// naming the file and the directory, not SQLite's bare "unable to open
// database file".
func TestDatabaseInMissingDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nonexistent", "dir", "x.db")
	e := testEnv(t)
	for _, args := range [][]string{
		{"serve", "--addr", "127.0.0.1:0"},
		{"migrate"},
		{"client", "create", "--name", "x"},
	} {
		t.Run(strings.Join(args[:min(2, len(args))], " "), func(t *testing.T) {
			r := e.exec(t, "", append(args, "--database", "sqlite:"+path)...)
			want := "database " + path + " cannot be opened: directory " + filepath.Dir(path) + " does not exist"
			if r.code != exitFailure || !strings.Contains(r.stderr, want) || strings.Count(r.stderr, "\n") != 1 {
				t.Errorf("exit %d, stderr %q\nwant exit %d and one line saying %q", r.code, r.stderr, exitFailure, want)
			}
		})
	}
}
