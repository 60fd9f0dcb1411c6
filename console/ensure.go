package console

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/registry"
)

// ClientID is the console's own client.
const ClientID = "tokenmint-console"

// Lifetimes of a console session: the access token that is the session
// lasts at most SessionTTL, and ends after SessionIdle without a page
// (every page checks it, which counts as a use). An hour, the default
// access token lifetime, so that the console's client never holds signing
// keys longer than others do (registry.Registry.KeyRetireAfter); a page
// after it signs in again at once while the login session lasts
// (session_ttl), without the password.
const (
	SessionTTL  = time.Hour
	SessionIdle = 30 * time.Minute
)

// loopbackCallbacks are the console's redirect URIs on a loopback admin
// listener: any port matches them (RFC 8252 §7.3).
var loopbackCallbacks = []string{
	"http://127.0.0.1" + PathConsole + "/callback",
	"http://[::1]" + PathConsole + "/callback",
	"http://localhost" + PathConsole + "/callback",
}

// RedirectURIs are the console client's redirect URIs for this
// configuration: the loopback ones, the console URL's, and the
// self-service pages' on the issuer.
func RedirectURIs(issuer, consoleURL string, selfService bool) []string {
	uris := slices.Clone(loopbackCallbacks)
	if consoleURL != "" {
		base := strings.TrimSuffix(strings.TrimSuffix(consoleURL, "/"), PathConsole)
		uris = append(uris, base+PathConsole+"/callback")
	}
	if selfService {
		uris = append(uris, strings.TrimSuffix(issuer, "/")+PathApps+"/callback")
	}
	return uris
}

// EnsureClient makes sure the console's client exists with the redirect
// URIs given. Each instance calls it before its first sign-in (so a
// server whose console is never used has no such client): it is created
// when missing
// (two instances starting together: the one that loses the race finds it
// made), and the URIs this instance needs are added to those it has, never
// removed, so that instances configured differently do not undo each
// other. It is a public client (no secret to keep or share between
// instances: PKCE protects the code, RFC 7636, and the exchange happens
// in the server itself) of the code flow alone, whose access tokens are
// opaque, so that the store can end them at once.
func EnsureClient(ctx context.Context, reg *registry.Registry, uris []string) error {
	for attempt := 0; attempt < 2; attempt++ {
		c, err := reg.Store.GetClient(ctx, ClientID)
		switch {
		case errors.Is(err, tokenmint.ErrNotFound):
			_, _, err = reg.CreateClient(ctx, registry.ClientSpec{
				ID: ClientID, Name: "tokenmint console", Public: true, AuthMethod: tokenmint.AuthMethodNone,
				GrantTypes: []string{tokenmint.GrantAuthorizationCode}, Scopes: []string{"openid"},
				RedirectURIs: uris, TokenFormat: tokenmint.FormatOpaque, AccessTTL: SessionTTL, IdleTTL: SessionIdle,
			})
			if errors.Is(err, tokenmint.ErrConflict) {
				continue // another instance made it: add our URIs to it
			}
			if err != nil {
				return fmt.Errorf("create the console's client: %w", err)
			}
			return nil
		case err != nil:
			return fmt.Errorf("get the console's client: %w", err)
		}
		missing := slices.DeleteFunc(slices.Clone(uris), func(u string) bool { return slices.Contains(c.RedirectURIs, u) })
		if len(missing) == 0 {
			return nil
		}
		_, err = reg.UpdateClient(ctx, ClientID, func(c *tokenmint.Client) error {
			for _, u := range missing {
				if !slices.Contains(c.RedirectURIs, u) {
					c.RedirectURIs = append(c.RedirectURIs, u)
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("add redirect URIs to the console's client: %w", err)
		}
		return nil
	}
	return fmt.Errorf("create the console's client: %w", tokenmint.ErrConflict)
}
