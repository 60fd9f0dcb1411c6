package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5"
)

// pgDatabase is a PostgreSQL database created for one benchmark pass.
type pgDatabase struct {
	admin string // DSN the database was created through
	name  string
	dsn   string // DSN of the new database
}

// createPGDatabase creates a fresh, uniquely named database on the server
// adminDSN points at, so that no earlier run's rows are measured.
func createPGDatabase(ctx context.Context, adminDSN string) (*pgDatabase, error) {
	suffix := make([]byte, 4)
	if _, err := rand.Read(suffix); err != nil {
		return nil, fmt.Errorf("database name: %w", err)
	}
	name := "tokenmint_bench_" + hex.EncodeToString(suffix)
	dsn, err := withDatabase(adminDSN, name)
	if err != nil {
		return nil, err
	}
	conn, err := pgx.Connect(ctx, adminDSN)
	if err != nil {
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return nil, fmt.Errorf("create database %s: %w", name, err)
	}
	return &pgDatabase{admin: adminDSN, name: name, dsn: dsn}, nil
}

// drop removes the database, disconnecting whoever is left on it.
func (d *pgDatabase) drop(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, d.admin)
	if err != nil {
		return fmt.Errorf("connect to postgres: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{d.name}.Sanitize()+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop database %s: %w", d.name, err)
	}
	return nil
}

// size returns the database's size in bytes.
func (d *pgDatabase) size(ctx context.Context) (int64, error) {
	conn, err := pgx.Connect(ctx, d.dsn)
	if err != nil {
		return 0, fmt.Errorf("connect to postgres: %w", err)
	}
	defer conn.Close(ctx)
	var n int64
	if err := conn.QueryRow(ctx, "SELECT pg_database_size(current_database())").Scan(&n); err != nil {
		return 0, fmt.Errorf("database size: %w", err)
	}
	return n, nil
}

// withDatabase returns the URL-form DSN with its database replaced.
func withDatabase(dsn, name string) (string, error) {
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		return "", fmt.Errorf("--postgres must be a postgres:// URL")
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("parse postgres dsn: %w", err)
	}
	u.Path = "/" + name
	return u.String(), nil
}
