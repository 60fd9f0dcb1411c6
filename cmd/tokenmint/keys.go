package main

import (
	"context"
	"fmt"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/store/sqlstore"
	"github.com/tokenmint/tokenmint/token"
)

// keyView is the JSON form of a signing key; its private part never
// leaves the store.
type keyView struct {
	KID       string    `json:"kid"`
	Alg       string    `json:"alg"`
	State     string    `json:"state"` // "current" or "previous"
	CreatedAt time.Time `json:"created_at"`
	RotatedAt time.Time `json:"rotated_at,omitzero"`
	RetireAt  time.Time `json:"retire_at,omitzero"`
}

func newKeyView(k tokenmint.SigningKey) keyView {
	state := "current"
	if !k.Current() {
		state = "previous"
	}
	return keyView{KID: k.ID, Alg: k.Alg, State: state, CreatedAt: k.CreatedAt.UTC(),
		RotatedAt: k.RotatedAt.UTC(), RetireAt: k.RetireAt.UTC()}
}

func (c *cli) printKeys(format string, views []keyView) error {
	rows := make([][]string, 0, len(views))
	for _, v := range views {
		rows = append(rows, []string{v.KID, v.Alg, v.State, formatTime(v.CreatedAt), formatTime(v.RetireAt)})
	}
	if format == "json" {
		return c.printJSON(views)
	}
	return c.printTable([]string{"KID", "ALG", "STATE", "CREATED", "RETIRE_AT"}, rows)
}

func runKeysList(c *cli, ctx context.Context, cmd command, args []string) (err error) {
	f := c.newFlags(cmd)
	out := f.output("table")
	cf := config.Register(f.FlagSet, "database")
	rf := defineRemoteFlags(f)
	if _, err := f.parse(args); err != nil {
		return err
	}
	b, err := c.backend(ctx, f, cf, rf, mustExist)
	if err != nil {
		return err
	}
	defer closeBackend(b, &err)
	keys, err := b.ListKeys(ctx)
	if err != nil {
		return err
	}
	return c.printKeys(*out, keys)
}

// runKeysRotate rotates the key of one algorithm (default: the configured
// signing_alg) or of all. Running servers pick the new key up when they
// notice the store's revision change.
func runKeysRotate(c *cli, ctx context.Context, cmd command, args []string) (err error) {
	f := c.newFlags(cmd)
	var alg string
	f.choice(&alg, "alg", "`ALG` to rotate: ES256, RS256, EdDSA or all (default: the configured signing-alg)",
		append([]string{"all"}, tokenmint.KnownAlgs...)...)
	out := f.output("table")
	cf := config.Register(f.FlagSet, "database", "master-key-file", "signing-alg", "key-retire-after")
	rf := defineRemoteFlags(f)
	if _, err := f.parse(args); err != nil {
		return err
	}
	b, err := c.backend(ctx, f, cf, rf, mayCreate)
	if err != nil {
		return err
	}
	defer closeBackend(b, &err)
	rotated, err := b.RotateKeys(ctx, alg)
	if err != nil {
		return err
	}
	return c.printKeys(*out, rotated)
}

// retireAfter is how long a replaced key stays published: key-retire-after,
// raised to the longest access token lifetime of any client, so that no
// token signed by the old key outlives the key that verifies it.
func retireAfter(ctx context.Context, db tokenmint.ClientStore, configured time.Duration) (time.Duration, error) {
	clients, err := db.ListClients(ctx)
	if err != nil {
		return 0, fmt.Errorf("list clients: %w", err)
	}
	longest := configured
	for _, cl := range clients {
		longest = max(longest, cl.EffectiveAccessTTL())
	}
	return longest, nil
}

// rotateKeys loads the keyset first, which decrypts every stored key: a
// wrong master key fails there, before anything is written.
func (c *cli) rotateKeys(ctx context.Context, db *sqlstore.DB, cfg config.Config, algs []string, retire time.Duration) ([]tokenmint.SigningKey, error) {
	keys, err := c.keys(ctx, cfg, db)
	if err != nil {
		return nil, err
	}
	ks := keys.NewKeyset(db, token.KeysetOptions{Now: c.now})
	if err := ks.Load(ctx); err != nil {
		return nil, fmt.Errorf("load signing keys (is this the right master key?): %w", err)
	}
	reg := &registry.Registry{Store: db, Now: c.now}
	out := make([]tokenmint.SigningKey, 0, len(algs))
	for _, alg := range algs {
		k, err := reg.RotateKey(ctx, ks, alg, retire)
		if err != nil {
			return out, err
		}
		out = append(out, k)
	}
	return out, nil
}
