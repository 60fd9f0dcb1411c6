package server

import (
	"context"
	"fmt"
	"os"

	"github.com/tokenmint/tokenmint/dialect/dialects"
	"github.com/tokenmint/tokenmint/manifest"
	"github.com/tokenmint/tokenmint/registry"
)

// Registry creates and changes clients and users in the server's store,
// hashing their credentials as the server checks them (serve --dev,
// seeds, tests).
func (s *Server) Registry() *registry.Registry {
	return &registry.Registry{Store: s.store, Secrets: s.secrets, Sealer: s.sealer, Passwords: s.passwords, Now: s.now, Profiles: dialects.Profile}
}

// applySeed applies the manifest cfg.Seed names (serve --seed FILE) as
// tokenmint apply does, once the store is open and before anything is
// served: idempotent, so every restart and every instance may apply it.
// Credentials come only from references: a server does not generate
// secrets it could only log.
func (s *Server) applySeed(ctx context.Context) error {
	if s.cfg.Seed == "" {
		return nil
	}
	m, err := manifest.ReadFile(s.cfg.Seed)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	res, err := manifest.Apply(ctx, m, manifest.Options{Registry: s.Registry(), Env: os.Getenv, NoGenerate: true})
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	counts := map[manifest.Action]int{}
	for _, c := range res.Clients {
		counts[c.Action]++
	}
	for _, u := range res.Users {
		counts[u.Action]++
	}
	s.log.Info("seed applied", "file", s.cfg.Seed, "created", counts[manifest.Created],
		"updated", counts[manifest.Updated], "unchanged", counts[manifest.Unchanged])
	return nil
}
