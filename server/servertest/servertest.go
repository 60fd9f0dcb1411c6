// Package servertest starts real tokenmint servers for tests: the real
// HTTP server on a loopback port, over a real SQLite file (or PostgreSQL),
// with an adjustable clock and a registry for creating clients and users
// on the same database. Every end-to-end test (standard endpoints, login,
// dialects, several instances) builds on it, so none re-implements the
// set-up.
package servertest

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"go.opentelemetry.io/otel/trace"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/dialect/dialects"
	"github.com/tokenmint/tokenmint/internal/fakeclock"
	"github.com/tokenmint/tokenmint/password"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server"
	"github.com/tokenmint/tokenmint/token"
)

// Clock is a settable clock shared by a test and its servers.
type Clock = fakeclock.Clock

// NewClock starts a clock at a fixed instant.
func NewClock() *Clock { return fakeclock.New(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)) }

// Instance is one running server.
type Instance struct {
	URL      string // where this instance listens (the issuer may differ)
	AdminURL string // its admin listener
	Config   config.Config
	Server   *server.Server
	Registry *registry.Registry
	Clock    *Clock
}

// TestMasterKey is the master key every test server uses (unless its
// configuration names another), so instances started on one database
// share secrets and signing keys.
var TestMasterKey = token.GenerateMasterKey()

// TestPasswordParams are cheap argon2id parameters for tests only.
var TestPasswordParams = password.Params{Memory: 8 * 1024, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}

// Option adjusts an instance's configuration before it starts.
type Option func(*config.Config)

// Start runs a server on a fresh SQLite file in t.TempDir() and stops it
// when the test ends. Options may change the configuration (for example
// the database, to share one between instances).
func Start(t testing.TB, opts ...Option) *Instance {
	t.Helper()
	cfg := config.Default()
	cfg.Issuer = ""
	cfg.Database = "sqlite:" + filepath.Join(t.TempDir(), "tokenmint.db")
	for _, o := range opts {
		o(&cfg)
	}
	return StartWithClock(t, NewClock(), cfg)
}

// StartWithClock runs a server with cfg on the given clock, listening on a
// fresh loopback port. An empty cfg.Issuer becomes the server's own URL;
// instances behind one (imaginary) load balancer share a set issuer.
func StartWithClock(t testing.TB, clock *Clock, cfg config.Config) *Instance {
	t.Helper()
	in, err := Launch(t, clock, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// Launch is StartWithClock returning the error of a server that does not
// start instead of failing t, so that it may run on several goroutines
// at once (instances starting together on one database).
func Launch(t testing.TB, clock *Clock, cfg config.Config) (*Instance, error) {
	return launch(t, clock, cfg, server.Options{})
}

// StartTraced is Start with the server traced by tp (the SDK with an
// in-memory exporter, say).
func StartTraced(t testing.TB, tp trace.TracerProvider, opts ...Option) *Instance {
	t.Helper()
	cfg := config.Default()
	cfg.Issuer = ""
	cfg.Database = "sqlite:" + filepath.Join(t.TempDir(), "tokenmint.db")
	for _, o := range opts {
		o(&cfg)
	}
	in, err := launch(t, NewClock(), cfg, server.Options{TracerProvider: tp})
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// launch is Launch with the server's options (its clock and test writer
// are set here).
func launch(t testing.TB, clock *Clock, cfg config.Config, so server.Options) (*Instance, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	cfg.Addr = ln.Addr().String()
	admin, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("listen: %w", err)
	}
	cfg.AdminAddr = admin.Addr().String()
	scheme := "http://"
	if cfg.ServesTLS() {
		scheme = "https://"
	}
	if cfg.Issuer == "" {
		cfg.Issuer = scheme + cfg.Addr
	}
	if cfg.MasterKey == "" { // a test of master key rotation sets its own
		cfg.MasterKey = token.Secret(TestMasterKey.Encode())
	}
	cfg.Argon2Memory, cfg.Argon2Iterations, cfg.Argon2Parallelism = TestPasswordParams.Memory, TestPasswordParams.Iterations, TestPasswordParams.Parallelism
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if os.Getenv("TOKENMINT_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	ctx, cancel := context.WithCancel(context.Background())
	so.Now, so.Stderr = clock.Now, testWriter{t}
	s, err := server.New(ctx, cfg, log, so)
	if err != nil {
		cancel()
		ln.Close()
		admin.Close()
		return nil, fmt.Errorf("server.New: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- s.ServeWithAdmin(ctx, ln, admin) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
		s.Close()
	})
	in := &Instance{
		URL:      scheme + cfg.Addr,
		AdminURL: "http://" + cfg.AdminAddr,
		Config:   cfg,
		Server:   s,
		Clock:    clock,
		Registry: &registry.Registry{
			Store:     s.Store(),
			Secrets:   token.NewHasher(TestMasterKey.Derive(token.PurposeSecretHash)),
			Sealer:    token.MustSealer(TestMasterKey.Derive(token.PurposeSecretEncryption)),
			Passwords: password.NewHasher(TestPasswordParams),
			Now:       clock.Now,
			Profiles:  dialects.Profile,
		},
	}
	return in, nil
}

// Client is a registered client and its credentials.
type Client struct {
	ID, Secret, APIKey string
	Record             tokenmint.Client
}

// CreateClient registers a client and waits until the server sees it.
func (i *Instance) CreateClient(t testing.TB, spec registry.ClientSpec) Client {
	t.Helper()
	if spec.Name == "" {
		spec.Name = "test client"
	}
	c, cred, err := i.Registry.CreateClient(context.Background(), spec)
	if err != nil {
		t.Fatalf("create client: %v", err)
	}
	return Client{ID: c.ID, Secret: cred.ClientSecret.Reveal(), APIKey: cred.APIKey.Reveal(), Record: c}
}

// CreateUser registers a user with a password.
func (i *Instance) CreateUser(t testing.TB, username, pw string) tokenmint.User {
	t.Helper()
	u, err := i.Registry.CreateUser(context.Background(), registry.UserSpec{Username: username, Email: username + "@example.com", Name: "Test " + username}, pw)
	if err != nil {
		t.Fatalf("create user: %v", err)
	}
	return u
}

// testWriter sends server logs to the test log, so they show only for a
// failing test.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(p))
	return len(p), nil
}

// AssertionType is the client_assertion_type of a JWT (RFC 7523 §2.2).
const AssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// ClientAssertion signs a client assertion (RFC 7523 §3) as a
// private_key_jwt or client_secret_jwt client does: iss and sub
// clientID, aud the instance's issuer, a fresh jti, iat now and exp a
// minute later by the instance's clock; edit, when not nil, changes the
// claims first. key is a private key (or an HMAC key, []byte) for alg;
// kid, when not "", goes in the header.
func (i *Instance) ClientAssertion(tb testing.TB, clientID string, key any, alg, kid string, edit func(claims map[string]any)) string {
	tb.Helper()
	now := i.Clock.Now()
	claims := map[string]any{"iss": clientID, "sub": clientID, "aud": i.Config.Issuer, "jti": token.NewID(),
		"iat": now.Unix(), "exp": now.Add(time.Minute).Unix()}
	if edit != nil {
		edit(claims)
	}
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if kid != "" {
		opts = opts.WithHeader("kid", kid)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(alg), Key: key}, opts)
	if err != nil {
		tb.Fatalf("client assertion signer: %v", err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		tb.Fatal(err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		tb.Fatalf("sign client assertion: %v", err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		tb.Fatal(err)
	}
	return out
}
