package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/dialect/dialects"
	"github.com/tokenmint/tokenmint/jwksfetch"
	"github.com/tokenmint/tokenmint/password"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/store"
	"github.com/tokenmint/tokenmint/store/sqlstore"
	"github.com/tokenmint/tokenmint/token"
)

// openMode says whether a command may create a database that does not
// exist yet.
type openMode int

const (
	mayCreate openMode = iota // create and migrate as needed (create commands)
	mustExist                 // a missing SQLite file is an error (reads, updates)
)

// openStore opens and migrates the configured database. Administrative
// commands log only warnings, so that their standard error stays quiet.
// openFor parses a command's flags and its positional arguments (named
// in errors by want), loads its settings and opens the store in mode. The
// caller closes the store with closeStore.
func (c *cli) openFor(ctx context.Context, f *flags, cf *config.Flags, args []string, mode openMode, want ...string) ([]string, config.Config, *sqlstore.DB, error) {
	pos, err := f.parse(args, want...)
	if err != nil {
		return nil, config.Config{}, nil, err
	}
	cfg, err := cf.Load(c.env)
	if err != nil {
		return nil, config.Config{}, nil, err
	}
	db, err := c.openStore(ctx, cfg, mode)
	if err != nil {
		return nil, config.Config{}, nil, err
	}
	return pos, cfg, db, nil
}

func (c *cli) openStore(ctx context.Context, cfg config.Config, mode openMode) (*sqlstore.DB, error) {
	if mode == mustExist {
		if err := sqliteExists(cfg.Database); err != nil {
			return nil, err
		}
	}
	db, err := store.Open(ctx, cfg.Database, sqlstore.Options{
		MaxOpenConns: cfg.DBMaxConns,
		Logger:       c.quietLogger(cfg),
		Now:          c.now,
	})
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	return db, nil
}

// sqliteExists refuses to work on a SQLite file that is not there: a
// misspelt path would otherwise create an empty database and make every
// client look deleted.
func sqliteExists(dsn string) error {
	path, ok := config.SQLitePath(dsn)
	if !ok || path == sqlstore.MemoryPath {
		return nil
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("database file %s does not exist (run 'tokenmint migrate' to create it)", path)
	}
	return nil
}

func (c *cli) quietLogger(cfg config.Config) *slog.Logger {
	if cfg.SlogLevel() < slog.LevelWarn {
		cfg.LogLevel = "warn"
	}
	return cfg.NewLogger(c.stderr)
}

// keys resolves the master key (with the previous one during a rotation)
// and the hash keys db keeps, warning when a new key file was written.
func (c *cli) keys(ctx context.Context, cfg config.Config, db tokenmint.MasterKeyStore) (token.Keys, error) {
	keys, created, err := cfg.Keys(ctx, db)
	if err != nil {
		return token.Keys{}, err
	}
	if created {
		fmt.Fprintf(c.stderr, "tokenmint: warning: created master key file %s; back it up with the database, "+
			"without it no client secret or signing key can be used\n", cfg.MasterKeyFile)
	}
	return keys, nil
}

// clientRegistry returns a registry able to hash client credentials.
func (c *cli) clientRegistry(ctx context.Context, db *sqlstore.DB, cfg config.Config) (*registry.Registry, error) {
	keys, err := c.keys(ctx, cfg, db)
	if err != nil {
		return nil, err
	}
	// A pairwise client's sector_identifier_uri is fetched and checked
	// here as the server checks it (OIDC Registration §5), with the same
	// address policy.
	sectors := jwksfetch.SectorChecker(jwksfetch.Options{AllowPrivate: cfg.AllowPrivateFetch, Now: c.now})
	return &registry.Registry{Store: db, Secrets: keys.Secrets(), Sealer: keys.Sealer(), Now: c.now, Profiles: dialects.Profile,
		CheckClient: sectors}, nil
}

// userRegistry returns a registry able to hash passwords.
func (c *cli) userRegistry(db tokenmint.Store, cfg config.Config) *registry.Registry {
	return &registry.Registry{Store: db, Passwords: password.NewHasher(cfg.PasswordParams()), Now: c.now}
}

// notFound rewrites a store's ErrNotFound as "client "x" not found".
func notFound(err error, kind, key string) error {
	if errors.Is(err, tokenmint.ErrNotFound) {
		return fmt.Errorf("%s %q not found", kind, key)
	}
	return err
}

// closeStore closes db, reporting a failure only when the command
// otherwise succeeded.
func closeStore(db *sqlstore.DB, err *error) {
	if cerr := db.Close(); cerr != nil && *err == nil {
		*err = fmt.Errorf("close database: %w", cerr)
	}
}
