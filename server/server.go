package server

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/audit"
	"github.com/tokenmint/tokenmint/brand"
	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/dpop"
	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/httpapi"
	"github.com/tokenmint/tokenmint/jwksfetch"
	"github.com/tokenmint/tokenmint/password"
	"github.com/tokenmint/tokenmint/store"
	"github.com/tokenmint/tokenmint/store/cache"
	"github.com/tokenmint/tokenmint/store/sqlstore"
	"github.com/tokenmint/tokenmint/token"
	"github.com/tokenmint/tokenmint/tracing"
)

// Server is a configured tokenmint, ready to serve.
type Server struct {
	cfg     config.Config
	log     *slog.Logger
	store   *cache.Store // the database, behind the in-memory layer
	keys    *token.Keyset
	engine  *grant.Engine
	metrics *httpapi.Metrics
	limiter *limiters
	ready   *readiness
	handler http.Handler
	// adminHandler serves the admin listener (--admin-addr).
	adminHandler http.Handler
	// auditStore lists audit events for the admin API, when the store
	// keeps them.
	auditStore tokenmint.AuditStore
	now        func() time.Time
	secrets    *token.Hasher    // client credentials (Registry)
	sealer     *token.Sealer    // client_secret_jwt secrets (Registry)
	passwords  *password.Hasher // user passwords (Registry)
	audit      *audit.Recorder
	auditLog   io.WriteCloser // nil when audit_log is off
	brand      brand.Brand    // --brand-name, --brand-color, --brand-logo
	stderr     io.Writer
	// tp makes the spans of requests, engine steps, statements, Redis
	// calls and jwks_uri fetches; nil when tracing is off. tracing is the
	// provider the server set up and flushes on Close.
	tp      trace.TracerProvider
	tracing *tracing.Provider
	// tls serves the public listener's certificate with --tls-cert; nil:
	// plain HTTP.
	tls *certReloader
}

// Options are test seams and hooks; the zero value is production.
type Options struct {
	Now func() time.Time
	// BeforeServe, when set, runs in RunWith once the server is open and
	// listening, before it serves: serve --dev creates its client and user
	// there and prints them with the addresses (admin is "" without an
	// admin listener).
	BeforeServe func(ctx context.Context, s *Server, addr, admin string) error
	// Stderr is where audit_log "stderr" writes (default os.Stderr).
	Stderr io.Writer
	// TracerProvider, when set, traces the server (tests: the SDK with an
	// in-memory exporter). Nil: the OTEL_* environment variables decide
	// (package tracing), off unless they ask for it.
	TracerProvider trace.TracerProvider
}

// New opens everything cfg names and builds the handler. The caller must
// Close the server.
func New(ctx context.Context, cfg config.Config, log *slog.Logger, opts Options) (*Server, error) {
	s := &Server{cfg: cfg, log: log, now: opts.Now, metrics: httpapi.NewMetrics(), stderr: opts.Stderr}
	if s.now == nil {
		s.now = time.Now
	}
	if s.stderr == nil {
		s.stderr = os.Stderr
	}
	if err := s.setupTracing(ctx, opts.TracerProvider); err != nil {
		return nil, err
	}
	if err := s.open(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Server) open(ctx context.Context) error {
	db, err := store.Open(ctx, s.cfg.Database, sqlstore.Options{MaxOpenConns: s.cfg.DBMaxConns, Logger: s.log, Tracing: s.tp})
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	// A database that opens but takes no write (a read-only file or
	// file system, a standby) would fail every request that writes.
	if err := db.CheckWritable(ctx); err != nil {
		db.Close()
		return fmt.Errorf("open database: %w", err)
	}
	s.ready = &readiness{db: db, now: s.now, okUntil: s.now().Add(writeProbeEvery)}
	// Everything goes through the in-memory layer: revocations made here
	// are in it at once, the others arrive by its Run (jobs.go).
	s.store = cache.Wrap(db, cache.Options{TokenEntries: s.cfg.TokenCacheEntries, Logger: s.log, Now: s.now})
	s.auditStore = db
	keys, created, err := s.cfg.Keys(ctx, db)
	if err != nil {
		return fmt.Errorf("master key: %w", err)
	}
	if created {
		s.log.Warn("generated a new master key: back it up, or set TOKENMINT_MASTER_KEY; losing it invalidates every client secret and signing key",
			"file", s.cfg.MasterKeyFile)
	}
	// Load the layer (it reads the store's revision) before the keys, so
	// that a change made while they load is seen by the first poll.
	if err := s.store.Load(ctx); err != nil {
		return err
	}
	s.keys = keys.NewKeyset(db, token.KeysetOptions{Now: s.now, Logger: s.log})
	if err := s.keys.Load(ctx, tokenmint.KnownAlgs...); err != nil {
		return fmt.Errorf("load signing keys: %w", err)
	}
	s.ready.keys = s.keys
	s.registerStoreMetrics()
	if err := s.startAudit(db); err != nil {
		return err
	}
	if s.limiter, err = newLimiters(ctx, s.cfg, s.log, s.metrics, s.now, s.tp); err != nil {
		return err
	}
	s.secrets, s.passwords = keys.Secrets(), password.NewHasher(s.cfg.PasswordParams())
	s.sealer = keys.Sealer()
	if err := s.applySeed(ctx); err != nil {
		return err
	}
	clientCAs, err := s.openTLS()
	if err != nil {
		return err
	}
	s.engine, err = grant.New(grant.Config{
		Issuer:    s.cfg.Issuer,
		Store:     s.store,
		Clients:   s.store.Clients(),
		Keys:      s.keys,
		Secrets:   s.secrets,
		Tokens:    keys.Tokens(),
		Passwords: s.passwords,
		Throttle:  s.limiter.loginThrottle(),
		// Client assertions: the sealed secrets of client_secret_jwt
		// clients, the jwks_uri of private_key_jwt ones.
		Sealer:      keys.Sealer(),
		ClientKeys:  jwksfetch.New(jwksfetch.Options{AllowPrivate: s.cfg.AllowPrivateFetch, Now: s.now, Logger: s.log, Tracing: s.tp}),
		ClientLimit: s.limiter.clientLimit(),
		Observer:    s.metrics,
		Audit:       s.audit,
		DefaultAlg:  s.cfg.SigningAlg,
		CodeTTL:     s.cfg.CodeTTL,
		Dialects:    dialectPolicies(),
		ClientCAs:   clientCAs,
		MutualTLS:   s.cfg.MutualTLS(),
		Now:         s.now,
		Logger:      s.log,
		Tracing:     s.tp,
		DPoPNonces:  s.dpopNonces(keys),
		DPoPRefused: s.metrics.DPoPRefused,
		// RFC 9126 §5: every authorization request through PAR.
		RequirePushedRequests: s.cfg.RequirePushedAuthorizationRequests,
	})
	if err != nil {
		return err
	}
	if s.brand, err = s.cfg.Brand(); err != nil {
		return err
	}
	return s.handlers(keys)
}

// Handler is the server's HTTP handler (for tests and embedding).
func (s *Server) Handler() http.Handler { return s.handler }

// AdminHandler is the admin listener's HTTP handler.
func (s *Server) AdminHandler() http.Handler { return s.adminHandler }

// Engine is the protocol core (for tests and benchmarks).
func (s *Server) Engine() *grant.Engine { return s.engine }

// Keys is the server's signing keyset (for tests).
func (s *Server) Keys() *token.Keyset { return s.keys }

// Store is the server's storage.
func (s *Server) Store() tokenmint.Store { return s.store }

// Audit is the recorder of audit events, for the registry of the admin
// API (registry.Registry.Audit) and for tests (Flush).
func (s *Server) Audit() *audit.Recorder { return s.audit }

// Close writes the audit events still queued, then releases the store,
// the audit log and the rate limiter.
func (s *Server) Close() error {
	var errs []error
	if s.limiter != nil {
		errs = append(errs, s.limiter.Close())
	}
	errs = append(errs, s.closeAudit())
	if s.store != nil {
		errs = append(errs, s.store.Close())
	}
	if s.auditLog != nil {
		errs = append(errs, s.auditLog.Close())
	}
	errs = append(errs, s.shutdownTracing())
	return errors.Join(errs...)
}

// Serve serves the public endpoints on ln until ctx ends, running the
// background jobs, then drains in-flight requests for up to
// ShutdownTimeout.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	return s.ServeWithAdmin(ctx, ln, nil)
}

// ServeWithAdmin is Serve with the admin listener on admin too (nil:
// none).
func (s *Server) ServeWithAdmin(ctx context.Context, ln, admin net.Listener) error {
	srv := s.httpServer(s.handler)
	var adminSrv *http.Server
	if admin != nil {
		adminSrv = s.httpServer(s.adminHandler)
		if s.cfg.Pprof {
			adminSrv.WriteTimeout = 0 // a CPU profile streams for its duration
		}
	}
	jobsCtx, stopJobs := context.WithCancel(ctx)
	var jobs sync.WaitGroup
	s.startJobs(jobsCtx, &jobs)
	s.announce(ctx, ln.Addr().String())

	errc := make(chan error, 2)
	go func() { errc <- s.servePublic(srv, ln) }()
	if adminSrv != nil {
		s.log.Info("admin listener", "addr", admin.Addr().String(), "pprof", s.cfg.Pprof)
		go func() { errc <- adminSrv.Serve(admin) }()
	}
	var err error
	select {
	case err = <-errc:
	case <-ctx.Done():
		s.log.Info("shutting down", "grace", s.cfg.ShutdownTimeout)
		sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
		if adminSrv != nil {
			adminSrv.Shutdown(sctx)
		}
		err = srv.Shutdown(sctx)
		cancel()
	}
	if adminSrv != nil {
		adminSrv.Close()
	}
	srv.Close()
	stopJobs()
	jobs.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// openTLS loads the public listener's certificate (--tls-cert) and the
// CAs of tls_client_auth (--tls-client-ca).
func (s *Server) openTLS() (*x509.CertPool, error) {
	if s.cfg.ServesTLS() {
		r, err := newCertReloader(s.cfg.TLSCert, s.cfg.TLSKey, s.log)
		if err != nil {
			return nil, err
		}
		s.tls = r
	}
	return s.cfg.LoadClientCAs()
}

// servePublic serves the public listener: TLS with --tls-cert (HTTP/2
// offered by ALPN, as ServeTLS sets up), else plain HTTP.
func (s *Server) servePublic(srv *http.Server, ln net.Listener) error {
	if s.tls == nil {
		return srv.Serve(ln)
	}
	srv.TLSConfig = tlsConfig(s.tls)
	return srv.ServeTLS(ln, "", "")
}

// httpServer is an http.Server with the configured timeouts and limits.
func (s *Server) httpServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: s.cfg.ReadTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    32 << 10,
		// Let OPTIONS * reach the handler, which answers it in JSON,
		// rather than net/http's empty 200.
		DisableGeneralOptionsHandler: true,
		ErrorLog:                     slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

// Run opens the server described by cfg, listens on cfg.Addr and serves
// until ctx ends (SIGINT/SIGTERM in the CLI).
func Run(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	return RunWith(ctx, cfg, log, Options{})
}

// RunWith is Run with opts.
func RunWith(ctx context.Context, cfg config.Config, log *slog.Logger, opts Options) error {
	s, err := New(ctx, cfg, log, opts)
	if err != nil {
		return err
	}
	defer s.Close()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	admin, err := listenAdmin(cfg, log)
	if err != nil {
		ln.Close()
		return err
	}
	if opts.BeforeServe != nil {
		adminAddr := ""
		if admin != nil {
			adminAddr = admin.Addr().String()
		}
		if err := opts.BeforeServe(ctx, s, ln.Addr().String(), adminAddr); err != nil {
			ln.Close()
			if admin != nil {
				admin.Close()
			}
			return err
		}
	}
	return s.ServeWithAdmin(ctx, ln, admin)
}

// listenAdmin opens the admin listener: none with "off". When the
// default address is taken (another instance on the same host), the
// server runs without one and says so; an address given explicitly must
// be free.
func listenAdmin(cfg config.Config, log *slog.Logger) (net.Listener, error) {
	if cfg.AdminAddr == config.AdminOff {
		return nil, nil
	}
	ln, err := net.Listen("tcp", cfg.AdminAddr)
	if err == nil {
		return ln, nil
	}
	if cfg.AdminAddr == config.Default().AdminAddr && !cfg.Pprof && !cfg.BenchFloor {
		log.Warn("admin listener not started: its default address is taken; set --admin-addr", "addr", cfg.AdminAddr, "err", err)
		return nil, nil
	}
	return nil, fmt.Errorf("admin listener: %w", err)
}

// registerStoreMetrics exposes the sizes of the revocation list and the
// token cache, and the cache's hits and misses.
func (s *Server) registerStoreMetrics() {
	reg := s.metrics.Registry()
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "tokenmint_revoked_tokens",
		Help: "Revoked access tokens not yet expired, held in memory for introspection.",
	}, func() float64 { return float64(s.store.Stats().Revoked) }))
	if s.cfg.TokenCacheEntries <= 0 {
		return
	}
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "tokenmint_token_cache_entries",
		Help: "Opaque token records held in memory.",
	}, func() float64 { return float64(s.store.Stats().Tokens.Entries) }))
	for _, r := range []struct {
		result string
		count  func(cache.TokenStats) uint64
	}{
		{"hit", func(st cache.TokenStats) uint64 { return st.Hits }},
		{"miss", func(st cache.TokenStats) uint64 { return st.Misses }},
	} {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name:        "tokenmint_token_cache_lookups_total",
			Help:        "Opaque token record lookups, by whether memory answered (hit) or the database (miss).",
			ConstLabels: prometheus.Labels{"result": r.result},
		}, func() float64 { return float64(r.count(s.store.Stats().Tokens)) }))
	}
}

// dpopNonces is the source of DPoP nonces (RFC 9449 §8), keyed from the
// master key so that every instance mints and accepts the same ones; nil
// with --dpop-nonce=false.
func (s *Server) dpopNonces(keys token.Keys) *dpop.Nonces {
	if !s.cfg.DPoPNonce {
		return nil
	}
	return dpop.NewNonces(keys.Derive(token.PurposeDPoPNonce), dpop.DefaultNonceWindow)
}
