package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/clientmeta"
	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/dialect/dialects"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/store/sqlstore"
)

// backend is where the client, user and keys commands act: the database
// itself (local mode, localBackend), or a running server's admin API
// (remote mode, --server: remoteBackend). Both answer the same views, so
// that a command prints the same thing either way.
type backend interface {
	CreateClient(ctx context.Context, spec registry.ClientSpec) (clientView, error)
	ListClients(ctx context.Context) ([]clientView, error)
	GetClient(ctx context.Context, id string) (clientView, error)
	// UpdateClient changes the members u's flags name; it also returns
	// the members a new profile filled in.
	UpdateClient(ctx context.Context, id string, u *clientUpdate) (clientView, []string, error)
	DeleteClient(ctx context.Context, id string) error
	RotateSecret(ctx context.Context, id string, grace time.Duration) (string, error)
	RotateAPIKey(ctx context.Context, id string) (string, error)

	CreateUser(ctx context.Context, spec registry.UserSpec, pw string) (userView, error)
	ListUsers(ctx context.Context) ([]userView, error)
	GetUser(ctx context.Context, username string) (userView, error)
	// FindUser finds a user by username, else by ID (--owner).
	FindUser(ctx context.Context, usernameOrID string) (userView, error)
	DeleteUser(ctx context.Context, username string) (userView, error)
	SetPassword(ctx context.Context, username, pw string) (userView, error)
	SetDisabled(ctx context.Context, username string, disabled bool) (userView, error)

	ListKeys(ctx context.Context) ([]keyView, error)
	// RotateKeys rotates the key of alg ("" : the server's signing_alg;
	// "all": every algorithm).
	RotateKeys(ctx context.Context, alg string) ([]keyView, error)

	Close() error
}

// localBackend acts on the database, as the commands always have.
type localBackend struct {
	c   *cli
	cfg config.Config
	db  *sqlstore.DB
}

var _ backend = (*localBackend)(nil)

func (b *localBackend) Close() error {
	if err := b.db.Close(); err != nil {
		return fmt.Errorf("close database: %w", err)
	}
	return nil
}

func (b *localBackend) clientRegistry(ctx context.Context) (*registry.Registry, error) {
	return b.c.clientRegistry(ctx, b.db, b.cfg)
}

func (b *localBackend) CreateClient(ctx context.Context, spec registry.ClientSpec) (clientView, error) {
	reg, err := b.clientRegistry(ctx)
	if err != nil {
		return clientView{}, err
	}
	client, creds, err := reg.CreateClient(ctx, spec)
	if errors.Is(err, tokenmint.ErrConflict) {
		return clientView{}, fmt.Errorf("client %q already exists", spec.ID)
	}
	if err != nil {
		return clientView{}, err
	}
	return newClientView(client, creds), nil
}

func (b *localBackend) ListClients(ctx context.Context) ([]clientView, error) {
	clients, err := b.db.ListClients(ctx)
	if err != nil {
		return nil, fmt.Errorf("list clients: %w", err)
	}
	views := make([]clientView, 0, len(clients))
	for _, cl := range clients {
		views = append(views, newClientView(cl, registry.Credentials{}))
	}
	return views, nil
}

func (b *localBackend) GetClient(ctx context.Context, id string) (clientView, error) {
	client, err := b.db.GetClient(ctx, id)
	if err != nil {
		return clientView{}, notFound(err, "client", id)
	}
	return newClientView(client, registry.Credentials{}), nil
}

func (b *localBackend) UpdateClient(ctx context.Context, id string, u *clientUpdate) (clientView, []string, error) {
	reg := &registry.Registry{Store: b.db, Now: b.c.now, Profiles: dialects.Profile}
	var filled []string
	client, err := reg.UpdateClient(ctx, id, func(cl *tokenmint.Client) error {
		cur := clientmeta.FromClient(cl, registry.Credentials{}, b.c.now())
		p, fl, err := u.patch(&cur)
		if err != nil {
			return err
		}
		filled = fl
		return p.Apply(cl, dialects.Profile)
	})
	if err != nil {
		return clientView{}, nil, updateError(err, id)
	}
	return newClientView(client, registry.Credentials{}), filled, nil
}

func (b *localBackend) DeleteClient(ctx context.Context, id string) error {
	return notFound((&registry.Registry{Store: b.db, Now: b.c.now}).DeleteClient(ctx, id), "client", id)
}

func (b *localBackend) RotateSecret(ctx context.Context, id string, grace time.Duration) (string, error) {
	reg, err := b.clientRegistry(ctx)
	if err != nil {
		return "", err
	}
	secret, _, err := reg.RotateSecretGrace(ctx, id, grace)
	if err != nil {
		return "", notFound(err, "client", id)
	}
	return secret.Reveal(), nil
}

func (b *localBackend) RotateAPIKey(ctx context.Context, id string) (string, error) {
	reg, err := b.clientRegistry(ctx)
	if err != nil {
		return "", err
	}
	key, err := reg.RotateAPIKey(ctx, id)
	if err != nil {
		return "", notFound(err, "client", id)
	}
	return key.Reveal(), nil
}

func (b *localBackend) CreateUser(ctx context.Context, spec registry.UserSpec, pw string) (userView, error) {
	u, err := b.c.userRegistry(b.db, b.cfg).CreateUser(ctx, spec, pw)
	if errors.Is(err, tokenmint.ErrConflict) {
		return userView{}, fmt.Errorf("user %q already exists", spec.Username)
	}
	if err != nil {
		return userView{}, err
	}
	return newUserView(u), nil
}

func (b *localBackend) ListUsers(ctx context.Context) ([]userView, error) {
	users, err := b.db.ListUsers(ctx)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	views := make([]userView, 0, len(users))
	for _, u := range users {
		views = append(views, newUserView(u))
	}
	return views, nil
}

func (b *localBackend) user(ctx context.Context, username string) (tokenmint.User, error) {
	u, err := b.db.GetUserByUsername(ctx, username)
	return u, notFound(err, "user", username)
}

func (b *localBackend) GetUser(ctx context.Context, username string) (userView, error) {
	u, err := b.user(ctx, username)
	return newUserView(u), err
}

func (b *localBackend) FindUser(ctx context.Context, usernameOrID string) (userView, error) {
	u, err := b.db.GetUserByUsername(ctx, usernameOrID)
	if errors.Is(err, tokenmint.ErrNotFound) {
		u, err = b.db.GetUser(ctx, usernameOrID)
	}
	return newUserView(u), notFound(err, "user", usernameOrID)
}

func (b *localBackend) DeleteUser(ctx context.Context, username string) (userView, error) {
	u, err := b.user(ctx, username)
	if err == nil {
		err = notFound((&registry.Registry{Store: b.db, Now: b.c.now}).DeleteUser(ctx, u.ID), "user", username)
	}
	var owns *registry.OwnsClientsError
	if errors.As(err, &owns) {
		err = fmt.Errorf("user %q not deleted: %w", username, err)
	}
	return newUserView(u), err
}

func (b *localBackend) SetPassword(ctx context.Context, username, pw string) (userView, error) {
	u, err := b.user(ctx, username)
	if err == nil {
		err = notFound(b.c.userRegistry(b.db, b.cfg).SetPassword(ctx, u.ID, pw), "user", username)
	}
	return newUserView(u), err
}

func (b *localBackend) SetDisabled(ctx context.Context, username string, disabled bool) (userView, error) {
	u, err := b.user(ctx, username)
	if err == nil {
		u, err = b.c.userRegistry(b.db, b.cfg).SetDisabled(ctx, u.ID, disabled)
		err = notFound(err, "user", username)
	}
	return newUserView(u), err
}

func (b *localBackend) ListKeys(ctx context.Context) ([]keyView, error) {
	keys, err := b.db.ListSigningKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("list signing keys: %w", err)
	}
	// the published ones, as the admin API lists them
	now := b.c.now()
	keys = slices.DeleteFunc(keys, func(k tokenmint.SigningKey) bool { return !k.Current() && !now.Before(k.RetireAt) })
	return keyViews(keys), nil
}

func (b *localBackend) RotateKeys(ctx context.Context, alg string) ([]keyView, error) {
	algs := []string{b.cfg.SigningAlg}
	if alg == "all" {
		algs = tokenmint.KnownAlgs
	} else if alg != "" {
		algs = []string{alg}
	}
	retire, err := retireAfter(ctx, b.db, b.cfg.KeyRetireAfter)
	if err != nil {
		return nil, err
	}
	rotated, err := b.c.rotateKeys(ctx, b.db, b.cfg, algs, retire)
	return keyViews(rotated), err
}

func keyViews(keys []tokenmint.SigningKey) []keyView {
	views := make([]keyView, 0, len(keys))
	for _, k := range keys {
		views = append(views, newKeyView(k))
	}
	return views
}
