package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestDatabasePrecedence checks client commands resolve --database like
// serve: flag > TOKENMINT_DATABASE > config file > default.
func TestDatabasePrecedence(t *testing.T) {
	dir := t.TempDir()
	dsn := func(name string) string { return "sqlite:" + filepath.Join(dir, name) }
	file := filepath.Join(dir, "tokenmint.yaml")
	if err := os.WriteFile(file, []byte("database: "+dsn("file.db")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  env
		args []string
		want string // database file that must receive the client
	}{
		{"config file via flag", env{}, []string{"--config", file}, "file.db"},
		{"config file via env", env{"TOKENMINT_CONFIG": file}, nil, "file.db"},
		{"env over file", env{"TOKENMINT_CONFIG": file, "TOKENMINT_DATABASE": dsn("env.db")}, nil, "env.db"},
		{"flag over env and file", env{"TOKENMINT_DATABASE": dsn("env.db")}, []string{"--config", file, "--database", dsn("flag.db")}, "flag.db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := "client-" + filepath.Base(t.Name())
			args := append([]string{"client", "create", "--name", "x", "--id", id}, tt.args...)
			tt.env.ok(t, "", args...)
			check := env{"TOKENMINT_DATABASE": dsn(tt.want)}
			if r := check.exec(t, "", "client", "get", id); r.code != exitOK {
				t.Errorf("client not in %s: %s", tt.want, r.stderr)
			}
		})
	}
}

// TestMasterKeyFileBesideDatabase checks the default key file follows the
// database and that an explicit one is honoured.
func TestMasterKeyFileBesideDatabase(t *testing.T) {
	e := testEnv(t)
	e.ok(t, "", "client", "create", "--name", "x")
	if _, err := os.Stat(filepath.Join(e.dir(), "tokenmint.key")); err != nil {
		t.Errorf("default key file: %v", err)
	}
	explicit := filepath.Join(t.TempDir(), "explicit.key")
	e2 := testEnv(t)
	r := e2.ok(t, "", "client", "create", "--name", "x", "--master-key-file", explicit)
	if _, err := os.Stat(explicit); err != nil {
		t.Errorf("--master-key-file ignored: %v (stderr %q)", err, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(e2.dir(), "tokenmint.key")); err == nil {
		t.Error("the default key file was created although --master-key-file was given")
	}
}
