package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/tokenmint/tokenmint/token"
)

// MasterKeyValue resolves the master key: MasterKey when set (from the
// environment or the file), else the key file. With SQLite a missing key
// file is created (created is then true and the caller should warn: that
// file must be backed up with the database). With PostgreSQL, where
// several servers share one database and must share one key, a missing
// key is an error instead: each server creating its own would lock the
// others out of the signing keys.
func (c Config) MasterKeyValue() (key token.MasterKey, created bool, err error) {
	if c.MasterKey != "" {
		k, err := token.ParseMasterKey(c.MasterKey.Reveal())
		if err != nil {
			return token.MasterKey{}, false, fmt.Errorf("master_key: %w", err)
		}
		return k, false, nil
	}
	if c.MasterKeyFile == "" {
		return token.MasterKey{}, false, errors.New(
			"no master key: set TOKENMINT_MASTER_KEY or master_key_file (generate one with `openssl rand -base64 32`)")
	}
	if _, ok := SQLitePath(c.Database); !ok {
		if _, err := os.Stat(c.MasterKeyFile); errors.Is(err, fs.ErrNotExist) {
			return token.MasterKey{}, false, fmt.Errorf(
				"master key file %s does not exist; create it once and share it with every server "+
					"(`openssl rand -base64 32 > %[1]s && chmod 600 %[1]s`)", c.MasterKeyFile)
		}
	}
	return token.LoadOrCreateMasterKeyFile(c.MasterKeyFile)
}
