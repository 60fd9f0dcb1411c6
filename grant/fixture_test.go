package grant_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/password"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/store"
	"github.com/tokenmint/tokenmint/store/cache"
	"github.com/tokenmint/tokenmint/store/sqlstore"
	"github.com/tokenmint/tokenmint/token"
)

// fixture is an Engine over a real SQLite store with a settable clock.
type fixture struct {
	e     *grant.Engine
	keys  *fakeKeySource // the jwks_uri sets of private_key_jwt clients
	reg   *registry.Registry
	st    tokenmint.Store
	audit *auditLog // the engine's audit events
	mu    sync.Mutex
	now   time.Time
}

// auditLog is a grant.Auditor that keeps the events.
type auditLog struct {
	mu     sync.Mutex
	events []tokenmint.AuditEvent
}

func (l *auditLog) Record(_ context.Context, ev tokenmint.AuditEvent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, ev)
}

// take returns the events recorded since the last call.
func (l *auditLog) take() []tokenmint.AuditEvent {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.events
	l.events = nil
	return out
}

func (f *fixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fixture) advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

var cheap = password.Params{Memory: 8 * 1024, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}

func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	return newFixtureParams(tb, cheap)
}

// newFixtureParams is newFixture hashing user passwords with params.
func newFixtureParams(tb testing.TB, params password.Params) *fixture {
	tb.Helper()
	return newFixtureWith(tb, params, true)
}

// newFixtureWith is newFixtureParams whose engine reads clients from the
// store itself when cached is false, so that it sees every change at once.
func newFixtureWith(tb testing.TB, params password.Params, cached bool) *fixture {
	tb.Helper()
	return newFixtureWrapped(tb, params, cached, nil)
}

// newFixtureWrapped is newFixtureWith whose engine sees the store through
// wrap (nil: as it is), for benchmarks that take a part of it away.
func newFixtureWrapped(tb testing.TB, params password.Params, cached bool, wrap func(tokenmint.Store) tokenmint.Store, configure ...func(*grant.Config)) *fixture {
	tb.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(tb.TempDir(), "t.db"), sqlstore.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	f := &fixture{st: st, now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), audit: &auditLog{}}
	mk := token.GenerateMasterKey()
	keys := token.NewKeyset(st, mk.Derive(token.PurposeKeyEncryption), token.KeysetOptions{Now: f.clock})
	if err := keys.Load(ctx, tokenmint.KnownAlgs...); err != nil {
		tb.Fatal(err)
	}
	secrets := token.NewHasher(mk.Derive(token.PurposeSecretHash))
	sealer := token.MustSealer(mk.Derive(token.PurposeSecretEncryption))
	f.keys = &fakeKeySource{sets: map[string]*jose.JSONWebKeySet{}}
	pw := password.NewHasher(params)
	var clients grant.ClientSource
	if cached {
		clients = cache.Wrap(st, cache.Options{}).Clients()
	}
	engineStore := tokenmint.Store(st)
	if wrap != nil {
		engineStore = wrap(st)
	}
	cfg := grant.Config{Issuer: "https://issuer.test", Store: engineStore, Clients: clients, Keys: keys, Secrets: secrets,
		Tokens: token.NewHasher(mk.Derive(token.PurposeTokenHash)), Passwords: pw, Audit: f.audit, Now: f.clock,
		Sealer: sealer, ClientKeys: f.keys}
	for _, c := range configure {
		c(&cfg)
	}
	f.e, err = grant.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	f.reg = &registry.Registry{Store: st, Secrets: secrets, Sealer: sealer, Passwords: pw, Now: f.clock}
	return f
}

func (f *fixture) client(tb testing.TB, spec registry.ClientSpec) (tokenmint.Client, grant.Credentials) {
	tb.Helper()
	if spec.Name == "" {
		spec.Name = "c"
	}
	c, cred, err := f.reg.CreateClient(context.Background(), spec)
	if err != nil {
		tb.Fatal(err)
	}
	method := grant.AuthBasic
	if c.Public {
		method = grant.AuthNone
	}
	return c, grant.Credentials{ID: c.ID, Secret: cred.ClientSecret.Reveal(), Method: method}
}

func (f *fixture) user(tb testing.TB, name, pw string) tokenmint.User {
	tb.Helper()
	u, err := f.reg.CreateUser(context.Background(), registry.UserSpec{Username: name}, pw)
	if err != nil {
		tb.Fatal(err)
	}
	return u
}
