package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/registration"
)

// registrationTokenView is the JSON form of a new initial access token;
// the token appears only here, once.
type registrationTokenView struct {
	RegistrationToken string    `json:"registration_token"`
	MaxUses           int       `json:"max_uses"`
	ExpiresAt         time.Time `json:"expires_at"`
}

// runRegistrationTokenCreate mints an initial access token for dynamic
// client registration (RFC 7591 §3), for a server run with
// --registration token.
func runRegistrationTokenCreate(c *cli, ctx context.Context, cmd command, args []string) (err error) {
	f := c.newFlags(cmd)
	ttl := 24 * time.Hour
	f.ttl(&ttl, "ttl", "how long the token may be used, a Go `DURATION` (default 24h)")
	maxUses := 1
	f.define("max-uses", "`N` clients the token may register, 1 to "+strconv.Itoa(registration.MaxTokenUses)+" (default 1)", &value{
		get: func() string { return strconv.Itoa(maxUses) },
		set: func(s string) error {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 || n > registration.MaxTokenUses {
				return fmt.Errorf("invalid number %q (use a whole number from 1 to %d)", s, registration.MaxTokenUses)
			}
			maxUses = n
			return nil
		},
	})
	out := f.output("json")
	cf := config.Register(f.FlagSet, "database", "master-key-file")
	cfg, err := parseAndLoad(c, f, cf, args)
	if err != nil {
		return err
	}
	db, err := c.openStore(ctx, cfg, mayCreate)
	if err != nil {
		return err
	}
	defer closeStore(db, &err)
	keys, err := c.keys(ctx, cfg, db)
	if err != nil {
		return err
	}
	tokens := keys.Tokens()
	secret, rec, err := registration.MintToken(ctx, db, tokens, ttl, maxUses, c.now())
	if errors.Is(err, registration.ErrInvalidToken) {
		return usagef("%v", err)
	}
	if err != nil {
		return err
	}
	v := registrationTokenView{RegistrationToken: secret.Reveal(), MaxUses: rec.MaxUses, ExpiresAt: rec.ExpiresAt.UTC()}
	if *out == "json" {
		return c.printJSON(v)
	}
	return c.printFields([]field{
		{"registration_token", v.RegistrationToken},
		{"max_uses", strconv.Itoa(v.MaxUses)},
		{"expires_at", formatTime(v.ExpiresAt)},
	})
}
