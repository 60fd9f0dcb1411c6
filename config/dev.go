package config

import (
	"fmt"
	"net"

	"github.com/tokenmint/tokenmint/token"
)

// DevDatabase is the database of serve --dev: SQLite in memory, gone
// when the server stops.
const DevDatabase = "sqlite::memory:"

// ApplyDev turns c into the configuration of `tokenmint serve --dev`, an
// in-memory server for tests and local development: every relaxation and
// every switch a development server gets is made here, and only here,
// and Dev records that it was (for the server and its handlers to read).
//
//   - It listens on loopback only: an address that is not a loopback IP
//     or localhost, for the public or the admin listener, is refused.
//   - Nothing is written to disk: the database is SQLite in memory
//     (DevDatabase) and the master key is key, held in memory (no key
//     file is read or created).
//
// The client and user serve --dev creates are the command's business
// (cmd/tokenmint), not the configuration's.
func (c *Config) ApplyDev(key token.MasterKey) error {
	if err := loopbackAddr(c.Addr); err != nil {
		return &SettingError{Source: "--addr", Err: err}
	}
	if c.AdminAddr != AdminOff {
		if err := loopbackAddr(c.AdminAddr); err != nil {
			return &SettingError{Source: "--admin-addr", Err: err}
		}
	}
	c.Dev = true
	// Local work: a client's jwks_uri may be on this machine, over http.
	c.AllowPrivateFetch = true
	c.Database = DevDatabase
	c.MasterKey = token.Secret(key.Encode())
	c.MasterKeyFile = ""
	return c.Validate()
}

// loopbackAddr accepts HOST:PORT on a loopback IP or localhost.
func loopbackAddr(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("invalid address %q", addr)
	}
	if !isLoopback(host) {
		return fmt.Errorf("--dev listens on loopback only: %q is not 127.0.0.1, [::1] or localhost", addr)
	}
	return nil
}
