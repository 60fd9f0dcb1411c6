package main

import (
	"context"
	"fmt"

	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/server"
	"github.com/tokenmint/tokenmint/store"
	"github.com/tokenmint/tokenmint/store/sqlstore"
)

// runServe takes every setting as a flag and runs the server until ctx
// ends (SIGINT or SIGTERM).
func runServe(c *cli, ctx context.Context, cmd command, args []string) error {
	f := c.newFlags(cmd)
	dev := defineDevFlags(f)
	cf := config.Register(f.FlagSet)
	cfg, err := parseAndLoad(c, f, cf, args)
	if err != nil {
		return err
	}
	if err := dev.check(f); err != nil {
		return err
	}
	if dev.on {
		return c.serveDev(ctx, cfg, dev)
	}
	log := cfg.NewLogger(c.stderr)
	err = server.RunWith(ctx, cfg, log, server.Options{Stderr: c.stderr, ProcessLogger: c.processLogger})
	if err != nil && cfg.LogFormat == "json" {
		// Every line of a JSON log is JSON, the one saying why the server
		// could not start or stopped included (a log shipper drops or
		// mangles a plain line).
		log.Error("server failed", "err", err)
		return loggedError{err}
	}
	return err
}

// loggedError is an error already written to the log, which the CLI's
// exit does not print again.
type loggedError struct{ error }

func (e loggedError) Unwrap() error { return e.error }

// runMigrate creates or upgrades the schema, logging each migration
// applied at the configured level.
func runMigrate(c *cli, ctx context.Context, cmd command, args []string) (err error) {
	f := c.newFlags(cmd)
	cf := config.Register(f.FlagSet, "database")
	cfg, err := parseAndLoad(c, f, cf, args)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, cfg.Database, sqlstore.Options{Logger: cfg.NewLogger(c.stderr), Now: c.now, NoMigrate: true})
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	defer closeStore(db, &err)
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	_, err = fmt.Fprintf(c.stdout, "database schema is up to date (%s)\n", db.Flavor())
	return err
}
