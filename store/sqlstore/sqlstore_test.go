package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/store/storetest"
)

func TestMigrateIdempotent(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			db := b.open(t)
			ctx := context.Background()
			if err := db.CreateClient(ctx, testClient("c1")); err != nil {
				t.Fatal(err)
			}
			for i := range 2 {
				if err := db.Migrate(ctx); err != nil {
					t.Fatalf("migrate again (%d): %v", i, err)
				}
			}
			var n int
			if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			ms, err := loadMigrations()
			if err != nil {
				t.Fatal(err)
			}
			if n != len(ms) {
				t.Errorf("schema_migrations has %d rows, want %d", n, len(ms))
			}
			if _, err := db.GetClient(ctx, "c1"); err != nil {
				t.Errorf("client lost by re-migrating: %v", err)
			}
		})
	}
}

// TestConcurrentMigrate starts several instances on an empty database at
// once, as replicas of a deployment do; every one must succeed.
func TestConcurrentMigrate(t *testing.T) {
	for _, b := range []struct {
		name string
		open func(t *testing.T) func(context.Context) (*DB, error)
	}{
		{"SQLite", func(t *testing.T) func(context.Context) (*DB, error) {
			path := sqlitePath(t)
			return func(ctx context.Context) (*DB, error) { return OpenSQLite(ctx, path, noMigrate()) }
		}},
		{"PostgreSQL", func(t *testing.T) func(context.Context) (*DB, error) {
			dsn := storetest.PostgresDSN(t)
			return func(ctx context.Context) (*DB, error) { return OpenPostgres(ctx, dsn, noMigrate()) }
		}},
	} {
		t.Run(b.name, func(t *testing.T) {
			open := b.open(t)
			ctx := context.Background()
			const instances = 4
			dbs := make([]*DB, instances)
			for i := range dbs {
				db, err := open(ctx)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				dbs[i] = db
			}
			var wg sync.WaitGroup
			errs := make([]error, instances)
			for i, db := range dbs {
				wg.Go(func() { errs[i] = db.Migrate(ctx) })
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("instance %d: migrate: %v", i, err)
				}
			}
			if rev, err := dbs[0].Revision(ctx); err != nil || rev != 0 {
				t.Errorf("revision after migrating = %d, %v; want 0 (one revision row, inserted once)", rev, err)
			}
		})
	}
}

func noMigrate() Options {
	o := quietOptions()
	o.NoMigrate = true
	return o
}

// TestRevisionAcrossInstances: a client written through one handle (the
// CLI) bumps the revision another handle (the server) polls.
func TestRevisionAcrossInstances(t *testing.T) {
	ctx := context.Background()
	path := sqlitePath(t)
	server, cli := openSQLite(t, path), openSQLite(t, path)
	before, err := server.Revision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := cli.CreateClient(ctx, testClient("from-cli")); err != nil {
		t.Fatal(err)
	}
	after, err := server.Revision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after <= before {
		t.Fatalf("revision seen by the other instance: %d, want > %d", after, before)
	}
	if _, err := server.GetClient(ctx, "from-cli"); err != nil {
		t.Fatalf("other instance cannot see the client: %v", err)
	}
}

// TestSQLiteConcurrentWriters hammers one SQLite file from two handles
// (the server and the CLI) with concurrent writes, transactions among
// them. None may fail: "database is locked" must never reach a caller.
func TestSQLiteConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	path := sqlitePath(t)
	a, b := openSQLite(t, path), openSQLite(t, path)
	if err := a.CreateClient(ctx, testClient("c")); err != nil {
		t.Fatal(err)
	}
	const workers, perWorker = 16, 200
	errs := make(chan error, workers*perWorker)
	var wg sync.WaitGroup
	for w := range workers {
		db := []*DB{a, b}[w%2]
		wg.Go(func() {
			for i := range perWorker {
				if err := writeMix(ctx, db, w, i); err != nil {
					errs <- fmt.Errorf("worker %d op %d: %w", w, i, err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	rev, err := b.Revision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(1 + workers*perWorker/4); rev != want {
		t.Errorf("revision = %d, want %d (one per client write)", rev, want)
	}
}

// writeMix performs one write of a rotating kind: a plain insert, a touch,
// a read-modify-write transaction, a family with a rotation.
func writeMix(ctx context.Context, db *DB, w, i int) error {
	id := fmt.Sprintf("w%d-%d", w, i)
	now := time.Now()
	switch i % 4 {
	case 0:
		return db.CreateAccessToken(ctx, testAccessToken(id, now))
	case 1:
		if err := db.CreateAccessToken(ctx, testAccessToken(id, now)); err != nil {
			return err
		}
		return db.TouchAccessToken(ctx, id, now.Add(time.Second))
	case 2:
		_, err := db.UpdateClient(ctx, "c", func(c *tokenmint.Client) error {
			c.Name = id
			return nil
		})
		return err
	default:
		f := tokenmint.Family{ID: id, ClientID: "c", Subject: "u", ExpiresAt: now.Add(time.Hour)}
		if err := db.CreateFamily(ctx, f); err != nil {
			return err
		}
		r := tokenmint.RefreshToken{ID: id + "-r1", FamilyID: id, ClientID: "c", ExpiresAt: f.ExpiresAt}
		if err := db.CreateRefreshToken(ctx, r); err != nil {
			return err
		}
		next := r
		next.ID = id + "-r2"
		_, err := db.RotateRefreshToken(ctx, r.ID, now, next, nil)
		return err
	}
}

// TestRotateRace: concurrent rotations of one refresh token through
// separate handles (separate instances) — exactly one wins.
func TestRotateRace(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			db := b.open(t)
			now := time.Now()
			f := tokenmint.Family{ID: "f", ClientID: "c", Subject: "u", ExpiresAt: now.Add(time.Hour)}
			if err := db.CreateFamily(ctx, f); err != nil {
				t.Fatal(err)
			}
			const racers = 8
			for round := range 5 {
				old := fmt.Sprintf("r%d", round)
				r := tokenmint.RefreshToken{ID: old, FamilyID: "f", ClientID: "c", ExpiresAt: f.ExpiresAt}
				if err := db.CreateRefreshToken(ctx, r); err != nil {
					t.Fatal(err)
				}
				var wins, used int
				var mu sync.Mutex
				var wg sync.WaitGroup
				for i := range racers {
					wg.Go(func() {
						next := r
						next.ID = fmt.Sprintf("%s-next%d", old, i)
						_, err := db.RotateRefreshToken(ctx, old, now, next, nil)
						mu.Lock()
						defer mu.Unlock()
						switch {
						case err == nil:
							wins++
						case errors.Is(err, tokenmint.ErrAlreadyUsed):
							used++
						default:
							t.Errorf("rotate: %v", err)
						}
					})
				}
				wg.Wait()
				if wins != 1 || used != racers-1 {
					t.Fatalf("round %d: %d wins and %d ErrAlreadyUsed, want 1 and %d", round, wins, used, racers-1)
				}
			}
		})
	}
}

func testClient(id string) tokenmint.Client {
	return tokenmint.Client{
		ID: id, Name: id, SecretHash: []byte("hash"),
		GrantTypes:  []string{tokenmint.GrantClientCredentials},
		Scopes:      []string{"read"},
		TokenFormat: tokenmint.FormatOpaque,
	}
}

func testAccessToken(id string, now time.Time) tokenmint.AccessToken {
	return tokenmint.AccessToken{
		ID: id, Format: tokenmint.FormatOpaque, ClientID: "c", Subject: "c",
		Scopes: []string{"read"}, IssuedAt: now, ExpiresAt: now.Add(time.Hour),
		IdleTTL: 10 * time.Minute, LastUsedAt: now,
	}
}

// TestMigrateNewerSchema: a database migrated by a newer binary (a rolling
// upgrade) is accepted with a warning, and nothing is re-applied.
func TestMigrateNewerSchema(t *testing.T) {
	ctx := context.Background()
	path := sqlitePath(t)
	db := openSQLite(t, path)
	if _, err := db.w.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future.sql', 0)`); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	opts := quietOptions()
	opts.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	older, err := OpenSQLite(ctx, path, opts)
	if err != nil {
		t.Fatalf("open a newer database: %v", err)
	}
	defer older.Close()
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "schema=9999") {
		t.Errorf("no warning about the newer schema in %q", logs.String())
	}
	if strings.Contains(logs.String(), "applied schema migration") {
		t.Errorf("re-applied a migration: %q", logs.String())
	}
}

// TestMigrateFillsGap: a database that has a later migration but lacks an
// earlier one (branches landed in another order than numbered) gets the
// missing one applied on the next start, and nothing applied twice.
func TestMigrateFillsGap(t *testing.T) {
	ctx := context.Background()
	opts := quietOptions()
	opts.NoMigrate = true
	db, err := OpenSQLite(ctx, sqlitePath(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	gap := ms[len(ms)-2] // a table or column the last one does not need
	without := slices.DeleteFunc(slices.Clone(ms), func(m migration) bool { return m.version == gap.version })
	migrate := func(ms []migration) []string {
		t.Helper()
		var applied []string
		if err := db.inTx(ctx, func(tx *sql.Tx) error {
			var err error
			applied, _, err = db.migrateTx(ctx, tx, ms)
			return err
		}); err != nil {
			t.Fatalf("migrate: %v", err)
		}
		return applied
	}
	if got := migrate(without); len(got) != len(ms)-1 {
		t.Fatalf("first start applied %d migrations, want %d", len(got), len(ms)-1)
	}
	if got := migrate(ms); !slices.Equal(got, []string{gap.name}) {
		t.Fatalf("second start applied %v, want only the gap %s", got, gap.name)
	}
	if got := migrate(ms); len(got) != 0 {
		t.Fatalf("third start applied %v, want nothing", got)
	}
}
