package server_test

import (
	"context"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
	"github.com/tokenmint/tokenmint/store/sqlstore"
	"github.com/tokenmint/tokenmint/token"
)

// immutable makes path unwritable for every user, root included (the
// tests run as root, whom file modes do not stop), with chattr +i until
// the test ends, or skips t where the file system or the user cannot.
func immutable(t *testing.T, path string) {
	t.Helper()
	if out, err := exec.Command("chattr", "+i", path).CombinedOutput(); err != nil {
		t.Skipf("cannot make %s immutable (chattr +i needs ext4 or a like file system, and CAP_LINUX_IMMUTABLE): %v: %s", path, err, out)
	}
	t.Cleanup(func() { mutable(t, path) })
}

func mutable(t *testing.T, path string) {
	t.Helper()
	if out, err := exec.Command("chattr", "-i", path).CombinedOutput(); err != nil {
		t.Errorf("chattr -i %s: %v: %s", path, err, out)
	}
}

// preparedDatabase returns a SQLite file with its schema and signing
// keys, closed, as a server that ran before leaves it.
func preparedDatabase(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tokenmint.db")
	ctx := context.Background()
	db, err := sqlstore.OpenSQLite(ctx, path, sqlstore.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	keys := token.NewKeyset(db, servertest.TestMasterKey.Derive(token.PurposeKeyEncryption), token.KeysetOptions{})
	if err := keys.Load(ctx, tokenmint.KnownAlgs...); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestUnwritableDatabaseRefusedAtStart: a SQLite file that cannot be
// written, in a directory that takes no new file or that does not exist,
// stops the server at start with an error naming the path and the cause,
// instead of a server that says it is ready and then fails every write.
func TestUnwritableDatabaseRefusedAtStart(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T) string // returns the database path
		want  func(path string) []string
	}{
		{"read-only file", func(t *testing.T) string {
			path := preparedDatabase(t)
			immutable(t, path)
			return path
		}, func(path string) []string {
			return []string{"database " + path + " is read-only", "open " + path + ": operation not permitted"}
		}},
		{"directory takes no new file", func(t *testing.T) string {
			path := preparedDatabase(t)
			immutable(t, filepath.Dir(path))
			return path
		}, func(path string) []string {
			return []string{"database " + path + " cannot be opened", "directory " + filepath.Dir(path) + " is not writable: operation not permitted"}
		}},
		{"missing directory", func(t *testing.T) string {
			return filepath.Join(t.TempDir(), "missing", "dir", "tokenmint.db")
		}, func(path string) []string {
			return []string{"database " + path + " cannot be opened", "directory " + filepath.Dir(path) + " does not exist"}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.setup(t)
			cfg := config.Default()
			cfg.Database = "sqlite:" + path
			in, err := servertest.Launch(t, servertest.NewClock(), cfg)
			if err == nil {
				status, _ := httpGet(in.URL + "/readyz")
				t.Fatalf("the server started (/readyz %d)", status)
			}
			t.Log(err)
			for _, want := range tt.want(path) {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("start error %q\ndoes not say %q", err, want)
				}
			}
		})
	}
}

// TestReadyzWhenDatabaseTurnsUnwritable: /readyz probes a write, so an
// instance whose database stops taking writes (here its WAL, where every
// write goes, made immutable; in production a file system remounted
// read-only) is taken out of the load balancer, its writes answer 503,
// and it is ready again as soon as the database is writable.
func TestReadyzWhenDatabaseTurnsUnwritable(t *testing.T) {
	in := servertest.Start(t)
	cl := in.CreateClient(t, registry.ClientSpec{TokenFormat: tokenmint.FormatOpaque})
	if status, err := httpGet(in.URL + "/readyz"); err != nil || status != 200 {
		t.Fatalf("/readyz: %d %v, want 200", status, err)
	}
	path, _ := config.SQLitePath(in.Config.Database)
	if _, err := os.Stat(path + "-wal"); err != nil {
		t.Fatalf("no WAL beside the database: %v", err)
	}
	immutable(t, path+"-wal")
	in.Clock.Advance(time.Minute) // past the last probe's vouching
	if status, err := httpGet(in.URL + "/readyz"); err != nil || status != 503 {
		t.Fatalf("/readyz with an unwritable database: %d %v, want 503", status, err)
	}
	status, h, body := post(t, in.URL+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, cl.ID, cl.Secret)
	wantError(t, status, h, body, 503, "temporarily_unavailable")

	mutable(t, path+"-wal")
	if status, err := httpGet(in.URL + "/readyz"); err != nil || status != 200 {
		t.Fatalf("/readyz once the database is writable again: %d %v, want 200", status, err)
	}
	issue(t, in, cl, "")
}
