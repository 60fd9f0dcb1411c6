package config

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokenmint/tokenmint/token"
)

func TestMasterKeyValue(t *testing.T) {
	raw := make([]byte, token.MasterKeySize)
	raw[0] = 1
	keyText := base64.StdEncoding.EncodeToString(raw)
	wantKey, err := token.ParseMasterKey(keyText)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	existing := filepath.Join(dir, "existing.key")
	if err := os.WriteFile(existing, []byte(keyText+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		cfg         Config
		wantCreated bool
		wantErr     string
		wantSame    bool // the key equals wantKey
	}{
		{name: "from master_key", cfg: Config{MasterKey: token.Secret(keyText), Database: "postgres://h/db"}, wantSame: true},
		{name: "master_key beats file", cfg: Config{MasterKey: token.Secret(keyText), MasterKeyFile: filepath.Join(dir, "unused.key"), Database: "sqlite:x.db"}, wantSame: true},
		{name: "invalid master_key", cfg: Config{MasterKey: "short"}, wantErr: "master_key: invalid master key"},
		{name: "existing file with postgres", cfg: Config{MasterKeyFile: existing, Database: "postgres://h/db"}, wantSame: true},
		{name: "sqlite creates file", cfg: Config{MasterKeyFile: filepath.Join(dir, "new.key"), Database: "sqlite:" + filepath.Join(dir, "tm.db")}, wantCreated: true},
		{name: "postgres without key", cfg: Config{Database: "postgres://h/db"}, wantErr: "no master key"},
		{name: "postgres with missing file", cfg: Config{MasterKeyFile: filepath.Join(dir, "absent.key"), Database: "postgres://h/db"}, wantErr: "does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, created, err := tt.cfg.MasterKeyValue()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "short") {
					t.Errorf("error echoes the key: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if created != tt.wantCreated {
				t.Errorf("created = %v, want %v", created, tt.wantCreated)
			}
			if tt.wantSame && k.Encode() != wantKey.Encode() {
				t.Error("resolved a different key")
			}
		})
	}
}

func TestMasterKeyValueCreatesOnce(t *testing.T) {
	dir := t.TempDir()
	c := Config{Database: "sqlite:" + filepath.Join(dir, "tm.db"), MasterKeyFile: filepath.Join(dir, "tokenmint.key")}
	first, created, err := c.MasterKeyValue()
	if err != nil || !created {
		t.Fatalf("first call: created %v, err %v", created, err)
	}
	second, created, err := c.MasterKeyValue()
	if err != nil || created {
		t.Fatalf("second call: created %v, err %v", created, err)
	}
	if first.Encode() != second.Encode() {
		t.Error("the key changed between calls")
	}
	fi, err := os.Stat(c.MasterKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %o, want 600", fi.Mode().Perm())
	}
}
