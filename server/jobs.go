package server

import (
	"context"
	"net/url"
	"sync"

	"github.com/tokenmint/tokenmint/internal/buildinfo"
	"github.com/tokenmint/tokenmint/internal/periodic"
)

// startJobs runs the background jobs until ctx ends.
func (s *Server) startJobs(ctx context.Context, wg *sync.WaitGroup) {
	wg.Add(5)
	go func() {
		defer wg.Done()
		s.logouts.Run(ctx)
	}()
	go func() {
		defer wg.Done()
		s.store.Run(ctx, s.reloadKeys)
	}()
	go func() {
		defer wg.Done()
		s.watchOutages(ctx)
	}()
	go func() {
		defer wg.Done()
		s.janitor(ctx)
	}()
	go func() {
		defer wg.Done()
		s.auditRetention(ctx)
	}()
	if s.limiter != nil {
		s.limiter.start(ctx, wg)
	}
}

// reloadKeys reloads signing keys when the store's revision moves (a key
// rotated by another instance or by the CLI); the store's cache has
// dropped its clients already. Until a load succeeds, /readyz fails.
func (s *Server) reloadKeys(ctx context.Context) {
	if err := s.ready.loadKeys(ctx); err != nil {
		s.log.WarnContext(ctx, "reload signing keys", "err", err)
	}
}

// janitor deletes expired rows every JanitorInterval, so the database
// stays as large as the set of live tokens.
func (s *Server) janitor(ctx context.Context) {
	periodic.Run(ctx, s.cfg.JanitorInterval, func(ctx context.Context) {
		n, err := s.store.DeleteExpired(ctx, s.now())
		switch {
		case err != nil && ctx.Err() == nil:
			s.log.WarnContext(ctx, "janitor", "err", err)
		case n > 0:
			s.log.DebugContext(ctx, "janitor deleted expired rows", "rows", n)
		}
	})
}

// announce logs where the server listens and, on an empty database, how
// to create a first client and get a token.
func (s *Server) announce(ctx context.Context, addr string) {
	b := buildinfo.Read()
	s.log.Info("tokenmint listening", "addr", addr, "issuer", s.cfg.Issuer,
		"database", redactDSN(s.cfg.Database), "dialects", s.cfg.Dialects,
		"version", b.Version, "revision", b.Revision, "vcs_time", b.Time, "modified", b.Modified, "go_version", b.GoVersion)
	clients, err := s.store.ListClients(ctx)
	if err != nil || len(clients) > 0 {
		return
	}
	db := redactDSN(s.cfg.Database)
	s.log.Info("no clients yet; step 1, create one (its secret is shown once)",
		"run", "tokenmint client create --database "+db+" --name demo --scope api --output json")
	s.log.Info("step 2, request a token with the client_id and client_secret it printed",
		"run", "curl -s -u CLIENT_ID:CLIENT_SECRET -d grant_type=client_credentials -d scope=api "+s.cfg.Issuer+"/oauth2/token")
}

// redactDSN hides a password in a database URL.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}
