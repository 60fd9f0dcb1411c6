package sqlstore

import (
	"os"
	"testing"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/store/storetest"
)

// TestConformanceSQLite runs the Store contract against a fresh SQLite
// file per subtest: the file (not :memory:) exercises the separate read
// and write pools the server uses.
func TestConformanceSQLite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) tokenmint.Store { return openSQLite(t, sqlitePath(t)) })
}

// TestConformancePostgres runs the Store contract against a fresh schema
// per subtest, or skips unless TOKENMINT_TEST_POSTGRES is set.
func TestConformancePostgres(t *testing.T) {
	if os.Getenv(postgresEnv) == "" {
		t.Skip(postgresEnv + " not set: set it to a PostgreSQL DSN (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run the PostgreSQL conformance suite")
	}
	storetest.Run(t, func(t *testing.T) tokenmint.Store { return openPostgres(t) })
}
