package cache

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/tokenmint/tokenmint"
)

// Default poll intervals of Run (docs/deployment.md states the bounds
// they give).
const (
	// DefaultRevisionPoll: a client or signing key changed anywhere
	// reaches this instance within two polls.
	DefaultRevisionPoll = time.Second
	// DefaultRevocationPoll: a token (JWT, or opaque token whose record
	// this instance has cached) revoked by another instance or the CLI
	// introspects inactive here within it (revoked here, at once).
	DefaultRevocationPoll = 250 * time.Millisecond
)

// Options configure Wrap; the zero value is valid.
type Options struct {
	// TokenEntries bounds how many opaque token records are held; 0
	// turns the token cache off (every opaque token is read from the
	// store).
	TokenEntries int
	// RevisionPoll and RevocationPoll are Run's intervals; 0 means
	// DefaultRevisionPoll and DefaultRevocationPoll.
	RevisionPoll, RevocationPoll time.Duration
	Logger                       *slog.Logger
	Now                          func() time.Time
}

func (o Options) withDefaults() Options {
	if o.RevisionPoll <= 0 {
		o.RevisionPoll = DefaultRevisionPoll
	}
	if o.RevocationPoll <= 0 {
		o.RevocationPoll = DefaultRevocationPoll
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Store is the store behind the in-memory layer: a tokenmint.Store whose
// IsRevoked answers from memory once Load has succeeded and whose
// GetAccessToken serves cached opaque records (see the package
// documentation). Every other method is the wrapped store's; GetClient
// too, so that writers read what they wrote: the engine's client lookups
// go through Clients.
type Store struct {
	tokenmint.Store // the top of the stack: the token cache, or the revocation list

	db       tokenmint.Store
	opts     Options
	denylist *denylist
	tokens   *tokenCache // nil when Options.TokenEntries is 0
	clients  *Clients
	rev0     int64 // the store's revision read by Load
}

var _ tokenmint.Store = (*Store)(nil)

// Wrap builds the in-memory layer over db, in the one order that keeps
// the guarantees of the package documentation. Call Load before use and
// Run to follow other processes' changes; Close closes db.
func Wrap(db tokenmint.Store, opts Options) *Store {
	opts = opts.withDefaults()
	s := &Store{db: db, opts: opts, clients: newClients(db)}
	s.denylist = newDenylist(db, opts)
	s.Store = s.denylist
	if opts.TokenEntries > 0 {
		s.tokens = newTokenCache(s.denylist, opts)
		s.Store = s.tokens
	}
	return s
}

// Load reads the store's revision, from which Run's first poll compares,
// and every revocation in the store; from then on IsRevoked answers from
// memory. Call it before loading what an onRevision callback of Run
// refreshes (signing keys), so that a change made meanwhile is seen by
// the first poll.
func (s *Store) Load(ctx context.Context) error {
	rev, err := s.db.Revision(ctx)
	if err != nil {
		return fmt.Errorf("read store revision: %w", err)
	}
	s.rev0 = rev
	if err := s.denylist.Load(ctx); err != nil {
		return fmt.Errorf("load revoked tokens: %w", err)
	}
	return nil
}

// Run follows the store until ctx ends: every RevisionPoll it reads the
// revision and, when it moved, empties Clients and then calls each
// onRevision (the server reloads its signing keys); every RevocationPoll
// it reads the revocation feed. Failed polls are logged and retried.
func (s *Store) Run(ctx context.Context, onRevision ...func(context.Context)) {
	invalidate := func(context.Context) { s.clients.invalidate() }
	var wg sync.WaitGroup
	wg.Go(func() {
		watchRevision(ctx, s.db, s.rev0, s.opts.RevisionPoll, s.opts.Logger, append([]func(context.Context){invalidate}, onRevision...)...)
	})
	wg.Go(func() { s.denylist.Watch(ctx, s.opts.RevocationPoll) })
	wg.Wait()
}

// Clients is the client cache, for grant.Config.Clients.
func (s *Store) Clients() *Clients { return s.clients }

// Stats are the layer's sizes and counters, for metrics.
type Stats struct {
	Revoked int        // revoked access tokens held, not yet expired
	Tokens  TokenStats // zero when the token cache is off
}

// Stats returns the current sizes and counters.
func (s *Store) Stats() Stats {
	st := Stats{Revoked: s.denylist.Len()}
	if s.tokens != nil {
		st.Tokens = s.tokens.Stats()
	}
	return st
}
