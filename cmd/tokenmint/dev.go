package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server"
	"github.com/tokenmint/tokenmint/token"
)

// devOptions are the flags of serve --dev: the one client and one user a
// development server starts with. The server-side switches of --dev are
// config.ApplyDev's.
type devOptions struct {
	on           bool
	clientID     string
	clientSecret string
	username     string
	password     string
	scopes       []string
	redirectURIs []string
}

// Defaults of serve --dev, fixed so that tests can name them.
const (
	devClientID     = "dev-client"
	devClientSecret = "dev-client-secret"
	devUsername     = "dev"
	devPassword     = "dev-password"
)

var (
	devScopes       = []string{"openid", "profile", "email", "api"}
	devRedirectURIs = []string{"http://127.0.0.1/callback"}
	devGrantTypes   = []string{tokenmint.GrantClientCredentials, tokenmint.GrantAuthorizationCode, tokenmint.GrantRefreshToken, tokenmint.GrantPassword}
)

// devFlagNames are the flags that go with --dev only.
var devFlagNames = []string{"dev-client-id", "dev-client-secret", "dev-user", "dev-password", "dev-scope", "dev-redirect-uri"}

func defineDevFlags(f *flags) *devOptions {
	d := &devOptions{}
	f.boolean(&d.on, "dev", "run an in-memory development server on loopback: nothing written to disk, one client and one user "+
		"created from the --dev-* flags and printed at start (see 'Development server' in the README)")
	f.StringVar(&d.clientID, "dev-client-id", devClientID, "with --dev: the client's `ID`")
	f.StringVar(&d.clientSecret, "dev-client-secret", devClientSecret, "with --dev: the client's `SECRET`")
	f.StringVar(&d.username, "dev-user", devUsername, "with --dev: the user's `USERNAME`")
	f.StringVar(&d.password, "dev-password", devPassword, "with --dev: the user's `PASSWORD`")
	f.list(&d.scopes, "dev-scope", "with --dev: a `SCOPE` the client may be granted, repeatable (default openid, profile, email, api; "+
		"add tokenmint:admin to use the admin API)", nil)
	f.list(&d.redirectURIs, "dev-redirect-uri", "with --dev: a redirect `URI` of the client, repeatable (default http://127.0.0.1/callback, on any port)", nil)
	return d
}

// check refuses --dev-* flags without --dev, and a --dev whose settings
// would write to disk.
func (d *devOptions) check(f *flags) error {
	var set []string
	f.Visit(func(fl *flag.Flag) { set = append(set, fl.Name) })
	for _, name := range set {
		switch {
		case !d.on && strings.HasPrefix(name, "dev-"):
			return usagef("--%s goes with --dev", name)
		case d.on && (name == "database" || name == "master-key-file"):
			return usagef("--%s cannot be used with --dev, which keeps everything in memory", name)
		}
	}
	if d.scopes == nil {
		d.scopes = devScopes
	}
	if d.redirectURIs == nil {
		d.redirectURIs = devRedirectURIs
	}
	switch {
	case d.clientSecret == "":
		return usagef("--dev-client-secret is empty")
	case d.username == "":
		return usagef("--dev-user is empty")
	}
	if err := registry.ValidatePassword(d.password); err != nil {
		return fmt.Errorf("--dev-password: %w", err)
	}
	return d.spec().Validate()
}

func (d *devOptions) spec() registry.ClientSpec {
	return registry.ClientSpec{ID: d.clientID, Name: "development client", GrantTypes: devGrantTypes, Scopes: d.scopes,
		RedirectURIs: d.redirectURIs, GivenSecret: token.Secret(d.clientSecret)}
}

// serveDev runs serve --dev: config.ApplyDev's in-memory configuration,
// then the client and user, printed once the server listens.
func (c *cli) serveDev(ctx context.Context, cfg config.Config, d *devOptions) error {
	if err := cfg.ApplyDev(token.GenerateMasterKey()); err != nil {
		return err
	}
	return server.RunWith(ctx, cfg, cfg.NewLogger(c.stderr), server.Options{
		ProcessLogger: c.processLogger,
		BeforeServe: func(ctx context.Context, s *server.Server, addr, admin string) error {
			if err := d.create(ctx, s.Registry()); err != nil {
				return err
			}
			return d.printBanner(c.stdout, cfg, admin)
		},
	})
}

// create makes the development client and user.
func (d *devOptions) create(ctx context.Context, reg *registry.Registry) error {
	if _, _, err := reg.CreateClient(ctx, d.spec()); errors.Is(err, tokenmint.ErrConflict) {
		return fmt.Errorf("client %q already exists (declared by --seed?): choose another --dev-client-id", d.clientID)
	} else if err != nil {
		return fmt.Errorf("create the development client: %w", err)
	}
	if _, err := reg.CreateUser(ctx, registry.UserSpec{Username: d.username, Email: d.username + "@example.com", Name: "Development user"}, d.password); errors.Is(err, tokenmint.ErrConflict) {
		return fmt.Errorf("user %q already exists (declared by --seed?): choose another --dev-user", d.username)
	} else if err != nil {
		return fmt.Errorf("create the development user: %w", err)
	}
	return nil
}

// printBanner prints what a developer needs to use the server.
func (d *devOptions) printBanner(w io.Writer, cfg config.Config, admin string) error {
	if admin == "" {
		admin = "off"
	} else {
		admin = "http://" + admin
	}
	var b strings.Builder
	fmt.Fprintf(&b, "tokenmint development server: in memory, nothing is written to disk, everything is gone when it stops.\n")
	for _, f := range []field{
		{"issuer", cfg.Issuer},
		{"admin", admin},
		{"client_id", d.clientID},
		{"client_secret", d.clientSecret},
		{"grant_types", strings.Join(devGrantTypes, " ")},
		{"scope", strings.Join(d.scopes, " ")},
		{"redirect_uris", strings.Join(d.redirectURIs, " ")},
		{"username", d.username},
		{"password", d.password},
	} {
		fmt.Fprintf(&b, "  %-14s %s\n", f.name, f.value)
	}
	fmt.Fprintf(&b, "try: curl -s -u %s:%s -d grant_type=client_credentials %s/oauth2/token\n", d.clientID, d.clientSecret, cfg.Issuer)
	_, err := io.WriteString(w, b.String())
	return err
}
