package main

import (
	"context"
	"flag"
	"slices"

	"github.com/tokenmint/tokenmint/config"
)

// remoteFlags are the flags every client, user and keys command takes to
// act on a running server's admin API instead of the database: --server
// (the admin listener's URL) and either --token (an access token with an
// admin scope) or --client-id and --client-secret of an admin client, for
// which the CLI gets a token from the server's token endpoint (--token-url,
// or the one the issuer's metadata names: --issuer). Each has an
// environment variable, read when the flag is not given.
type remoteFlags struct {
	server, token, clientID, clientSecret, tokenURL, issuer string
	given                                                   []string // flags given on the command line
}

// remoteEnv maps each remote flag to its environment variable.
var remoteEnv = map[string]string{
	"server":        "TOKENMINT_SERVER",
	"token":         "TOKENMINT_ADMIN_TOKEN",
	"client-id":     "TOKENMINT_ADMIN_CLIENT_ID",
	"client-secret": "TOKENMINT_ADMIN_CLIENT_SECRET",
	"token-url":     "TOKENMINT_TOKEN_URL",
	"issuer":        "TOKENMINT_ISSUER",
}

func defineRemoteFlags(f *flags) *remoteFlags {
	r := &remoteFlags{}
	f.StringVar(&r.server, "server", "", "act on the running server whose admin listener is at `URL` (e.g. http://127.0.0.1:8081) instead of the database (env TOKENMINT_SERVER)")
	f.StringVar(&r.token, "token", "", "with --server: an access `TOKEN` whose scope holds tokenmint:admin or the command's scope (env TOKENMINT_ADMIN_TOKEN)")
	f.StringVar(&r.clientID, "client-id", "", "with --server: the `ID` of an admin client, to get a token with (env TOKENMINT_ADMIN_CLIENT_ID)")
	f.StringVar(&r.clientSecret, "client-secret", "", "with --server: its `SECRET`; prefer the environment variable, which ps does not show (env TOKENMINT_ADMIN_CLIENT_SECRET)")
	f.StringVar(&r.tokenURL, "token-url", "", "with --client-id: the token endpoint `URL` (default: the token_endpoint of the issuer's metadata) (env TOKENMINT_TOKEN_URL)")
	f.StringVar(&r.issuer, "issuer", "", "with --client-id: the server's issuer `URL`, whose metadata names its token endpoint (env TOKENMINT_ISSUER)")
	return r
}

// resolve records the flags given and fills the others from the
// environment.
func (r *remoteFlags) resolve(f *flags, env func(string) string) {
	f.Visit(func(fl *flag.Flag) {
		if _, ok := remoteEnv[fl.Name]; ok {
			r.given = append(r.given, fl.Name)
		}
	})
	for name, p := range map[string]*string{"server": &r.server, "token": &r.token, "client-id": &r.clientID,
		"client-secret": &r.clientSecret, "token-url": &r.tokenURL, "issuer": &r.issuer} {
		if !slices.Contains(r.given, name) {
			*p = env(remoteEnv[name])
		}
	}
}

// localOnly are settings a remote command cannot take: the server uses
// its own.
var localOnly = []string{"database", "config", "master-key-file", "argon2-memory", "argon2-iterations",
	"argon2-parallelism", "signing-alg", "key-retire-after"}

// backend returns where the command acts: the server's admin API with
// --server (or TOKENMINT_SERVER), the database opened in mode otherwise.
// Call it after the flags are parsed and checked.
func (c *cli) backend(ctx context.Context, f *flags, cf *config.Flags, rf *remoteFlags, mode openMode) (backend, error) {
	rf.resolve(f, c.env)
	var given []string
	f.Visit(func(fl *flag.Flag) { given = append(given, fl.Name) })
	if rf.server != "" {
		for _, name := range given {
			if slices.Contains(localOnly, name) {
				return nil, usagef("--%s is a setting of local mode: with --server the server uses its own", name)
			}
		}
		return c.remoteBackend(ctx, rf)
	}
	for _, name := range rf.given {
		if name != "server" {
			return nil, usagef("--%s goes with --server (or TOKENMINT_SERVER)", name)
		}
	}
	cfg, err := cf.Load(c.env)
	if err != nil {
		return nil, err
	}
	db, err := c.openStore(ctx, cfg, mode)
	if err != nil {
		return nil, err
	}
	return &localBackend{c: c, cfg: cfg, db: db}, nil
}

// closeBackend closes b, reporting a failure only when the command
// otherwise succeeded.
func closeBackend(b backend, err *error) {
	if cerr := b.Close(); cerr != nil && *err == nil {
		*err = cerr
	}
}
