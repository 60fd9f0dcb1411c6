package config

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/tokenmint/tokenmint"
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

// PreviousMasterKeyValue resolves the master key being replaced during a
// rotation: PreviousMasterKey when set, else the file when named (it must
// exist). ok is false when neither is set.
func (c Config) PreviousMasterKeyValue() (key token.MasterKey, ok bool, err error) {
	switch {
	case c.PreviousMasterKey != "":
		key, err = token.ParseMasterKey(c.PreviousMasterKey.Reveal())
		if err != nil {
			return token.MasterKey{}, false, fmt.Errorf("previous_master_key: %w", err)
		}
	case c.PreviousMasterKeyFile != "":
		if key, err = token.ReadMasterKeyFile(c.PreviousMasterKeyFile); err != nil {
			return token.MasterKey{}, false, fmt.Errorf("previous_master_key_file: %w", err)
		}
	default:
		return token.MasterKey{}, false, nil
	}
	return key, true, nil
}

// Keys resolves the keys a server or command works with
// (token.ResolveKeys): the master key, the previous one during a
// rotation, and the hash keys store keeps after a rotation. created is
// MasterKeyValue's.
func (c Config) Keys(ctx context.Context, store tokenmint.MasterKeyStore) (keys token.Keys, created bool, err error) {
	mk, created, err := c.MasterKeyValue()
	if err != nil {
		return token.Keys{}, false, err
	}
	var previous []token.MasterKey
	if prev, ok, err := c.PreviousMasterKeyValue(); err != nil {
		return token.Keys{}, false, err
	} else if ok {
		previous = append(previous, prev)
	}
	keys, err = token.ResolveKeys(ctx, store, mk, previous...)
	return keys, created, err
}
