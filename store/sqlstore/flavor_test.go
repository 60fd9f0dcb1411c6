package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tokenmint/tokenmint"
)

func TestRebindDollar(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"none", "SELECT 1", "SELECT 1"},
		{"one", "SELECT a FROM t WHERE id = ?", "SELECT a FROM t WHERE id = $1"},
		{"many", "INSERT INTO t (a, b, c) VALUES (?, ?, ?)", "INSERT INTO t (a, b, c) VALUES ($1, $2, $3)"},
		{"ten and more", "?,?,?,?,?,?,?,?,?,?,?", "$1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := rebindDollar(tc.in); got != tc.want {
				t.Errorf("rebindDollar(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestClassifyPostgres(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"unique violation", &pgconn.PgError{Code: "23505"}, tokenmint.ErrConflict},
		{"wrapped unique violation", fmt.Errorf("exec: %w", &pgconn.PgError{Code: "23505"}), tokenmint.ErrConflict},
		{"connection failure", &pgconn.PgError{Code: "08006"}, tokenmint.ErrUnavailable},
		{"admin shutdown", &pgconn.PgError{Code: "57P01"}, tokenmint.ErrUnavailable},
		{"starting up", &pgconn.PgError{Code: "57P03"}, tokenmint.ErrUnavailable},
		{"too many connections", &pgconn.PgError{Code: "53300"}, tokenmint.ErrUnavailable},
		{"read-only standby", &pgconn.PgError{Code: "25006"}, tokenmint.ErrUnavailable},
		{"syntax error", &pgconn.PgError{Code: "42601"}, nil},
		{"foreign key", &pgconn.PgError{Code: "23503"}, nil},
		{"connect error", &pgconn.ConnectError{}, tokenmint.ErrUnavailable},
		{"conn closed", fmt.Errorf("query: %w", pgconn.ErrConnClosed), tokenmint.ErrUnavailable},
		{"bad conn", driver.ErrBadConn, tokenmint.ErrUnavailable},
		{"conn done", sql.ErrConnDone, tokenmint.ErrUnavailable},
		{"refused", &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, tokenmint.ErrUnavailable},
		{"reset", fmt.Errorf("read: %w", syscall.ECONNRESET), tokenmint.ErrUnavailable},
		{"caller cancelled", fmt.Errorf("query: %w", context.Canceled), nil},
		{"caller deadline", context.DeadlineExceeded, nil},
		{"anything else", errors.New("boom"), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := classifyPostgres(tc.err); got != tc.want {
				t.Errorf("classifyPostgres(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}

func TestWrap(t *testing.T) {
	db := &DB{flavor: postgresFlavor}
	tests := []struct {
		name     string
		err      error
		want     []error
		wantText string
	}{
		{"nil", nil, nil, ""},
		{"no rows", sql.ErrNoRows, []error{tokenmint.ErrNotFound}, "get thing: not found"},
		{"conflict keeps cause", &pgconn.PgError{Severity: "ERROR", Code: "23505", Message: "dup"},
			[]error{tokenmint.ErrConflict}, "get thing: already exists: ERROR: dup (SQLSTATE 23505)"},
		{"sentinel passes", fmt.Errorf("inner: %w", tokenmint.ErrAlreadyUsed),
			[]error{tokenmint.ErrAlreadyUsed}, "get thing: inner: already used"},
		{"unavailable", driver.ErrBadConn, []error{tokenmint.ErrUnavailable, driver.ErrBadConn},
			"get thing: storage unavailable: driver: bad connection"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := db.wrap("get thing", tc.err)
			if tc.err == nil {
				if got != nil {
					t.Fatalf("wrap(nil) = %v", got)
				}
				return
			}
			for _, w := range tc.want {
				if !errors.Is(got, w) {
					t.Errorf("wrap(%v) = %v, not matching %v", tc.err, got, w)
				}
			}
			if got.Error() != tc.wantText {
				t.Errorf("text = %q, want %q", got.Error(), tc.wantText)
			}
		})
	}
}

// TestPostgresUnreachable: a refused connection is ErrUnavailable, which
// the HTTP edge turns into 503.
func TestPostgresUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there any more
	_, err = OpenPostgres(ctx, "postgres://u:secret@"+addr+"/db?connect_timeout=2", quietOptions())
	if !errors.Is(err, tokenmint.ErrUnavailable) {
		t.Fatalf("open unreachable postgres: %v, want ErrUnavailable", err)
	}
	if msg := err.Error(); strings.Contains(msg, "secret") {
		t.Errorf("error leaks the password: %s", msg)
	}
}

// TestSQLiteBusyIsUnavailable: when another process holds the write lock
// past BusyTimeout, the write fails with ErrUnavailable rather than a raw
// "database is locked", and it did wait first.
func TestSQLiteBusyIsUnavailable(t *testing.T) {
	ctx := context.Background()
	path := sqlitePath(t)
	openSQLite(t, path) // create and migrate
	opts := quietOptions()
	opts.BusyTimeout = 200 * time.Millisecond
	db, err := OpenSQLite(ctx, path, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	other, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(ctx, "ROLLBACK")

	start := time.Now()
	err = db.CreateAccessToken(ctx, testAccessToken("t", start))
	if !errors.Is(err, tokenmint.ErrUnavailable) {
		t.Fatalf("write under a foreign lock: %v, want ErrUnavailable", err)
	}
	if waited := time.Since(start); waited < opts.BusyTimeout/2 {
		t.Errorf("gave up after %v, before the busy timeout of %v", waited, opts.BusyTimeout)
	}
	// Reads go on: WAL readers do not wait for the writer.
	if _, err := db.Revision(ctx); err != nil {
		t.Errorf("read during a foreign write lock: %v", err)
	}
}

// TestCancelledContext: a caller's cancellation is reported as such, not
// as an unavailable database.
func TestCancelledContext(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			db := b.open(t)
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			_, err := db.GetClient(ctx, "x")
			if !errors.Is(err, context.Canceled) || errors.Is(err, tokenmint.ErrUnavailable) {
				t.Fatalf("get client with cancelled ctx: %v, want context.Canceled only", err)
			}
		})
	}
}
